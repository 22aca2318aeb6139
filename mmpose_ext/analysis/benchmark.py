"""Parameters, GFLOPs and measured throughput of any pose config, on the device mmengine picks.

Performance claims in this project are ratios of these numbers for two configs measured in one run
(``tools/analysis/benchmark.py BASELINE CANDIDATE``), never timings from unit tests.
"""
from __future__ import annotations

import copy
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.optim import build_optim_wrapper
from mmengine.runner.amp import autocast

from mmpose_ext.engine.optim_wrappers import CPUAutocastOptimWrapper
from mmpose_ext.utils import synchronize

from ..utils.complexity import count_gflops


@dataclass
class BenchmarkResult:
    """Measured figures of one config.

    Args:
        config: config path.
        device: where it ran (``cpu``, ``cuda``, ``npu``...).
        batch_size: images (crops) per step.
        input_size: model input as (width, height).
        params_m: trainable + frozen parameters, millions.
        gflops: forward GFLOPs per image (one multiply-add counted once, mmengine's convention).
        train_img_per_s: training-step throughput (forward, backward, optimizer step).
        infer_img_per_s: inference throughput of ``test_step`` (pre-processing, flip test, decoding).
    """
    config: str
    device: str
    batch_size: int
    input_size: Sequence[int]
    params_m: float
    gflops: Optional[float] = None
    train_img_per_s: Optional[float] = None
    infer_img_per_s: Optional[float] = None
    extra: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def predicting_model_cfg(cfg: Config) -> dict:
    """The config of the network that predicts: a distiller's student (``FPDDistiller``), otherwise the model."""
    model = cfg.model
    if 'head' not in model and ('student' in model or 'student_cfg' in model):
        from mmpose_ext.models import FPDDistiller
        return FPDDistiller.student_model_cfg(model)
    return model


def model_input_size(cfg: Config) -> tuple:
    """The model's input (width, height), read from the head's codec or the data preprocessor."""
    decoder = predicting_model_cfg(cfg).get('head', {}).get('decoder', None)
    if decoder is not None and 'input_size' in decoder:
        return tuple(decoder['input_size'])
    raise KeyError(f'cannot tell the input size of {cfg.filename}: no model.head.decoder.input_size; '
                   'pass --input-size W H')


def fake_batch(cfg: Config, batch_size: int, input_size: Sequence[int]) -> Dict[str, Any]:
    """A batch in the format the config's data preprocessor takes, with random images and targets."""
    from mmpose.registry import MODELS
    from mmpose.testing import get_packed_inputs

    from mmpose_ext.models import PoseFix

    from .bottomup_batch import fake_bottomup_batch, is_bottomup_head
    if is_bottomup_head(predicting_model_cfg(cfg).get('head', {})):  # multi-level targets, masks, tag indices
        return fake_bottomup_batch(predicting_model_cfg(cfg)['head'], batch_size, input_size)
    model_type = cfg.model.get('type')
    model_class = MODELS.get(model_type) if isinstance(model_type, str) else model_type
    # PoseFix regresses coordinates (RegressionLabel targets) and reads an input pose from the metainfo
    posefix = isinstance(model_class, type) and issubclass(model_class, PoseFix)
    head = predicting_model_cfg(cfg).get('head', {})
    decoder = head.get('decoder', {}) or {}
    w, h = input_size
    # the codec's input-to-heatmap ratio (1/4 for HRNet), applied to the requested input size
    codec_w, codec_h = decoder.get('input_size', (w, h))
    ratio_w, ratio_h = (decoder['heatmap_size'][0] / codec_w, decoder['heatmap_size'][1] / codec_h) \
        if 'heatmap_size' in decoder else (0.25, 0.25)
    heatmap_size = (round(w * ratio_w), round(h * ratio_h))
    packed = get_packed_inputs(
        batch_size=batch_size, num_keypoints=head.get('out_channels', 17), img_shape=(h, w), input_size=(w, h),
        heatmap_size=heatmap_size, with_heatmap=True, with_reg_label=posefix, with_simcc_label=False)
    if posefix:  # the ground truth (in input pixels, as img_shape == input_size) serves as the input pose
        for sample in packed['data_samples']:
            sample.set_metainfo(dict(input_keypoints=sample.gt_instances.keypoints[:1].astype('float32'),
                                     input_keypoints_visible=sample.gt_instances.keypoints_visible[:1]))
    num_instances = head.get('num_instances', 1)
    if num_instances > 1:  # multi-instance heads (MIPNet) take N stacked targets per crop
        for sample in packed['data_samples']:
            sample.gt_fields.heatmaps = sample.gt_fields.heatmaps.repeat(num_instances, 1, 1)
            sample.gt_instance_labels.keypoint_weights = sample.gt_instance_labels.keypoint_weights.repeat(
                1, num_instances)
    return packed


