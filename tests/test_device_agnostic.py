"""The plugin never names a device or a backend itself: mmengine chooses CPU, CUDA (nccl) or NPU (hccl); and no op
of a shipped config mixes tensors of different devices (the ``meta`` device stands in for an accelerator)."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import List

import pytest
import torch
from mmengine.config import Config
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from mmpose_ext.analysis.benchmark import build_model, fake_batch, model_input_size
from mmpose_ext.utils.complexity import _TensorMode

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_STRINGS = {'cuda', 'nccl'}


def device_specific_code(source: str, filename: str = '<string>') -> List[str]:
    """Lines of ``source`` that hard-code a device: ``.cuda()``, ``torch.cuda.*``, ``'cuda'``/``'cuda:N'``,
    ``'nccl'``, or a module-level ``import torch_npu``."""
    tree = ast.parse(source, filename)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == 'cuda':
            problems.append(f'{filename}:{node.lineno}: .cuda() call')
        elif (isinstance(node, ast.Attribute) and node.attr == 'cuda' and isinstance(node.value, ast.Name)
              and node.value.id == 'torch'):
            problems.append(f'{filename}:{node.lineno}: torch.cuda')
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                node.value in FORBIDDEN_STRINGS or node.value.startswith('cuda:')):
            problems.append(f'{filename}:{node.lineno}: {node.value!r} literal')
    for node in tree.body:  # module level only: a lazy import inside a function is how NPU code should do it
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module or ''] if isinstance(node, ast.ImportFrom) else [])
        if any(n.split('.')[0] == 'torch_npu' for n in names):
            problems.append(f'{filename}:{node.lineno}: module-level import of torch_npu')
    return problems


@pytest.mark.parametrize('snippet', [
    'x = y.cuda()', 'torch.cuda.synchronize()', "t = torch.zeros(1, device='cuda')", "d = 'cuda:0'",
    "init(backend='nccl')", 'import torch_npu', 'from torch_npu import npu'
])
def test_scanner_catches(snippet: str):
    assert device_specific_code(snippet), snippet


def test_scanner_allows_device_neutral_code():
    ok = ("def f(x):\n    import torch_npu\n    return x.to(x.device)\n"
          "s = 'mmengine picks nccl or hccl'\n")
    assert device_specific_code(ok) == []


def test_package_and_tools_are_device_neutral():
    files = [*sorted((ROOT / 'mmpose_ext').rglob('*.py')), *sorted((ROOT / 'tools').rglob('*.py'))]
    assert len(files) > 5
    problems = [p for f in files for p in device_specific_code(f.read_text(), str(f.relative_to(ROOT)))]
    assert not problems, '\n'.join(problems)


# ---------------------------------------------------------------- mixed devices at run time
# The scan above cannot see a tensor made on the CPU by torch itself (a traced size, a default-device factory) and
# then combined with the model's tensors: on a CUDA machine that op fails ("Expected all tensors to be on the same
# device"), on a CPU-only machine nothing mixes. The ``meta`` device stands in for the accelerator here.
aten = torch.ops.aten
CONFIGS = sorted(p for p in (ROOT / 'configs').rglob('*.py') if '_base_' not in p.relative_to(ROOT).parts)


def _component_types(node, found: set) -> set:
    """Names of every ``type`` in a model config, initialisers left out."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'type':
                found.add(value if isinstance(value, str) else getattr(value, '__name__', str(value)))
            elif key != 'init_cfg':
                _component_types(value, found)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _component_types(value, found)
    return found


def one_config_per_architecture() -> List[Path]:
    """One config for each set of model components (estimator, backbone, head, loss, codec, ...): the code paths
    are those of the components, the widths do not matter here. The small synthetic-crowd configs are preferred
    (a W48 model takes seconds to trace)."""
    chosen = {}
    for config in sorted(CONFIGS, key=lambda p: ('synthcrowd' not in p.name, p.name)):
        key = frozenset(_component_types(Config.fromfile(str(config)).model, set()))
        chosen.setdefault(key, config)
    return sorted(chosen.values())


class DeviceMixingCheck(TorchDispatchMode):
    """Records every op whose tensor arguments sit on different devices, as an accelerator would refuse them.

    A 0-dim CPU tensor counts as a scalar (CUDA accepts those). Copies between devices are what ``.to()``,
    ``.cpu()`` and ``.item()`` do on purpose; copies out of a ``meta`` tensor return zeros so that the host-side
    code after them (decoding, accuracy) runs as well.
    """

    def __init__(self) -> None:
        super().__init__()
        self.problems: List[str] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is aten._local_scalar_dense.default and args[0].device.type == 'meta':
            return False if args[0].dtype == torch.bool else 0
        if func is aten._to_copy.default and args[0].device.type == 'meta' and \
                torch.device(kwargs.get('device') or 'meta').type != 'meta':
            return torch.zeros(args[0].shape, dtype=kwargs.get('dtype') or args[0].dtype, device=kwargs['device'])
        if func is aten.copy_.default:
            dst, src = args[:2]
            if src.device.type == 'meta' and dst.device.type != 'meta':
                return dst.zero_()
            return func(*args, **kwargs)
        devices = {t.device for t in tree_leaves((args, kwargs))
                   if isinstance(t, torch.Tensor) and not (t.device.type == 'cpu' and t.dim() == 0)}
        if len(devices) > 1:
            shapes = [(tuple(t.shape), str(t.device)) for t in tree_leaves((args, kwargs))
                      if isinstance(t, torch.Tensor)]
            self.problems.append(f'{func}: {shapes}')
        return func(*args, **kwargs)


