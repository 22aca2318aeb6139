"""Fast Pose Distillation: a small pose network learns from the ground truth and from a frozen, larger one."""
from __future__ import annotations

import copy
import os
import os.path as osp
from typing import Any, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner.checkpoint import load_checkpoint
from mmpose.models.pose_estimators.base import BasePoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, OptMultiConfig, SampleList
from torch import Tensor, nn

from ..heads.batched_heatmap_decode import heatmap_pck_accuracy
from ..losses.fast_pose_distillation_loss import FastPoseDistillationLoss
from .teacher_alignment import (heatmap_geometry, layout_of_config, layout_problems,
                                resize_teacher_heatmaps, select_instance)


# the checkout (or installed tree) that holds configs/: the shipped configs name their teachers as configs/...
_CHECKOUT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def _config_file(path: str, key: str) -> Config:
    """A teacher/student config: a relative path from the working directory, else from the checkout."""
    if not osp.isfile(path) and not osp.isabs(path) and osp.isfile(osp.join(_CHECKOUT, path)):
        path = osp.join(_CHECKOUT, path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'FPDDistiller {key}: config file not found: {path} (relative paths are taken '
                                f'from the working directory, {os.getcwd()}, then from {_CHECKOUT})')
    return Config.fromfile(path)


def _model_from_config_file(path: str, key: str) -> dict:
    return copy.deepcopy(_config_file(path, key).model)


def _as_stacks(output: Union[Tensor, Sequence[Tensor]], who: str) -> List[Tensor]:
    """A head's heatmaps as a list of stacks: multi-stack heads give a list, single-stack ones a tensor."""
    if isinstance(output, Tensor):
        return [output]
    if isinstance(output, (list, tuple)) and output and all(isinstance(t, Tensor) for t in output):
        return list(output)
    raise TypeError(f'FPDDistiller: the {who} head must output heatmaps (a tensor or a list of per-stack tensors), '
                    f'got {type(output).__name__}')