def time_steps(step: Callable[[], Any], device: str, warmup: int, iters: int) -> float:
    """Seconds per call of ``step`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        step()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(iters):
        step()
    synchronize(device)
    return (time.perf_counter() - start) / iters


def build_model(cfg: Config) -> torch.nn.Module:
    """Builds the config's model without loading pretrained weights (throughput does not depend on them)."""
    from mmpose.registry import MODELS
    return MODELS.build(copy.deepcopy(cfg.model))


def compile_options(cfg: Config) -> Optional[dict]:
    """The config's ``compile`` setting as ``torch.compile`` keyword arguments (None: do not compile), read as
    mmengine's Runner reads it (``compile=True`` or a dict)."""
    option = cfg.get('compile', None)
    if option is None or option is False:
        return None
    return {} if option is True else dict(option)


@contextmanager
def cudnn_benchmark(enabled: bool) -> Iterator[None]:
    """``torch.backends.cudnn.benchmark`` set for the block, as mmengine sets it from ``env_cfg.cudnn_benchmark``."""
    before = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = enabled
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before


def profile_table(step: Callable[[], Any], device: str, steps: int, rows: int = 15) -> str:
    """The operators that take the most self time over ``steps`` calls of ``step`` (device time on an
    accelerator), as torch.profiler's table."""
    from torch.profiler import profile
    with profile(activities=torch.profiler.supported_activities()) as prof:
        for _ in range(steps):
            step()
        synchronize(device)
    sort_by = 'self_cpu_time_total' if device == 'cpu' else 'self_device_time_total'
    return prof.key_averages().table(sort_by=sort_by, row_limit=rows)


def _type_name(type_: Any) -> str:
    return type_ if isinstance(type_, str) else getattr(type_, '__name__', str(type_))


