"""`python tools/analysis/benchmark.py --help`: params, GFLOPs and throughput of configs, as ratios.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/benchmark.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.benchmark import main  # noqa: E402

if __name__ == '__main__':
    main()
