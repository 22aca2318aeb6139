"""The plugin never names a device or a backend itself: mmengine chooses CPU, CUDA (nccl) or NPU (hccl)."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import List

import pytest

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
