"""Bringing any heatmap teacher's output onto a heatmap student's grid: keypoint layout, instance, resolution."""
from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def heatmap_geometry(model: nn.Module) -> Dict[str, Any]:
    """``input_size`` and ``heatmap_size`` (W, H) of a pose model's codec and whether it is UDP, as far as known.

    mmpose's ``MSRAHeatmap`` (and most codecs) map heatmap pixel ``u`` to input pixel ``u * input / heatmap``;
    ``UDPHeatmap`` maps it to ``u * (input - 1) / (heatmap - 1)``.
    """
    decoder = getattr(getattr(model, 'head', None), 'decoder', None)
    geometry: Dict[str, Any] = dict(input_size=None, heatmap_size=None, udp=False)
    if decoder is not None:
        geometry['udp'] = 'UDP' in type(decoder).__name__
        for key in ('input_size', 'heatmap_size'):
            value = getattr(decoder, key, None)
            if value is not None and len(value) == 2:
                geometry[key] = (int(value[0]), int(value[1]))
    return geometry


def _heatmap_to_input(coords: Tensor, heatmap: int, image: int, udp: bool) -> Tensor:
    return coords * ((image - 1) / max(heatmap - 1, 1) if udp else image / heatmap)


def _input_to_heatmap(coords: Tensor, heatmap: int, image: int, udp: bool) -> Tensor:
    return coords * (max(heatmap - 1, 1) / (image - 1) if udp else heatmap / image)


def resize_teacher_heatmaps(teacher: Tensor, student_heatmap: Tuple[int, int], student_input: Tuple[int, int],
                            teacher_input: Tuple[int, int], student_udp: bool = False,
                            teacher_udp: bool = False) -> Tensor:
    """Samples the teacher's heatmaps (B, K, h_t, w_t) at the image points of the student's heatmap pixels.

    Each student heatmap pixel is taken to its point of the student's input (the student's codec convention),
    to the teacher's input (bilinear, pixel-centre resize when the teacher sees a resized batch), and to the
    teacher's heatmap (the teacher's codec convention), where the teacher's map is read bilinearly. A peak at
    teacher pixel ``u`` thus lands where the student's own codec would put the same image point, with no
    half-pixel shift. Sizes are (W, H).
    """
    batch, channels, height, width = teacher.shape
    axes = []
    for axis, size in ((0, width), (1, height)):
        j = torch.arange(student_heatmap[axis], dtype=torch.float32, device=teacher.device)
        x = _heatmap_to_input(j, student_heatmap[axis], student_input[axis], student_udp)
        if teacher_input[axis] != student_input[axis]:
            x = (x + 0.5) * teacher_input[axis] / student_input[axis] - 0.5
        u = _input_to_heatmap(x, size, teacher_input[axis], teacher_udp)
        axes.append(2 * u / max(size - 1, 1) - 1)  # grid_sample's align_corners=True normalisation
    grid_y, grid_x = torch.meshgrid(axes[1], axes[0], indexing='ij')
    grid = torch.stack((grid_x, grid_y), dim=-1)[None].expand(batch, -1, -1, -1)
    resized = F.grid_sample(teacher.float(), grid, mode='bilinear', padding_mode='zeros', align_corners=True)
    return resized.to(teacher.dtype)


def select_instance(heatmaps: Tensor, batch_size: int, num_instances: Optional[int], instance: int,
                    who: str) -> Tensor:
    """A multi-instance teacher's rows (instance-major, row ``k * B + b``) for one instance; others pass."""
    rows = heatmaps.shape[0]
    if rows == batch_size and not num_instances:
        return heatmaps
    if num_instances and rows == num_instances * batch_size:
        if not 0 <= instance < num_instances:
            raise ValueError(f'FPDDistiller: teacher_instance={instance}, but the teacher ({who}) predicts '
                             f'{num_instances} instances per crop')
        return heatmaps[instance * batch_size:(instance + 1) * batch_size]
    raise ValueError(f'FPDDistiller: the teacher ({who}) returned {rows} heatmap rows for a batch of {batch_size} '
                     'crops; a multi-instance teacher must say num_instances in its head')


def keypoint_layout(metainfo: Optional[dict]) -> Optional[Dict[str, Any]]:
    """Number of keypoints, their names and flip indices of a dataset metainfo (mmpose's format), or None."""
    if not metainfo:
        return None
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    try:
        parsed = parse_pose_metainfo(copy.deepcopy(dict(metainfo)))
    except Exception:  # a partial metainfo (only some keys): compare what is there
        parsed = dict(metainfo)
    layout = dict(num_keypoints=parsed.get('num_keypoints'), flip_indices=parsed.get('flip_indices'),
                  names=None)
    id2name = parsed.get('keypoint_id2name')
    if id2name:
        layout['names'] = [id2name[i] for i in sorted(id2name)]
    if layout['flip_indices'] is not None:
        layout['flip_indices'] = [int(i) for i in layout['flip_indices']]
        layout['num_keypoints'] = layout['num_keypoints'] or len(layout['flip_indices'])
    return layout if layout['num_keypoints'] else None


def _dataset_metainfo(dataset: Any) -> Optional[dict]:
    """The metainfo a dataset config would get: its ``metainfo`` entry or its class's ``METAINFO``."""
    if not isinstance(dataset, dict):
        return None
    if dataset.get('metainfo'):
        return dataset['metainfo']
    for key in ('datasets', 'dataset'):  # ConcatDataset, RepeatDataset and the like: the first labelled one
        inner = dataset.get(key)
        for item in (inner if isinstance(inner, (list, tuple)) else [inner]):
            found = _dataset_metainfo(item)
            if found:
                return found
    dataset_type = dataset.get('type')
    if isinstance(dataset_type, str):
        from mmpose.registry import DATASETS
        dataset_type = DATASETS.get(dataset_type)
    return getattr(dataset_type, 'METAINFO', None) if isinstance(dataset_type, type) else None


def layout_of_config(cfg: Any, model_cfg: Optional[dict] = None) -> Optional[Dict[str, Any]]:
    """The keypoint layout a model is trained for: its own ``metainfo`` or its config's training dataset's."""
    if model_cfg and model_cfg.get('metainfo'):
        return keypoint_layout(model_cfg['metainfo'])
    dataloader = cfg.get('train_dataloader') if cfg is not None else None
    return keypoint_layout(_dataset_metainfo(dataloader.get('dataset')) if dataloader else None)


def layout_problems(teacher: Optional[Dict[str, Any]], student: Optional[Dict[str, Any]]) -> List[str]:
    """How two keypoint layouts differ (empty when they agree or one is unknown)."""
    if not teacher or not student:
        return []
    problems = []
    if teacher['num_keypoints'] != student['num_keypoints']:
        problems.append(f'{teacher["num_keypoints"]} keypoints vs {student["num_keypoints"]}')
    elif teacher.get('names') and student.get('names') and teacher['names'] != student['names']:
        problems.append(f'keypoint names/order {teacher["names"]} vs {student["names"]}')
    elif teacher.get('flip_indices') is not None and student.get('flip_indices') is not None \
            and teacher['flip_indices'] != student['flip_indices']:
        problems.append(f'flip indices {teacher["flip_indices"]} vs {student["flip_indices"]}')
    return problems
