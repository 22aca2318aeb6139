"""The batched associative-embedding loss equals a plain per-image, per-person loop (the reference's way)."""
from __future__ import annotations

import pytest
import torch

from mmpose_ext.models.losses import BatchAssociativeEmbeddingLoss, HigherHRNetLoss


def loop_reference(tags: torch.Tensor, indices: list, loss_type: str) -> tuple:
    """Per image: loop over persons and joints, as HigherHRNet's ``AELoss.singleTagLoss`` does (1-D tags)."""
    batch, num_kpt, height, width = tags.shape
    pulls, pushes = [], []
    for b in range(batch):
        flat = tags[b].reshape(-1)
        means, pull = [], tags.new_zeros(())
        for person in indices[b]:
            joint_tags = [flat[k * height * width + int(person[k, 0])] for k in range(num_kpt) if person[k, 1] > 0]
            if not joint_tags:
                continue
            joint_tags = torch.stack(joint_tags)
            means.append(joint_tags.mean())
            pull = pull + ((joint_tags - means[-1]) ** 2).mean()
        n = len(means)
        if n == 0:
            pulls.append(tags.new_zeros(()))
            pushes.append(tags.new_zeros(()))
            continue
        if n == 1:
            pulls.append(pull)
            pushes.append(tags.new_zeros(()))
            continue
        m = torch.stack(means)
        diff = m[None, :] - m[:, None]
        if loss_type == 'exp':
            push = torch.exp(-diff ** 2).sum() - n
        else:
            push = torch.clamp(1 - diff.abs(), min=0).sum() - n
        pushes.append(push / ((n - 1) * n) * 0.5)
        pulls.append(pull / n)
    return torch.stack(pulls), torch.stack(pushes)


def random_case(seed: int, batch: int = 4, num_kpt: int = 5, size: int = 8):
    g = torch.Generator().manual_seed(seed)
    tags = torch.randn(batch, num_kpt, size, size, generator=g, dtype=torch.float64)
    counts = [0, 1, 3, 7][:batch]  # no person, one person, several (some with no visible joint)
    indices = []
    for n in counts:
        idx = torch.randint(0, size * size, (n, num_kpt, 1), generator=g)
        vis = (torch.rand(n, num_kpt, 1, generator=g) > 0.4).long()
        if n >= 3:
            vis[1] = 0  # a person without visible joints is ignored
        indices.append(torch.cat([idx, vis], -1))
    return tags, indices


@pytest.mark.parametrize('loss_type', ['exp', 'max'])
def test_matches_per_image_loop_values_and_gradients(loss_type):
    tags, indices = random_case(0)
    tags_a = tags.clone().requires_grad_(True)
    tags_b = tags.clone().requires_grad_(True)
    loss = BatchAssociativeEmbeddingLoss(loss_type)
    pull, push = loss.per_image(tags_a, indices)
    ref_pull, ref_push = loop_reference(tags_b, indices, loss_type)
    torch.testing.assert_close(pull.double(), ref_pull, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(push.double(), ref_push, rtol=1e-5, atol=1e-6)
    assert push[1] == 0 and pull[0] == 0 and push[0] == 0  # 0 persons -> 0, 0; 1 person -> push 0
    (pull.sum() + 2 * push.sum()).backward()
    (ref_pull.sum() + 2 * ref_push.sum()).backward()
    torch.testing.assert_close(tags_a.grad, tags_b.grad, rtol=1e-4, atol=1e-6)


def test_batch_mean_versus_sum_and_factors():
    tags, indices = random_case(1)
    ref_pull, ref_push = loop_reference(tags, indices, 'exp')
    pull, push = BatchAssociativeEmbeddingLoss('exp', push_loss_factor=0.5, pull_loss_factor=2.0)(tags, indices)
    torch.testing.assert_close(pull.double(), 2.0 * ref_pull.mean(), rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(push.double(), 0.5 * ref_push.mean(), rtol=1e-5, atol=1e-7)
    pull_s, _ = BatchAssociativeEmbeddingLoss('exp', reduction='sum')(tags, indices)
    torch.testing.assert_close(pull_s.double(), ref_pull.sum(), rtol=1e-5, atol=1e-7)


def test_multi_level_loss_masks_heatmaps_and_tags_only_where_configured():
    torch.manual_seed(0)
    k = 3
    heatmaps = [torch.rand(2, k, 4, 4), torch.rand(2, k, 8, 8)]
    gts = [torch.rand(2, k, 4, 4), torch.rand(2, k, 8, 8)]
    masks = [torch.ones(2, 4, 4), torch.zeros(2, 8, 8)]
    masks[0][0, :2] = 0
    indices = [torch.tensor([[[1, 1], [5, 1], [6, 0]]]), torch.zeros(0, k, 2, dtype=torch.long)]
    loss = HigherHRNetLoss(heatmaps_loss_factor=(1.0, 3.0))
    out = loss(heatmaps, [torch.rand(2, k, 4, 4), None], gts, masks, indices)
    assert set(out) == {'loss_heatmap_0', 'loss_heatmap_1', 'loss_pull_0', 'loss_push_0'}
    expected = (((heatmaps[0] - gts[0]) ** 2) * masks[0][:, None]).mean()
    torch.testing.assert_close(out['loss_heatmap_0'], expected)
    assert out['loss_heatmap_1'] == 0  # fully masked
    assert out['loss_push_0'] == 0  # one person per image at most


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_low_precision_inputs_give_float32_losses(dtype):
    tags, indices = random_case(2)
    tags = (tags * 30).to(dtype)  # large tags: exp(-d^2) and squares would lose everything in half precision
    with torch.autocast('cpu', dtype=dtype):
        pull, push = BatchAssociativeEmbeddingLoss('exp')(tags, indices)
        hm = HigherHRNetLoss(num_stages=1, with_heatmaps_loss=(True, ), heatmaps_loss_factor=(1.0, ),
                             push_loss_factor=(1e-3, ), pull_loss_factor=(1e-3, ))(
            [torch.rand(2, 3, 4, 4, dtype=dtype)], [None], [torch.rand(2, 3, 4, 4)], [torch.ones(2, 4, 4)], [])
    assert pull.dtype == push.dtype == hm['loss_heatmap_0'].dtype == torch.float32
    ref_pull, ref_push = loop_reference(tags.double(), indices, 'exp')
    torch.testing.assert_close(pull.double(), ref_pull.mean(), rtol=1e-4, atol=1e-4)
    assert torch.isfinite(push)


def test_rejects_unknown_type():
    with pytest.raises(ValueError, match='loss_type'):
        BatchAssociativeEmbeddingLoss('abs')
    with pytest.raises(ValueError, match='num_stages'):
        HigherHRNetLoss(num_stages=3)
