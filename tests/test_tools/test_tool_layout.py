"""One rule for command-line tools: every ``tools/<group>/<name>.py`` is a thin wrapper of the same-named
``mmpose_ext/tools/<name>.py``, which holds the logic and ``main(argv=None)``; console scripts point at those."""
from __future__ import annotations

import configparser
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WRAPPERS = sorted(p for p in (ROOT / 'tools').rglob('*.py'))
NOT_TOOLS = {'__init__', 'common'}  # shared helpers of the package's tools, not tools themselves


def _tool_modules():
    return sorted(p.stem for p in (ROOT / 'mmpose_ext' / 'tools').glob('*.py') if p.stem not in NOT_TOOLS)


@pytest.mark.parametrize('wrapper', WRAPPERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_wrapper_is_thin_and_named_like_its_module(wrapper: Path):
    text = wrapper.read_text()
    imports = re.findall(r'^from mmpose_ext\.tools\.(\w+) import main\b', text, flags=re.M)
    assert imports == [wrapper.stem], f'{wrapper} must import main from mmpose_ext.tools.{wrapper.stem}'
    code = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith(('#', '"""'))]
    assert len(code) <= 10, f'{wrapper} holds logic; move it to mmpose_ext/tools/{wrapper.stem}.py'


@pytest.mark.parametrize('name', _tool_modules())
def test_every_tool_module_has_main_and_one_wrapper(name: str):
    module = importlib.import_module(f'mmpose_ext.tools.{name}')
    assert 'argv' in inspect.signature(module.main).parameters, f'mmpose_ext.tools.{name}.main(argv=None)'
    wrappers = [p for p in WRAPPERS if p.stem == name]
    assert len(wrappers) == 1, f'mmpose_ext/tools/{name}.py needs exactly one wrapper under tools/, got {wrappers}'


def test_console_scripts_point_at_tool_mains():
    parser = configparser.ConfigParser()
    parser.read(ROOT / 'setup.cfg')
    entries = [line.split('=') for line in parser['options.entry_points']['console_scripts'].strip().splitlines()]
    assert {'mmpose-ext-train', 'mmpose-ext-test', 'mmpose-ext-benchmark'} <= {n.strip() for n, _ in entries}
    for name, target in entries:
        module, func = target.strip().split(':')
        assert module.startswith('mmpose_ext.tools.') and func == 'main', name
        assert callable(getattr(importlib.import_module(module), func)), name
