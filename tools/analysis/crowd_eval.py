"""`python tools/analysis/crowd_eval.py --help`: crowd AP and shared-box recall of top-down models.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/crowd_eval.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.crowd_eval import main  # noqa: E402

if __name__ == '__main__':
    main()
