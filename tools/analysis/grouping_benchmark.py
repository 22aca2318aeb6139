"""`python tools/analysis/grouping_benchmark.py --help`: AE grouping speed, Munkres vs fast codec (logic in mmpose_ext/tools/grouping_benchmark.py)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout's mmpose_ext first
from mmpose_ext.tools.grouping_benchmark import main  # noqa: E402

if __name__ == '__main__':
    main()
