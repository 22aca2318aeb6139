"""Associative-embedding grouping speed: mmpose's ``AssociativeEmbedding`` (Munkres) against
``FastAssociativeEmbedding`` on the same heatmaps and tags, alternating image by image in one run.

    python tools/analysis/grouping_benchmark.py [--images 8] [--persons 30] [--false-peaks 5] \\
        [--heatmap-size 128 128] [--num-keypoints 17] [--tag-dim 1] [--rounds 3] [--out result.json]

The inputs are synthetic "real-looking" network outputs: ``--persons`` persons with Gaussian peaks (sigma 2) and
one tag per person around each of its joints, a few joints missing, plus ``--false-peaks`` spurious peaks per
joint with random tags, so that the top-30 candidates of every joint are above the 0.1 threshold. Reported per
image: grouping (the assignment of candidates to persons), refine (quarter-pixel refinement and filling of
missing joints), their sum, and the whole ``batch_decode`` (NMS and top-k included), with the speed-ups, and
whether both codecs gave the same poses (and the same again with mmpose's Munkres as the fast codec's solver,
which separates tie-breaking from everything else).
"""
import argparse
import json
import time
from importlib.metadata import version
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.utils import ProgressBar
from mmpose.codecs import AssociativeEmbedding
from mmpose.codecs.associative_embedding import _py_max_match
from mmpose.codecs.utils import batch_heatmap_nms, refine_keypoints
from mmpose.utils.tensor_utils import to_numpy

from mmpose_ext.codecs import FastAssociativeEmbedding
from mmpose_ext.codecs.fast_associative_embedding import refine_keypoints_vectorised

COCO_ORDER = [0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16]


def keypoint_order(num_keypoints: int) -> List[int]:
    """The reference's COCO grouping order for 17 joints, the natural order otherwise (e.g. CrowdPose's 14)."""
    return list(COCO_ORDER) if num_keypoints == 17 else list(range(num_keypoints))