@MODELS.register_module()
class FPDDistiller(BasePoseEstimator):
    """Trains a student pose estimator with a frozen teacher's heatmaps as extra targets.

    Every training step runs the teacher once, without gradients, on the student's own (augmented) batch, and
    supervises every student stack with :class:`FastPoseDistillationLoss` against the ground truth and the
    teacher's last-stack heatmaps. Prediction and tensor modes run the student alone, so inference costs what
    the student costs.

    Any heatmap teacher can teach any heatmap student that predicts the same keypoints in the same order: the
    teacher may be of another family (an HRNet for a hourglass), a multi-stack or single-output head, a
    multi-instance model (MIPNet: ``teacher_instance`` picks its rows) and may predict at another heatmap
    resolution or be fed another input size (``teacher_input_size``). Its last heatmaps are then sampled at
    the image points of the student's heatmap pixels (each side's codec convention, see
    ``resize_teacher_heatmaps``). Keypoint layouts are compared when the model is built: the number of
    heatmaps of both heads, and the keypoint names/order and flip indices of both models' ``metainfo`` or, for
    config files, of their training datasets; any difference stops with both layouts. Every training step
    checks the number of heatmaps again against the student's targets.

    The teacher is not a registered sub-module: it is absent from ``parameters()`` (hence from the optimizer),
    from the state dict (checkpoints hold the student as ``student.*``) and from ``train()``, so it stays in
    eval mode whatever the runner switches; ``to()``/``cuda()``/``half()`` still move it. Its weights are
    loaded in :meth:`init_weights` (the runner calls it before training), so the model builds without any
    checkpoint (benchmarks, config tests). ``tools/convert/fpd_to_student.py`` turns a checkpoint of this model
    into a plain student checkpoint.

    From `Fast Human Pose Estimation` (Zhang, Zhu and Ye, CVPR 2019).

    Args:
        teacher_cfg: the teacher's config file (its ``model`` is built) or a model config dict.
        teacher_ckpt: the trained teacher's checkpoint; required by :meth:`init_weights`.
        student: the student's model config dict; give this or ``student_cfg``.
        student_cfg: a config file whose ``model`` is the student.
        student_init: optional checkpoint of a pre-trained student to start from (the official recipe).
        distill_loss: config of the loss (:class:`FastPoseDistillationLoss` by default).
        teacher_instance: the instance of a multi-instance teacher (MIPNet) whose heatmaps teach; 0 = the box's
            own person.
        teacher_input_size: (W, H) to resize the student's batch to before the teacher sees it (a teacher
            trained at another input size); None feeds the student's batch as it is.
        data_preprocessor: default: the student's. The teacher must normalise its input the same way.
        init_cfg: mmengine initialisation config of the distiller (the student keeps its own).
    """

    def __init__(self, teacher_cfg: Union[str, dict], teacher_ckpt: Optional[str] = None,
                 student: OptConfigType = None, student_cfg: Optional[str] = None,
                 student_init: Optional[str] = None,
                 distill_loss: ConfigType = dict(type=FastPoseDistillationLoss), teacher_instance: int = 0,
                 teacher_input_size: Optional[Sequence[int]] = None,
                 data_preprocessor: OptConfigType = None, init_cfg: OptMultiConfig = None) -> None:
        student_model = self.student_model_cfg(dict(student=student, student_cfg=student_cfg))
        if data_preprocessor is None:
            data_preprocessor = student_model.get('data_preprocessor')
        # BasePoseEstimator.__init__ would build a backbone and head of the distiller itself; here they belong to
        # the student, so only mmengine's part of the initialisation runs.
        BaseModel.__init__(self, data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.student = MODELS.build(student_model)
        self.metainfo = self.student.metainfo
        self.train_cfg = self.student.train_cfg
        self.test_cfg = self.student.test_cfg
        self.distill_loss = MODELS.build(distill_loss)
        self.teacher_source = teacher_cfg if isinstance(teacher_cfg, str) else 'teacher_cfg (dict)'
        teacher_file = _config_file(teacher_cfg, 'teacher_cfg') if isinstance(teacher_cfg, str) else None
        teacher_model = copy.deepcopy(teacher_file.model) if teacher_file is not None else copy.deepcopy(teacher_cfg)
        self.teacher_layout = layout_of_config(teacher_file, teacher_model)
        student_layout = layout_of_config(_config_file(student_cfg, 'student_cfg') if student_cfg else None,
                                          student_model)
        self._check_layout(student_layout, f'the student ({student_cfg or "student dict"})')
        self.teacher_instance = teacher_instance
        if teacher_input_size is not None and len(teacher_input_size) != 2:
            raise ValueError(f'FPDDistiller: teacher_input_size must be (W, H), got {teacher_input_size}')
        self.teacher_input_size = tuple(int(v) for v in teacher_input_size) if teacher_input_size else None
        teacher = MODELS.build(teacher_model)
        teacher.requires_grad_(False)
        teacher.eval()
        # bypasses nn.Module registration on purpose (see the class docstring)
        object.__setattr__(self, 'teacher', teacher)
        self._check_same_normalisation()
        self._check_channels()
        self.teacher_ckpt = teacher_ckpt
        self.student_init = student_init

    @staticmethod
    def student_model_cfg(model_cfg: dict) -> dict:
        """The student's model config from a distiller's model config (``student`` or ``student_cfg``)."""
        student, student_cfg = model_cfg.get('student'), model_cfg.get('student_cfg')
        if (student is None) == (student_cfg is None):
            raise ValueError('FPDDistiller: give exactly one of student (a model dict) and student_cfg (a config '
                             f'file), got student={student!r}, student_cfg={student_cfg!r}')
        return copy.deepcopy(student) if student is not None else _model_from_config_file(student_cfg,
                                                                                          'student_cfg')

    def _check_same_normalisation(self) -> None:
        mine, theirs = self.data_preprocessor, self.teacher.data_preprocessor
        for name in ('_enable_normalize', '_channel_conversion', 'mean', 'std'):
            a, b = getattr(mine, name, None), getattr(theirs, name, None)
            same = torch.equal(a, b) if isinstance(a, Tensor) and isinstance(b, Tensor) else a == b
            if not same:
                raise ValueError(f'FPDDistiller: the teacher ({self.teacher_source}) pre-processes images '
                                 f'differently from the student ({name}: {b} vs {a}); it sees the student\'s '
                                 'batch, so both must use the same data_preprocessor')

    def _check_layout(self, student_layout: Optional[dict], student_source: str) -> None:
        problems = layout_problems(self.teacher_layout, student_layout)
        if problems:
            raise ValueError(f'FPDDistiller: the teacher ({self.teacher_source}) and {student_source} predict '
                             f'different keypoint layouts ({"; ".join(problems)}); distillation compares heatmaps '
                             'channel by channel, so both must predict the same keypoints in the same order')

    def _check_channels(self) -> None:
        teacher_k = getattr(self.teacher.head, 'out_channels', None)
        student_k = getattr(self.student.head, 'out_channels', None)
        if teacher_k and student_k and teacher_k != student_k:
            raise ValueError(f'FPDDistiller: the teacher ({self.teacher_source}) predicts {teacher_k} keypoint '
                             f'heatmaps, the student {student_k}; both must predict the same keypoints')

    def teacher_heatmaps(self, inputs: Tensor, target_size: Sequence[int]) -> Tensor:
        """The teacher's last heatmaps (float32, no gradient) for the student's batch, on the student's (H, W)
        heatmap grid."""
        student_input = (inputs.shape[-1], inputs.shape[-2])
        teacher_input = self.teacher_input_size or student_input
        teacher_batch = inputs if teacher_input == student_input else F.interpolate(
            inputs, size=(teacher_input[1], teacher_input[0]), mode='bilinear', align_corners=False)
        with torch.no_grad():
            heatmaps = _as_stacks(self.teacher._forward(teacher_batch), 'teacher')[-1].float()
            heatmaps = select_instance(heatmaps, inputs.shape[0], getattr(self.teacher.head, 'num_instances', None),
                                       self.teacher_instance, self.teacher_source)
            target = (int(target_size[-1]), int(target_size[-2]))
            if (heatmaps.shape[-1], heatmaps.shape[-2]) == target and teacher_input == student_input:
                return heatmaps
            student, teacher = heatmap_geometry(self.student), heatmap_geometry(self.teacher)
            return resize_teacher_heatmaps(heatmaps, target, student_input, teacher_input, student['udp'],
                                           teacher['udp'])

    def _apply(self, fn: Any, *args: Any, **kwargs: Any) -> 'FPDDistiller':
        super()._apply(fn, *args, **kwargs)
        self.teacher._apply(fn, *args, **kwargs)
        return self

    def train(self, mode: bool = True) -> 'FPDDistiller':
        super().train(mode)
        self.teacher.eval()  # frozen: BatchNorm statistics and dropout stay in inference mode
        return self

    def init_weights(self) -> None:
        """Initialises the student (its own ``init_cfg``, then ``student_init``) and loads the teacher."""
        if not self.teacher_ckpt:
            raise ValueError(f'FPDDistiller: teacher_ckpt is not set; distillation needs the trained teacher of '
                             f'{self.teacher_source} (set model.teacher_ckpt)')
        self._load(self.teacher, self.teacher_ckpt, 'teacher_ckpt')
        super().init_weights()
        if self.student_init:
            self._load(self.student, self.student_init, 'student_init')

    @staticmethod
    def _load(module: nn.Module, path: str, key: str) -> None:
        if '://' not in path and not osp.isfile(path):
            raise FileNotFoundError(f'FPDDistiller {key}: checkpoint not found: {path}')
        # mmengine's loader, which mmpose_ext routes through the weights-only allow-list; strict: a checkpoint
        # of another architecture must not load half of its weights
        load_checkpoint(module, path, map_location='cpu', strict=True, logger='current')

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Teacher forward without gradients, student forward, FPD loss; ``acc_pose`` of the labelled samples."""
        # the loss and the accuracy in float32 whatever the autocast dtype (numpy has no bfloat16)
        stacks = [s.float() for s in
                  _as_stacks(self.student.head.forward(self.student.extract_feat(inputs)), 'student')]
        gt_heatmaps = torch.stack([d.gt_fields.heatmaps for d in data_samples])
        teacher_heatmaps = self.teacher_heatmaps(inputs, gt_heatmaps.shape[-2:])
        if teacher_heatmaps.shape[1] != gt_heatmaps.shape[1]:
            raise ValueError(f'FPDDistiller: the teacher ({self.teacher_source}) predicts '
                             f'{teacher_heatmaps.shape[1]} keypoint heatmaps, the student\'s targets have '
                             f'{gt_heatmaps.shape[1]}; both must predict the same keypoints')
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in data_samples])
        labeled_rows = [bool(d.metainfo.get('labeled', True)) for d in data_samples]  # on the host: no sync
        labeled = torch.tensor(labeled_rows, device=gt_heatmaps.device)
        losses = self.distill_loss(stacks, teacher_heatmaps, gt_heatmaps, weights, labeled)
        if any(labeled_rows) and self.train_cfg.get('compute_acc', True):
            # mmpose's pose_pck_accuracy of the labelled rows, on the device (unlabelled rows masked out)
            losses['acc_pose'] = heatmap_pck_accuracy(stacks[-1].detach(), gt_heatmaps,
                                                      (weights > 0) & labeled[:, None])
        return losses

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """The student's predictions (with its own flip test and decoding)."""
        return self.student.predict(inputs, data_samples)

    def _forward(self, inputs: Tensor, data_samples: Optional[SampleList] = None) -> Any:
        return self.student._forward(inputs)