def benchmark_config(cfg: Config, batch_size: int = 8, warmup: int = 3, iters: int = 10,
                     modes: Sequence[str] = ('train', 'infer'), input_size: Optional[Sequence[int]] = None,
                     amp: bool = False, channels_last: bool = False,
                     batch_fn: Optional[Callable[[Config, int, Sequence[int]], Dict[str, Any]]] = None,
                     flops: bool = True, amp_dtype: Optional[str] = None, profile: int = 0) -> BenchmarkResult:
    """Measures one config.

    The config's own speed settings apply as in training: ``env_cfg.cudnn_benchmark`` (cuDNN autotuning),
    ``compile`` (``torch.compile`` of ``model.train_step``, exactly what mmengine's Runner compiles; inference
    is not compiled by the Runner, so not here either), an ``AmpOptimWrapper`` (with its ``dtype``) and a
    ``ChannelsLastHook`` in ``custom_hooks``. The arguments below switch levers on for configs that lack them.

    Args:
        cfg: the loaded config.
        batch_size: crops per step.
        warmup: untimed steps before timing (allocator, cudnn autotune, lazy init, compilation).
        iters: timed steps.
        modes: any of ``'train'`` and ``'infer'``.
        input_size: (width, height); default from the codec.
        amp: autocast and, for training, mmengine's ``AmpOptimWrapper`` (``CPUAutocastOptimWrapper`` on a CPU).
        channels_last: NHWC memory format for model and inputs.
        batch_fn: builds a batch for models whose inputs differ from mmpose's top-down samples.
        flops: count GFLOPs with mmengine's complexity counter.
        amp_dtype: ``'float16'`` or ``'bfloat16'`` with ``amp``; default: mmengine's (float16 on accelerators,
            bfloat16 on the CPU, the only types each autocasts to by default).
        profile: after timing, run this many training steps under ``torch.profiler`` and keep the table of the
            most expensive operators in ``extra['profile']`` (self time on the device, or on the CPU).
    """
    device = get_device()
    input_size = tuple(input_size or model_input_size(cfg))
    if _type_name(cfg.optim_wrapper.get('type', 'OptimWrapper')) == 'AmpOptimWrapper':  # the config trains with AMP
        amp, amp_dtype = True, amp_dtype or cfg.optim_wrapper.get('dtype', None)
    channels_last = channels_last or any(_type_name(h.get('type')) == 'ChannelsLastHook'
                                         for h in cfg.get('custom_hooks', []))
    if amp and amp_dtype is None:
        amp_dtype = 'bfloat16' if device == 'cpu' else 'float16'
    cast_dtype = getattr(torch, amp_dtype) if amp else None
    model = build_model(cfg).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    batch = (batch_fn or fake_batch)(cfg, batch_size, input_size)
    result = BenchmarkResult(config=cfg.filename, device=device, batch_size=batch_size, input_size=input_size,
                             params_m=sum(p.numel() for p in model.parameters()) / 1e6)
    result.extra.update(precision=amp_dtype if amp else 'float32', channels_last=channels_last,
                        cudnn_benchmark=bool(cfg.get('env_cfg', {}).get('cudnn_benchmark', False)),
                        compile=compile_options(cfg))
    if flops:
        result.gflops = count_gflops(model, input_size, device)
    with cudnn_benchmark(result.extra['cudnn_benchmark']):
        if 'train' in modes:
            model.train()
            optim_cfg = copy.deepcopy(cfg.optim_wrapper)
            if amp:
                optim_cfg.update(type=CPUAutocastOptimWrapper if device == 'cpu' else 'AmpOptimWrapper',
                                 dtype=amp_dtype)
            optim_wrapper = build_optim_wrapper(model, optim_cfg)
            train_step = model.train_step
            if result.extra['compile'] is not None:
                train_step = torch.compile(train_step, **result.extra['compile'])
            seconds = time_steps(lambda: train_step(batch, optim_wrapper), device, warmup, iters)
            result.train_img_per_s = batch_size / seconds
            if profile > 0:
                result.extra['profile'] = profile_table(lambda: train_step(batch, optim_wrapper), device, profile)
        if 'infer' in modes:
            model.eval()

            def infer() -> Any:
                # mmengine's autocast allows only bfloat16 on a CPU; torch's own takes float16 there too
                cast = torch.autocast('cpu', dtype=cast_dtype, enabled=amp) if device == 'cpu' else \
                    autocast(enabled=amp, dtype=cast_dtype)
                with torch.no_grad(), cast:
                    return model.test_step(batch)

            seconds = time_steps(infer, device, warmup, iters)
            result.infer_img_per_s = batch_size / seconds
    return result


def setup_label(extra: Dict[str, Any]) -> str:
    """Short description of the speed settings a result was measured with, e.g. ``bf16+nhwc+compile``."""
    short = {'float32': 'fp32', 'float16': 'fp16', 'bfloat16': 'bf16'}
    parts = [short.get(extra.get('precision', 'float32'), str(extra.get('precision')))]
    parts += [name for key, name in (('channels_last', 'nhwc'), ('compile', 'compile'),
                                      ('cudnn_benchmark', 'cudnn-bench')) if extra.get(key) not in (None, False)]
    return '+'.join(parts)


def format_table(results: List[BenchmarkResult]) -> str:
    """A plain-text table; the last columns give each config's throughput relative to the first (baseline)."""
    header = ['config', 'device', 'setup', 'batch', 'input WxH', 'params (M)', 'GFLOPs', 'train img/s',
              'infer img/s', 'train time x', 'infer time x']
    rows = []
    base = results[0]
    for r in results:
        def ratio(ours: Optional[float], ref: Optional[float]) -> str:
            return f'{ref / ours:.2f}' if ours and ref else '-'
        rows.append([
            r.config.split('/')[-1], r.device, setup_label(r.extra), str(r.batch_size),
            'x'.join(map(str, r.input_size)),
            f'{r.params_m:.3f}', f'{r.gflops:.3f}' if r.gflops is not None else '-',
            f'{r.train_img_per_s:.1f}' if r.train_img_per_s else '-',
            f'{r.infer_img_per_s:.1f}' if r.infer_img_per_s else '-',
            ratio(r.train_img_per_s, base.train_img_per_s), ratio(r.infer_img_per_s, base.infer_img_per_s)
        ])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: ' | '.join(str(c).ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return '\n'.join([line(header), '-+-'.join('-' * w for w in widths), *map(line, rows)])
