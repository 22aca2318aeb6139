"""HigherHRNet's training loss: masked heatmap MSE at every resolution plus the associative-embedding loss,
each averaged over the batch, vectorised over persons and joints, computed in float32."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmpose.models.losses import KeypointMSELoss
from mmpose.registry import MODELS
from torch import Tensor, nn


def pad_keypoint_indices(keypoint_indices: Sequence[Tensor], device: torch.device) -> Tuple[Tensor, Tensor]:
    """Stacks per-image ``(N_b, K, 2)`` index/visibility arrays into padded ``(B, P, K)`` tensors.

    Padded persons get visibility 0. The loop is over images only (one copy per image).

    Returns:
        ``(index, visible)``: int64 flat map positions and float visibilities, both ``(B, P, K)``.
    """
    batch = len(keypoint_indices)
    num_keypoints = next((t.shape[1] for t in keypoint_indices if t.ndim == 3), 0)
    persons = max([int(t.shape[0]) if t.ndim == 3 else 0 for t in keypoint_indices] + [0])
    index = torch.zeros(batch, persons, num_keypoints, dtype=torch.long, device=device)
    visible = torch.zeros(batch, persons, num_keypoints, dtype=torch.float32, device=device)
    for b, t in enumerate(keypoint_indices):
        if t.ndim == 3 and t.shape[0]:
            t = torch.as_tensor(t, device=device)
            index[b, :t.shape[0]] = t[..., 0].long()
            visible[b, :t.shape[0]] = (t[..., 1] > 0).float()
    index = torch.where(visible > 0, index, torch.zeros_like(index))  # invisible entries may point off the map
    return index, visible


@MODELS.register_module()
class BatchAssociativeEmbeddingLoss(nn.Module):
    """Associative-embedding pull/push loss for a batch, without Python loops over persons or joints.

    Per image, as the HigherHRNet reference computes it: each person's reference tag is the mean of the tags at
    its visible joints; ``pull`` = mean over persons of the mean squared distance of its joint tags to its
    reference; ``push`` = sum over ordered pairs of different persons of ``exp(-d^2)`` (``'exp'``) or
    ``max(0, 1 - |d|)`` (``'max'``), divided by ``2 N (N - 1)``. No person gives 0 and 0; one person gives its
    pull and push 0. The per-image values are averaged over the batch (``reduction='mean'``, the reference;
    mmpose 1.x's ``AssociativeEmbeddingLoss`` sums them, ``reduction='sum'``). Persons are padded to the largest
    count in the batch and masked, so the cost is a few dense tensor operations on the device.

    From `Associative Embedding: End-to-End Learning for Joint Detection and Grouping` (Newell et al., NIPS 2017),
    as used by `HigherHRNet` (Cheng et al., CVPR 2020).

    Args:
        loss_type: ``'exp'`` or ``'max'`` push term.
        push_loss_factor: weight of the push term.
        pull_loss_factor: weight of the pull term.
        reduction: ``'mean'`` or ``'sum'`` over the images of the batch.
        tag_per_keypoint: tag maps per joint (``L * K`` channels) or one set shared by all joints (``L``).
    """

    def __init__(self, loss_type: str = 'exp', push_loss_factor: float = 1.0, pull_loss_factor: float = 1.0,
                 reduction: str = 'mean', tag_per_keypoint: bool = True) -> None:
        super().__init__()
        if loss_type not in ('exp', 'max'):
            raise ValueError(f'{type(self).__name__}: loss_type must be "exp" or "max", got {loss_type!r}')
        if reduction not in ('mean', 'sum'):
            raise ValueError(f'{type(self).__name__}: reduction must be "mean" or "sum", got {reduction!r}')
        self.loss_type = loss_type
        self.push_loss_factor = push_loss_factor
        self.pull_loss_factor = pull_loss_factor
        self.reduction = reduction
        self.tag_per_keypoint = tag_per_keypoint

    def per_image(self, tags: Tensor, keypoint_indices: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Unweighted ``(pull, push)`` of every image, each ``(B,)`` float32.

        Args:
            tags: ``(B, L * K, H, W)`` tag maps (channel ``l * K + k``; mmpose's layout), or ``(B, L, H, W)``
                with one tag map shared by all joints.
            keypoint_indices: per image ``(N, K, 2)``: flat position ``y * W + x`` in one map and visibility.
        """
        batch, channels, height, width = tags.shape
        index, visible = pad_keypoint_indices(keypoint_indices, tags.device)
        num_keypoints = index.shape[-1]
        persons = index.shape[1]
        if persons == 0 or num_keypoints == 0:
            zero = tags.new_zeros(batch, dtype=torch.float32) + 0 * tags.float().sum()
            return zero, zero
        if self.tag_per_keypoint and channels % num_keypoints:
            raise ValueError(f'{type(self).__name__}: {channels} tag channels for {num_keypoints} keypoints')
        dim = channels // num_keypoints if self.tag_per_keypoint else channels
        flat = tags.float().reshape(batch, dim, -1)
        if self.tag_per_keypoint:  # joint k's tags live in channels l * K + k
            offset = torch.arange(num_keypoints, device=tags.device) * (height * width)
            position = index + offset
        else:
            position = index
        gathered = flat.gather(2, position.reshape(batch, 1, -1).expand(batch, dim, -1))
        values = gathered.reshape(batch, dim, persons, num_keypoints).permute(0, 2, 3, 1)  # (B, P, K, L)

        count = visible.sum(-1)  # (B, P)
        valid = count > 0
        mean = (values * visible[..., None]).sum(2) / count.clamp(min=1)[..., None]  # (B, P, L)
        spread = ((values - mean[:, :, None]) ** 2).sum(-1)  # (B, P, K)
        pull_person = (spread * visible).sum(-1) / count.clamp(min=1)
        num = valid.sum(-1).float()  # persons per image
        pull = (pull_person * valid).sum(-1) / num.clamp(min=1)

        diff = mean[:, :, None] - mean[:, None]  # (B, P, P, L)
        eye = torch.eye(persons, dtype=torch.bool, device=tags.device)
        pairs = valid[:, :, None] & valid[:, None] & ~eye
        if self.loss_type == 'exp':
            term = torch.exp(-(diff ** 2).sum(-1))
        else:
            distance = diff.abs().squeeze(-1) if dim == 1 else diff.norm(dim=-1)
            term = (1 - distance).clamp(min=0)
        push = (term * pairs).sum((1, 2)) / (num * (num - 1)).clamp(min=1) * 0.5
        return pull, push

    def forward(self, tags: Tensor, keypoint_indices: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Weighted ``(pull, push)`` reduced over the batch (float32 scalars)."""
        pull, push = self.per_image(tags, keypoint_indices)
        reduce = torch.mean if self.reduction == 'mean' else torch.sum
        return reduce(pull) * self.pull_loss_factor, reduce(push) * self.push_loss_factor


@MODELS.register_module()
class HigherHRNetLoss(nn.Module):
    """The reference's multi-resolution loss (``LOSS`` section of its configs) over the head's outputs.

    For each output ``i`` (1/4, then each deconvolution stage): masked heatmap MSE (mmpose's ``KeypointMSELoss``
    with the valid-region mask: mean over B, K, H, W of ``mask * (pred - gt)^2``, which equals the reference's
    per-image mean averaged over the batch) times ``heatmaps_loss_factor[i]``; and where the output carries tags,
    :class:`BatchAssociativeEmbeddingLoss` with ``push/pull_loss_factor[i]``. Everything runs in float32
    (inputs are cast), so autocast to float16/bfloat16 trains without overflow in the loss.

    From `HigherHRNet: Scale-Aware Representation Learning for Bottom-Up Human Pose Estimation` (Cheng et al.,
    CVPR 2020).

    Args:
        num_stages: number of outputs (``LOSS.NUM_STAGES``; 2 for one deconvolution).
        with_heatmaps_loss: per output, whether its heatmaps are supervised (``LOSS.WITH_HEATMAPS_LOSS``).
        heatmaps_loss_factor: per output (``LOSS.HEATMAPS_LOSS_FACTOR``).
        push_loss_factor: per output (``LOSS.PUSH_LOSS_FACTOR``).
        pull_loss_factor: per output (``LOSS.PULL_LOSS_FACTOR``).
        ae_loss_type: ``'exp'`` or ``'max'`` (``LOSS.AE_LOSS_TYPE``).
        reduction: ``'mean'`` over the batch (reference) or ``'sum'`` (mmpose 1.x's AE loss).
        tag_per_keypoint: one tag map per joint (``MODEL.TAG_PER_JOINT``); the head sets it.
    """

    def __init__(self, num_stages: int = 2, with_heatmaps_loss: Sequence[bool] = (True, True),
                 heatmaps_loss_factor: Sequence[float] = (1.0, 1.0), push_loss_factor: Sequence[float] = (1e-3, 1e-3),
                 pull_loss_factor: Sequence[float] = (1e-3, 1e-3), ae_loss_type: str = 'exp',
                 reduction: str = 'mean', tag_per_keypoint: bool = True) -> None:
        super().__init__()
        for name, value in (('with_heatmaps_loss', with_heatmaps_loss), ('heatmaps_loss_factor', heatmaps_loss_factor),
                            ('push_loss_factor', push_loss_factor), ('pull_loss_factor', pull_loss_factor)):
            if len(value) != num_stages:
                raise ValueError(f'{type(self).__name__}: {name} has {len(value)} entries for num_stages={num_stages}')
        self.num_stages = num_stages
        self.with_heatmaps_loss = list(with_heatmaps_loss)
        self.heatmaps_loss_factor = list(heatmaps_loss_factor)
        self.heatmap_loss = KeypointMSELoss(use_target_weight=False)
        self.ae_losses = nn.ModuleList([
            BatchAssociativeEmbeddingLoss(ae_loss_type, push, pull, reduction, tag_per_keypoint)
            for push, pull in zip(push_loss_factor, pull_loss_factor)])

    def forward(self, heatmaps: List[Tensor], tags: List[Optional[Tensor]], gt_heatmaps: List[Tensor],
                masks: List[Tensor], keypoint_indices: Sequence[Tensor]) -> Dict[str, Tensor]:
        """Losses of a batch.

        Args:
            heatmaps: per output ``(B, K, H_i, W_i)`` predicted heatmaps.
            tags: per output the ``(B, L * K, H_i, W_i)`` tag maps, or None where the output has none.
            gt_heatmaps: per output the target heatmaps.
            masks: per output ``(B, H_i, W_i)`` or ``(B, 1, H_i, W_i)`` valid-region masks.
            keypoint_indices: per image ``(N, K, 2)`` positions in the tag maps' resolution and visibilities.

        Returns:
            ``loss_heatmap_{i}``, ``loss_pull_{i}``, ``loss_push_{i}`` for each supervised output.
        """
        if len(heatmaps) != self.num_stages:
            raise ValueError(f'{type(self).__name__}: got {len(heatmaps)} outputs, num_stages={self.num_stages}')
        losses = {}
        for i in range(self.num_stages):
            if self.with_heatmaps_loss[i]:
                mask = masks[i].float()
                if mask.ndim == 3:
                    mask = mask[:, None]
                losses[f'loss_heatmap_{i}'] = self.heatmap_loss(
                    heatmaps[i].float(), gt_heatmaps[i].float(), None, mask) * self.heatmaps_loss_factor[i]
            if tags[i] is not None:
                pull, push = self.ae_losses[i](tags[i], keypoint_indices)
                losses[f'loss_pull_{i}'] = pull
                losses[f'loss_push_{i}'] = push
        return losses