# Under the jit tracer (the GFLOPs count) a size read in Python (``x.shape[0]``) is a 0-dim CPU tensor
# (``prim::NumToTensor``) even when the model runs on an accelerator. Turned back into a number, or used as a scalar
# next to a device tensor, it is harmless; passed where an op takes a tensor (``repeat_interleave(repeats)``) it
# becomes CPU tensors that meet the model's device tensors. A dispatch mode cannot watch the tracer (the traced
# graph comes out empty) and the meta device cannot be traced (its Python kernels fail on traced sizes), so the
# traced graph itself is checked.
SIZE_TO_NUMBER = {'aten::Int', 'aten::Float', 'aten::ScalarImplicit', 'aten::IntImplicit', 'aten::FloatImplicit'}
SIZE_ARITHMETIC = {'aten::mul', 'aten::add', 'aten::sub', 'aten::div', 'aten::floor_divide', 'aten::floordiv',
                   'aten::remainder', 'aten::rsub', 'aten::neg', 'aten::floor', 'aten::ceil'}


def traced_sizes_used_as_tensors(graph: torch._C.Graph) -> List[str]:
    """Ops of a traced graph that take a traced size (or arithmetic of sizes only) as a tensor operand, other than
    conversions back to a number and arithmetic (where a 0-dim CPU tensor is a scalar)."""
    sizes = [n.output() for n in graph.findAllNodes('prim::NumToTensor')]
    tainted = {v.unique() for v in sizes}
    problems = []
    while sizes:
        for use in sizes.pop().uses():
            node, kind = use.user, use.user.kind()
            if kind in SIZE_TO_NUMBER:
                continue
            if kind in SIZE_ARITHMETIC:
                tensor_inputs = [v for v in node.inputs() if v.type().kind() == 'TensorType']
                if all(v.unique() in tainted for v in tensor_inputs) and node.output().unique() not in tainted:
                    tainted.add(node.output().unique())
                    sizes.append(node.output())
                continue
            problems.append(f'{kind} takes a traced size as a tensor: {str(node).strip()[:200]}')
    return problems


def test_device_mixing_check_catches_a_cpu_index():
    x = torch.zeros(4, 3, device='meta')
    with DeviceMixingCheck() as check:
        x.index_select(0, torch.tensor([0, 1]))  # a CPU index on a "device" tensor
        x + torch.tensor(1.0)  # a CPU scalar: allowed
        x.cpu().numpy()  # a copy to the host: allowed
    assert len(check.problems) == 1 and 'index_select' in check.problems[0], check.problems


def test_traced_size_check_catches_repeat_interleave_of_a_size():
    def lambda_codes(x):
        return torch.eye(2, device=x.device).repeat_interleave(x.shape[0], dim=0)  # the MIPNet bug

    def fixed(x):
        return torch.eye(2, device=x.device)[:, None].expand(-1, x.shape[0], -1).reshape(-1, 2) / x.shape[0]

    x = torch.zeros(3, 2)
    problems = traced_sizes_used_as_tensors(torch.jit.trace(lambda_codes, (x, ), check_trace=False).graph)
    assert len(problems) == 1 and 'repeat_interleave' in problems[0], problems
    assert traced_sizes_used_as_tensors(torch.jit.trace(fixed, (x, ), check_trace=False).graph) == []


@pytest.mark.parametrize('config', one_config_per_architecture(), ids=lambda p: str(p.relative_to(ROOT / 'configs')))
def test_config_mixes_no_devices(config: Path):
    """The traced graph of the GFLOPs count; forward, loss and predict with the model on the ``meta`` device."""
    cfg = Config.fromfile(str(config))
    model = build_model(cfg).eval()
    # traced on the CPU at a small input (HRNet's lowest branch is 1/32 of it), as count_gflops traces
    with torch.no_grad():
        graph = torch.jit.trace(_TensorMode(model), (torch.zeros(1, 3, 64, 64), ), check_trace=False).inlined_graph
    problems = traced_sizes_used_as_tensors(graph)
    assert not problems, f'{config.name}: the GFLOPs trace mixes devices:\n' + '\n'.join(problems[:5])

    model = model.to('meta')
    batch = fake_batch(cfg, batch_size=2, input_size=model_input_size(cfg))
    with DeviceMixingCheck() as check:
        model.train()
        losses = model(**model.data_preprocessor(batch, training=True), mode='loss')
        model.eval()
        with torch.no_grad():
            samples = model(**model.data_preprocessor(batch, training=False), mode='predict')
    assert not check.problems, f'{config.name}: ops mixing devices:\n' + '\n'.join(check.problems[:5])
    assert any(k.startswith('loss') for k in losses) and len(samples) == 2
