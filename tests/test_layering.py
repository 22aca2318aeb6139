"""Lower floors of the package never import upper ones: codecs/models/datasets/evaluation < engine < analysis <
apis/tools. utils holds the registration-time glue (mmpose work-arounds, the AMP policy that adds engine hooks), so
it may reach the model and engine floors lazily, but never analysis, apis or tools."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'mmpose_ext'
LOWER = ('utils', 'codecs', 'models', 'datasets', 'evaluation', 'visualization', 'engine')
UPPER = {'utils': ('analysis', 'apis', 'tools'),
         'engine': ('analysis', 'apis', 'tools'), 'analysis': ('apis', 'tools')}


def imported_floors(path: Path) -> set:
    """The mmpose_ext sub-packages a module imports (absolute or relative imports)."""
    floors = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved from the module's own package
                package = path.relative_to(PACKAGE).parts[:-1]
                package = package[:len(package) - (node.level - 1)]
                module = '.'.join(('mmpose_ext', *package, *(node.module.split('.') if node.module else [])))
            else:
                module = node.module or ''
            names = [module] if node.module else [f'{module}.{a.name}' for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        floors |= {name.split('.')[1] for name in names if name.startswith('mmpose_ext.') and name.count('.') >= 1}
    return floors


@pytest.mark.parametrize('floor', sorted(set(LOWER) | {'analysis'}))
def test_floor_does_not_import_upper_floors(floor):
    upper = UPPER.get(floor, ('engine', 'analysis', 'apis', 'tools'))
    offenders = [f'{path.relative_to(PACKAGE)} imports mmpose_ext.{name}'
                 for path in sorted((PACKAGE / floor).rglob('*.py')) for name in imported_floors(path)
                 if name in upper]
    assert not offenders, offenders
