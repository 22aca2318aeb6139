"""Per-joint PCK tables computed the way the official MATLAB evaluations of MPII and LSP compute them."""
from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

Columns = Sequence[Tuple[str, Sequence[int]]]


class PCKTableMetric(BaseMetric):
    """Base of :class:`MpiiPCKhMetric` and :class:`LspPCKMetric`: a per-joint PCK table with explicit conventions.

    The official evaluations (MPII: ``evaluatePCKh.m`` of Andriluka et al.; LSP: ``evaluatePCK.m`` of the
    benchmark kit by Pishchulin et al.) compute, in double precision, the distance of each predicted joint to
    the ground truth divided by a per-person reference length, count a joint as correct when that ratio is
    ``<= thr``, leave out unlabelled joints, average the two sides of a body part per joint and pool all scored
    joints for the total. This class does exactly that, and names its conventions:

    * **Frame.** Ground truth is the annotation file's own values (``raw_ann_info['joints']``, 1-based for MPII
      and LSP); predictions (0-based pixel frame of the pipeline) get ``+ pred_to_file_offset`` (1.0) first.
    * **Threshold rule.** ``'official'``: ``ratio <= thr`` in float64. ``'mmpose'``: ``ratio < thr`` on float32
      ratios, as mmpose's ``PCKAccuracy`` family does; a joint exactly at the threshold counts only in the first.
    * **Layouts.** ``official_columns`` (subclass) with the names Head, Shoulder, ..., ``Mean`` and
      ``Mean@<t>`` for each extra threshold; an optional second layout ``mmpose_columns`` (MPII).
    * **Groups.** Optionally the official layout again per group (``'single'``/``'multi'`` person images),
      keys ``'<group>/<column>'``.

    Persons whose reference length is not positive are left out (logged). :meth:`evaluate_arrays` computes the
    table from arrays (e.g. a reference model's predictions in the file frame).

    Args:
        thr: the PCK threshold (0.5 for PCKh, 0.2 for LSP PCK).
        extra_thrs: further thresholds reported as ``Mean@<t>`` (pooled like ``Mean``).
        threshold_rule: ``'official'`` (``<=``, float64) or ``'mmpose'`` (``<``, float32).
        collect_device: as :class:`mmengine.evaluator.BaseMetric`.
        prefix: metric name prefix; default ``default_prefix`` of the subclass.
    """

    num_keypoints: int = 0
    official_columns: Columns = ()
    mean_joints: Sequence[int] = ()
    mmpose_columns: Optional[Columns] = None
    pred_to_file_offset: float = 1.0
    dataset_hint: str = ''

    def __init__(self, thr: float, extra_thrs: Sequence[float] = (), threshold_rule: str = 'official',
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if threshold_rule not in ('official', 'mmpose'):
            raise ValueError(f'threshold_rule must be "official" or "mmpose", got {threshold_rule!r}')
        self.thr, self.extra_thrs, self.threshold_rule = float(thr), tuple(float(t) for t in extra_thrs), threshold_rule

    # subclass hooks -----------------------------------------------------------------------------------------
    def reference_length(self, raw: dict, gt: np.ndarray) -> float:
        """The per-person normaliser (head size, torso size) from the sample's ``raw_ann_info``."""
        raise NotImplementedError

    def group_of(self, raw: dict) -> Optional[str]:
        """Group name of a person for the split report, or ``None`` for no split."""
        return None

    # mmengine interface ---------------------------------------------------------------------------------------
    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        k = self.num_keypoints
        for sample in data_samples:
            raw = sample.get('raw_ann_info')
            if not isinstance(raw, dict) or 'joints' not in raw:
                raise ValueError(f'{type(self).__name__} scores against the annotation file\'s own coordinates, '
                                 f'which {self.dataset_hint} keeps in raw_ann_info; this sample has none '
                                 f'(img_path {sample.get("img_path")})')
            pred = np.asarray(sample['pred_instances']['keypoints'], dtype=np.float64)
            if pred.shape != (1, k, 2):
                raise ValueError(f'{type(self).__name__}: expected one person with {k} keypoints per sample, '
                                 f'got predictions of shape {pred.shape} ({sample.get("img_path")})')
            gt = np.asarray(raw['joints'], dtype=np.float64)
            self.results.append(dict(pred=pred[0] + self.pred_to_file_offset, gt=gt,
                                     visible=np.asarray(raw['joints_vis']) > 0,
                                     norm=float(self.reference_length(raw, gt)), group=self.group_of(raw)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        stack = {key: np.stack([r[key] for r in results]) for key in ('pred', 'gt', 'visible')}
        norm = np.array([r['norm'] for r in results])
        groups = [r['group'] for r in results]
        metrics = self.evaluate_arrays(stack['pred'], stack['gt'], stack['visible'], norm,
                                       groups if any(g is not None for g in groups) else None)
        MMLogger.get_current_instance().info('\n' + self.format_table(metrics))
        return metrics

    # computation -------------------------------------------------------------------------------------------
    def evaluate_arrays(self, pred: np.ndarray, gt: np.ndarray, visible: np.ndarray, norm: np.ndarray,
                        groups: Optional[Sequence[Optional[str]]] = None) -> Dict[str, float]:
        """The metric dict from arrays in the annotation file's frame.

        Args:
            pred: [N, K, 2] predictions (non-finite values count as wrong).
            gt: [N, K, 2] ground truth.
            visible: [N, K] labelled joints (the others are not scored).
            norm: [N] reference lengths (head size, torso size).
            groups: optional group name per person for the split report.
        """
        pred, gt, norm = (np.asarray(a, dtype=np.float64) for a in (pred, gt, norm))
        visible = np.asarray(visible, dtype=bool).copy()
        bad = ~(np.isfinite(norm) & (norm > 0))
        if bad.any():
            warnings.warn(f'{type(self).__name__}: {int(bad.sum())} persons have no positive reference length '
                          f'and are not scored')
            visible[bad] = False
            norm = np.where(bad, 1.0, norm)
        ratio = np.linalg.norm(pred - gt, axis=-1) / norm[:, None]
        ratio[~np.isfinite(ratio)] = np.inf
        metrics = self._layout(ratio, visible, self.official_columns, 'Mean', 'Mean@{:g}')
        if self.mmpose_columns is not None:
            metrics.update(self._layout(ratio, visible, self.mmpose_columns, 'PCK', 'PCK@{:g}'))
        if groups is not None:
            names = np.array([g if g is not None else '' for g in groups])
            for group in sorted(set(names) - {''}):
                sel = names == group
                part = self._layout(ratio[sel], visible[sel], self.official_columns, 'Mean', 'Mean@{:g}')
                metrics.update({f'{group}/{k}': v for k, v in part.items()})
                metrics[f'{group}/persons'] = float(sel.sum())
        return metrics

    def _correct(self, ratio: np.ndarray, thr: float) -> np.ndarray:
        if self.threshold_rule == 'official':
            return ratio <= thr
        return ratio.astype(np.float32) < np.float32(thr)

    def _layout(self, ratio: np.ndarray, visible: np.ndarray, columns: Columns, mean_name: str,
                extra_fmt: str) -> Dict[str, float]:
        correct = self._correct(ratio, self.thr) & visible
        counts = visible.sum(axis=0)
        with np.errstate(invalid='ignore', divide='ignore'):
            per_joint = 100.0 * correct.sum(axis=0) / counts
        out = {name: float(np.mean(per_joint[list(idx)])) for name, idx in columns}
        joints = list(self.mean_joints)
        for name, thr, corr in [(mean_name, self.thr, correct)] + [
                (extra_fmt.format(t), t, self._correct(ratio, t) & visible) for t in self.extra_thrs]:
            total = counts[joints].sum()
            out[name] = float(100.0 * corr[:, joints].sum() / total) if total else float('nan')
        return out

    def format_table(self, metrics: Dict[str, float]) -> str:
        """The report as a text table: one row per layout / group, the official columns."""
        names = [n for n, _ in self.official_columns] + ['Mean'] + [f'Mean@{t:g}' for t in self.extra_thrs]
        rows: List[Tuple[str, List[float]]] = [('official', [metrics[n] for n in names])]
        if self.mmpose_columns is not None:
            mm = [n for n, _ in self.mmpose_columns] + ['PCK'] + [f'PCK@{t:g}' for t in self.extra_thrs]
            rows.append(('mmpose layout', [metrics[n] for n in mm]))
        for group in sorted({k.split('/')[0] for k in metrics if '/' in k}):
            rows.append((f'{group} ({int(metrics[group + "/persons"])})', [metrics[f'{group}/{n}'] for n in names]))
        width = max(len(r[0]) for r in rows) + 2
        head = f'{self.table_title()}\n' + ' ' * width + ''.join(f'{n:>10}' for n in names)
        return head + ''.join('\n' + f'{label:<{width}}' + ''.join(f'{v:>10.2f}' for v in values)
                              for label, values in rows)

    def table_title(self) -> str:
        return f'{type(self).__name__} (thr {self.thr:g}, {self.threshold_rule} rule)'
