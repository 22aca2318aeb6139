"""PoseFix input files made from the ground truth: COCO keypoint results with PoseFix's synthesised errors.

Without a trained estimator (the synthetic set, tests, the learning check) these stand in for an estimator's
results: the train-set "estimate" that ``PoseFixCocoDataset`` needs, and a deliberately weak test input.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmpose.datasets import CocoDataset

from .common import check_coco_keypoint_file, load_json_file, mmpose_metainfo
from .posefix_coco_dataset import box_iou_xyxy
from .transforms.synthesize_pose_errors import base_error_probabilities, joint_kind, synthesize_pose_errors


def ground_truth_with_errors(ann_file: str, metainfo: Optional[dict] = None, seed: int = 0, score: float = 1.0,
                             near_iou_thr: float = 0.1, ignored: Optional[Sequence[bool]] = None,
                             random_joint_scores: bool = False) -> List[Dict[str, Any]]:
    """One COCO keypoint result per person ``PoseFixCocoDataset`` trains on, from its ground truth with errors.

    The errors are those of ``SynthesizePoseErrors`` (same table, radii and near persons), drawn in image pixels
    with the person's box area. Joints that are not annotated have no ground truth: they start from the box
    centre, i.e. what an estimator that knows nothing about the joint would say. Every result carries the
    person's ground-truth ``bbox``, as an estimator run on ground-truth boxes reports it, keypoint scores 1
    and the instance ``score``.

    Args:
        ann_file: COCO-format keypoint annotations.
        metainfo: keypoint layout (``dict(from_file=...)``); COCO's by default.
        seed: seed of the errors.
        score: every result's instance score.
        near_iou_thr: box IoU from which another person is a swap source (as ``PoseFixCocoDataset``).
        ignored: (K,) joints the layout never labels (PoseTrack18's ears): written as 0, 0, 0 with score 0.
        random_joint_scores: joint scores drawn uniformly from [0.2, 1] (seeded) instead of 1, also written as
            ``scores``; PoseTrack's AP ranks joints by them, so equal scores would leave the ranking to ties.
    """
    dataset = CocoDataset(ann_file=ann_file, data_mode='topdown', metainfo=metainfo or mmpose_metainfo('coco.py'),
                          serialize_data=False, lazy_init=True)
    meta = dataset.metainfo
    check_coco_keypoint_file(load_json_file(ann_file), ann_file, meta['num_keypoints'], meta['dataset_name'])
    dataset.full_init()
    num_joints = meta['num_keypoints']
    kinds = [joint_kind(meta['keypoint_id2name'][k]) for k in range(num_joints)]
    rng = np.random.default_rng(seed)
    blocked = np.zeros(num_joints, bool) if ignored is None else np.asarray(ignored, dtype=bool)
    persons = [dataset.get_data_info(i) for i in range(len(dataset))]
    by_image: Dict[Any, List[int]] = defaultdict(list)
    for index, person in enumerate(persons):
        by_image[person['img_id']].append(index)

    results = []
    for members in by_image.values():
        boxes = np.stack([persons[i]['bbox'].reshape(4).astype(np.float64) for i in members])
        near = box_iou_xyxy(boxes, boxes) >= near_iou_thr
        np.fill_diagonal(near, False)
        for row, index in enumerate(members):
            person = persons[index]
            keypoints = person['keypoints'][0].astype(np.float64)
            annotated = (person['keypoints_visible'][0] > 0) & ~blocked
            x1, y1, x2, y2 = boxes[row]
            own = np.where(annotated[:, None], keypoints, [(x1 + x2) / 2, (y1 + y2) / 2])
            others = [members[col] for col in np.flatnonzero(near[row])]
            near_keypoints = np.stack([persons[o]['keypoints'][0] for o in others]).astype(np.float64) \
                if others else np.zeros((0, num_joints, 2))
            near_ok = np.stack([persons[o]['keypoints_visible'][0] > 0 for o in others]) & ~blocked \
                if others else np.zeros((0, num_joints), bool)
            probs = base_error_probabilities(kinds, int(annotated.sum()), len(others))
            points, valid, _ = synthesize_pose_errors(own, ~blocked, annotated, near_keypoints, near_ok,
                                                      meta['flip_indices'], meta['sigmas'], (x2 - x1) * (y2 - y1),
                                                      probs, rng)
            joint_scores = rng.uniform(0.2, 1.0, num_joints) if random_joint_scores else np.ones(num_joints)
            joint_scores = np.where(valid, joint_scores, 0.0)
            flat = np.concatenate([points, joint_scores[:, None]], 1).reshape(-1)
            result = dict(image_id=person['img_id'], category_id=1, keypoints=[round(float(v), 2) for v in flat],
                          score=float(score), bbox=[float(x1), float(y1), float(x2 - x1), float(y2 - y1)])
            if random_joint_scores:
                result['scores'] = [round(float(v), 4) for v in joint_scores]
            results.append(result)
    return results
