"""PoseFix as the last stage of any mmpose top-down model, in one test run and without an intermediate file."""
from __future__ import annotations

import copy
import os.path as osp
from typing import Any, Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.runner import TestLoop, load_checkpoint
from mmengine.runner.amp import autocast
from mmpose.evaluation.metrics import CocoMetric
from mmpose.registry import DATASETS, LOOPS, MODELS

from mmpose_ext.datasets import PoseFixResultsDataset
from mmpose_ext.evaluation.metrics.posefix_results_metric import format_ap_table


@LOOPS.register_module()
class PoseFixCascadeTestLoop(TestLoop):
    """Test loop that runs a pose estimator and refines its output with PoseFix (Moon, Chang, Lee, "PoseFix:
    Model-agnostic General Human Pose Refinement Network", CVPR 2019), the way the paper applies it to the
    results of other methods, but in one ``tools/test.py`` run.

    Stage 1 builds the estimator from its own config (model, ``test_dataloader``, ``test_evaluator``), loads
    its checkpoint, runs it on the runner's device and evaluates it. Its evaluator must contain a
    :class:`mmpose.evaluation.CocoMetric` (or a subclass): the results that metric writes (after its rescoring
    and OKS-NMS, i.e. exactly the estimator's results file) are kept in memory. Stage 2 builds the PoseFix
    test dataloader (the runner's ``test_dataloader``, whose dataset must be a
    :class:`~mmpose_ext.datasets.PoseFixResultsDataset`) on those results and runs the ordinary test loop of
    the PoseFix model and evaluator. Both stages' metrics are returned (the estimator's under ``estimator/``)
    and logged side by side. Keypoint layouts come from the datasets' metainfo, so CrowdPose works as COCO does.

    Use it as ``test_cfg = dict(type=PoseFixCascadeTestLoop, estimator_config=..., estimator_checkpoint=...)``
    in a PoseFix config and run ``tools/test.py CONFIG POSEFIX_CHECKPOINT``.

    Args:
        runner: the runner (given by mmengine).
        dataloader: the PoseFix test dataloader as a config dict; built after stage 1.
        evaluator: the PoseFix evaluator (given by mmengine).
        estimator_config: config file of the estimator; a relative path is looked up from the working
            directory, then next to the PoseFix config.
        estimator_checkpoint: its checkpoint (path or URL).
        estimator_cfg_options: overrides merged into the estimator config, as ``--cfg-options`` would
            (e.g. ``{'test_dataloader.dataset.bbox_file': None}`` for ground-truth boxes).
        fp16: run both stages under autocast.
    """

    def __init__(self, runner, dataloader: Union[Dict, Any], evaluator: Union[Evaluator, Dict, List],
                 estimator_config: str, estimator_checkpoint: str, estimator_cfg_options: Optional[dict] = None,
                 fp16: bool = False) -> None:
        if not isinstance(dataloader, dict):
            raise TypeError('PoseFixCascadeTestLoop needs test_dataloader as a config dict: its dataset is built '
                            'from the estimator\'s results after the first stage')
        # TestLoop.__init__ would build the dataloader now; its dataset needs stage 1's results, so the
        # attributes TestLoop sets are set here and the dataloader is built in run()
        self._runner = runner
        self.dataloader_cfg = copy.deepcopy(dataloader)
        self.dataloader = None
        self.evaluator = runner.build_evaluator(evaluator) if isinstance(evaluator, (dict, list)) else evaluator
        self.fp16 = fp16
        self.test_loss: Dict[str, Any] = dict()
        self.estimator_config = self._find_config(estimator_config)
        self.estimator_checkpoint = estimator_checkpoint
        self.estimator_cfg_options = dict(estimator_cfg_options or {})
        self.estimator_metrics: Dict[str, float] = {}
        self._check_dataset_type(self.dataloader_cfg.get('dataset', {}))

    def _find_config(self, path: str) -> str:
        tried = [path]
        if not osp.isabs(path):
            own = getattr(self.runner.cfg, 'filename', None)
            if own:
                tried.append(osp.join(osp.dirname(own), path))
        for candidate in tried:
            if osp.isfile(candidate):
                return candidate
        raise FileNotFoundError(f'PoseFixCascadeTestLoop: estimator_config not found; tried {", ".join(tried)}')

    @staticmethod
    def _check_dataset_type(dataset_cfg: dict) -> None:
        dataset_type = dataset_cfg.get('type')
        if isinstance(dataset_type, str):
            dataset_type = DATASETS.get(dataset_type)
        if not (isinstance(dataset_type, type) and issubclass(dataset_type, PoseFixResultsDataset)):
            raise TypeError(f'PoseFixCascadeTestLoop refines through a PoseFixResultsDataset, but test_dataloader.'
                            f'dataset is {dataset_cfg.get("type")!r}')

    def run(self) -> dict:
        results = self.run_estimator()
        dataset_cfg = dict(self.dataloader_cfg['dataset'])  # shallow: the results list must not become ConfigDicts
        if dataset_cfg.get('results_file') is not None:
            print_log(f'PoseFix cascade: refining the estimator\'s {len(results)} results; the config\'s '
                      f'results_file {dataset_cfg["results_file"]} is not used', 'current')
        dataset_cfg.update(results_file=None, results=results)
        dataset = DATASETS.build(dataset_cfg)
        self.dataloader = self.runner.build_dataloader({**self.dataloader_cfg, 'dataset': dataset},
                                                       seed=self.runner.seed)
        metainfo = self.dataloader.dataset.metainfo
        self.evaluator.dataset_meta = metainfo
        self.runner.visualizer.dataset_meta = metainfo
        metrics = super().run()
        if self.estimator_metrics and metrics:
            print_log('PoseFix cascade, estimator vs refined:\n'
                      + format_ap_table({'estimator': self.estimator_metrics, 'posefix': metrics}), 'current')
        return {**{f'estimator/{k}': v for k, v in self.estimator_metrics.items()}, **metrics}

    def run_estimator(self) -> List[dict]:
        """Stage 1: the estimator's COCO-format keypoint results on its own test set (on every rank)."""
        cfg = Config.fromfile(self.estimator_config)
        if self.estimator_cfg_options:
            cfg.merge_from_dict(self.estimator_cfg_options)
        model = MODELS.build(cfg.model)
        load_checkpoint(model, self.estimator_checkpoint, map_location='cpu', logger='current')
        device = next(self.runner.model.parameters()).device
        model.to(device).eval()
        dataloader = self.runner.build_dataloader(cfg.test_dataloader, seed=self.runner.seed)
        evaluator = self.runner.build_evaluator(cfg.test_evaluator)
        evaluator.dataset_meta = dataloader.dataset.metainfo
        captured = self._capture_results(evaluator)
        num_batches = len(dataloader)
        every = max(1, num_batches // 10)
        print_log(f'PoseFix cascade, stage 1: {type(model).__name__} from {self.estimator_config} on '
                  f'{len(dataloader.dataset)} samples', 'current')
        with torch.no_grad():
            for idx, data_batch in enumerate(dataloader):
                with autocast(enabled=self.fp16):
                    outputs = model.test_step(data_batch)
                evaluator.process(data_samples=outputs, data_batch=data_batch)
                if (idx + 1) % every == 0 or idx + 1 == num_batches:
                    print_log(f'PoseFix cascade, stage 1: [{idx + 1}/{num_batches}]', 'current')
        metrics = evaluator.evaluate(len(dataloader.dataset))
        self.estimator_metrics = metrics
        del model  # its memory goes back to torch's allocator for stage 2
        shared = [captured if is_main_process() else None]
        broadcast_object_list(shared)  # the metric computes on rank 0 only
        print_log(f'PoseFix cascade, stage 1: {len(shared[0])} results to refine', 'current')
        return shared[0]

    @staticmethod
    def _capture_results(evaluator: Evaluator) -> List[dict]:
        """Keeps the entries that the evaluator's CocoMetric writes to its results file, in memory."""
        metric = next((m for m in evaluator.metrics if isinstance(m, CocoMetric)), None)
        if metric is None:
            names = [type(m).__name__ for m in evaluator.metrics]
            raise TypeError(f'PoseFixCascadeTestLoop takes the estimator\'s results from a CocoMetric in its '
                            f'test_evaluator, which has {names}')
        captured: List[dict] = []
        write_file = metric.results2json

        def results2json(keypoints: Dict[int, list], outfile_prefix: str) -> Optional[str]:
            for instances in keypoints.values():
                captured.extend(dict(image_id=_plain(inst['img_id']), category_id=_plain(inst['category_id']),
                                     keypoints=np.asarray(inst['keypoints']).reshape(-1).tolist(),
                                     score=float(inst['score'])) for inst in instances)
            return write_file(keypoints, outfile_prefix)

        metric.results2json = results2json
        return captured


def _plain(value: Any) -> Any:
    """A numpy scalar (or one-element array) as the Python number JSON would hold."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.reshape(-1)[0].item() if isinstance(value, np.ndarray) else value.item()
    return value