def synthetic_ae_outputs(num_images: int, num_keypoints: int = 17, heatmap_size: Tuple[int, int] = (128, 128),
                         persons: int = 30, false_peaks: int = 5, tag_dim: int = 1, missing: float = 0.1,
                         tag_spacing: float = 2.0, tag_noise: float = 0.1, sigma: float = 2.0,
                         quantize: Optional[float] = None, seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """Real-looking associative-embedding outputs.

    Each person gets a tag ``tag_spacing * i`` (shuffled) and its joints scattered around a centre; a joint's
    heatmap is the max of Gaussians (peak value 0.3-1.0, a fraction ``missing`` of joints absent), and its tag
    map holds, at every pixel, the tag of the nearest peak of that joint plus Gaussian noise ``tag_noise``.
    False peaks (value 0.12-0.35) carry random tags. With ``tag_dim == 2`` the second channel is the tag of
    the flipped pass (same tag, independent noise). ``quantize`` rounds heatmap values to that step and, when
    ``tag_noise == 0``, makes many exactly equal values and tags.

    Returns:
        tuple: heatmaps (B, K, H, W) and tags (B, L*K, H, W) (mmpose's layout: channel l*K + k), float32.
    """
    rng = np.random.default_rng(seed)
    W, H = heatmap_size
    K, L = num_keypoints, tag_dim
    yy, xx = np.mgrid[:H, :W].astype(np.float32)
    heatmaps = np.zeros((num_images, K, H, W), np.float32)
    tags = np.zeros((num_images, L, K, H, W), np.float32)
    for b in range(num_images):
        person_tags = rng.permutation(persons) * tag_spacing
        centres = rng.uniform([0.1 * W, 0.1 * H], [0.9 * W, 0.9 * H], size=(persons, 2))
        spread = max(2.0, min(W, H) / 10)
        for k in range(K):
            pts = centres + rng.normal(0, spread, size=(persons, 2))
            keep = rng.random(persons) >= missing
            pts, ptags = pts[keep], person_tags[keep]
            vals = rng.uniform(0.3, 1.0, size=len(pts))
            fake = rng.uniform([0, 0], [W - 1, H - 1], size=(false_peaks, 2))
            pts = np.clip(np.concatenate((pts, fake)), 0, [W - 1, H - 1])
            ptags = np.concatenate((ptags, rng.uniform(-tag_spacing, tag_spacing * persons, size=false_peaks)))
            vals = np.concatenate((vals, rng.uniform(0.12, 0.35, size=false_peaks)))
            if len(pts) == 0:
                continue
            d2 = (xx[None] - pts[:, 0, None, None]) ** 2 + (yy[None] - pts[:, 1, None, None]) ** 2
            heatmaps[b, k] = (vals[:, None, None] * np.exp(-d2 / (2 * sigma ** 2))).max(axis=0)
            nearest = ptags[d2.argmin(axis=0)]
            for l in range(L):
                tags[b, l, k] = nearest + rng.normal(0, tag_noise, size=(H, W)) if tag_noise else nearest
    if quantize:
        heatmaps = np.round(heatmaps / quantize) * quantize
    return torch.from_numpy(heatmaps), torch.from_numpy(tags.reshape(num_images, L * K, H, W))


class MunkresFastAssociativeEmbedding(FastAssociativeEmbedding):
    """The fast codec with mmpose's own Munkres call as the solver: equal to mmpose's codec tie for tie."""

    def _solve_assignment(self, cost: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        pairs = _py_max_match(cost)
        return pairs[:, 0], pairs[:, 1]


def _grouping_and_refine(codec: AssociativeEmbedding, fast: bool, topk: Sequence[np.ndarray],
                         heatmaps: np.ndarray, tags: np.ndarray) -> Tuple[float, float, np.ndarray]:
    """Times the grouping and the refine/fill steps of one image as ``batch_decode`` runs them."""
    t0 = time.perf_counter()
    groups = codec._group_keypoints(*[x[None] for x in topk])[0]
    t1 = time.perf_counter()
    keypoints, scores = groups[..., :-1], groups[..., -1]
    if keypoints.size > 0:
        keypoints = (refine_keypoints_vectorised if fast else refine_keypoints)(keypoints, heatmaps)
        keypoints, scores = codec._fill_missing_keypoints(keypoints, scores, heatmaps, tags)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, groups


def benchmark_grouping(heatmaps: torch.Tensor, tags: torch.Tensor, codec_cfg: Dict, rounds: int = 3,
                       warmup: int = 1, progress: bool = True) -> Dict:
    """Alternating timing of both codecs on every image; returns ms per image (mean over images and rounds)."""
    mm = AssociativeEmbedding(**codec_cfg)
    fast = FastAssociativeEmbedding(**codec_cfg)
    B = heatmaps.shape[0]
    topks, hms, tgs = [], [], []
    for b in range(B):
        peaks = batch_heatmap_nms(heatmaps[b:b + 1], mm.decode_nms_kernel)
        topks.append([x[0] for x in to_numpy(mm._get_batch_topk(peaks, tags[b:b + 1], k=mm.decode_topk))])
        hms.append(to_numpy(heatmaps[b]))
        tgs.append(to_numpy(tags[b]))
    times = {name: {'grouping': [], 'refine': [], 'decode': []} for name in ('mmpose', 'fast')}
    same, same_munkres = [], []
    check = MunkresFastAssociativeEmbedding(**codec_cfg)
    bar = ProgressBar((warmup + rounds) * B) if progress else None
    for r in range(warmup + rounds):
        for b in range(B):
            order = [('mmpose', mm), ('fast', fast)]
            if (r * B + b) % 2:
                order.reverse()
            out = {}
            for name, codec in order:
                g, f, groups = _grouping_and_refine(codec, name == 'fast', topks[b], hms[b].copy(), tgs[b])
                t0 = time.perf_counter()
                out[name] = codec.batch_decode(heatmaps[b:b + 1], tags[b:b + 1])
                d = time.perf_counter() - t0
                if r >= warmup:
                    for key, val in (('grouping', g), ('refine', f), ('decode', d)):
                        times[name][key].append(val * 1000)
            if r == warmup:  # untimed: poses equal to mmpose's, with LSA and with Munkres as the solver
                out['check'] = check.batch_decode(heatmaps[b:b + 1], tags[b:b + 1])
                for flags, name in ((same, 'fast'), (same_munkres, 'check')):
                    flags.append(all(np.array_equal(x[0], y[0]) for x, y in zip(out['mmpose'], out[name])))
            if bar:
                bar.update()
    if bar:
        print()
    result = {'images': B, 'rounds': rounds, 'heatmap_size': [int(heatmaps.shape[3]), int(heatmaps.shape[2])],
              'num_keypoints': int(heatmaps.shape[1]), 'tag_dim': int(tags.shape[1] // heatmaps.shape[1]),
              'candidates_per_joint': float(np.mean([(t[0] > codec_cfg.get('decode_keypoint_thr', 0.1)).sum(-1)
                                                      for t in topks])),
              'same_poses': int(sum(same)), 'same_poses_with_munkres_solver': int(sum(same_munkres)),
              'munkres_version': version('munkres'), 'torch_threads': torch.get_num_threads()}
    for name in times:
        ms = {key: float(np.mean(v)) for key, v in times[name].items()}
        ms['grouping+refine'] = ms['grouping'] + ms['refine']
        result[name] = ms
    result['speedup'] = {key: result['mmpose'][key] / result['fast'][key] for key in result['fast']}
    return result


def format_report(result: Dict) -> str:
    lines = [f"{result['images']} images x {result['rounds']} rounds, heatmaps {result['heatmap_size'][0]}x"
             f"{result['heatmap_size'][1]}, {result['num_keypoints']} joints, tag dim {result['tag_dim']}, "
             f"{result['candidates_per_joint']:.1f} candidates per joint above threshold, "
             f"torch threads {result['torch_threads']}, munkres {result['munkres_version']}",
             f"{'ms / image':<18}{'mmpose (Munkres)':>18}{'fast':>10}{'speed-up':>10}"]
    for key in ('grouping', 'refine', 'grouping+refine', 'decode'):
        lines.append(f"{key:<18}{result['mmpose'][key]:>18.2f}{result['fast'][key]:>10.2f}"
                     f"{result['speedup'][key]:>9.1f}x")
    lines.append(f"same poses as mmpose on {result['same_poses']}/{result['images']} images; with mmpose's Munkres "
                 f"as the fast codec's solver on {result['same_poses_with_munkres_solver']}/{result['images']} "
                 '(the rest differ by ties of the assignment cost)')
    return '\n'.join(lines)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--images', type=int, default=8)
    parser.add_argument('--persons', type=int, default=30)
    parser.add_argument('--false-peaks', type=int, default=5, help='spurious peaks per joint')
    parser.add_argument('--heatmap-size', type=int, nargs=2, default=[128, 128], metavar=('W', 'H'))
    parser.add_argument('--num-keypoints', type=int, default=17)
    parser.add_argument('--tag-dim', type=int, default=1, help='2 = tags of the flipped pass stacked')
    parser.add_argument('--missing', type=float, default=0.1, help='fraction of absent joints')
    parser.add_argument('--topk', type=int, default=30)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='also write the figures to this JSON file')
    args = parser.parse_args(argv)
    if args.images < 1 or args.rounds < 1 or args.num_keypoints < 1 or args.tag_dim < 1:
        parser.error('--images, --rounds, --num-keypoints and --tag-dim must be positive')
    return args


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    W, H = args.heatmap_size
    heatmaps, tags = synthetic_ae_outputs(args.images, args.num_keypoints, (W, H), persons=args.persons,
                                          false_peaks=args.false_peaks, tag_dim=args.tag_dim,
                                          missing=args.missing, seed=args.seed)
    codec_cfg = dict(input_size=(4 * W, 4 * H), heatmap_size=(W, H), decode_topk=args.topk,
                     decode_keypoint_order=keypoint_order(args.num_keypoints))
    result = benchmark_grouping(heatmaps, tags, codec_cfg, rounds=args.rounds, warmup=args.warmup)
    print(format_report(result))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
