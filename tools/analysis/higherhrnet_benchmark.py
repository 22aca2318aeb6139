"""`python tools/analysis/higherhrnet_benchmark.py --help`: HigherHRNet params, GFLOPs, AE-loss share, img/s.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/higherhrnet_benchmark.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.higherhrnet_benchmark import main  # noqa: E402

if __name__ == '__main__':
    main()
