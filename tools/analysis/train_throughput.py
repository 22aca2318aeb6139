"""`python tools/analysis/train_throughput.py CONFIG --help`: real training img/s, data wait, memory, workers needed.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/train_throughput.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.train_throughput import main  # noqa: E402

if __name__ == '__main__':
    main()
