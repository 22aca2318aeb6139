"""`python tools/analysis/eval_results.py ANN RESULTS`: score a keypoint results file with the official rules of its
dataset (COCO, OCHuman, CrowdPose, MPII).

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/eval_results.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.eval_results import main  # noqa: E402

if __name__ == '__main__':
    main()
