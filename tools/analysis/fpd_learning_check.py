"""`python tools/analysis/fpd_learning_check.py [--seeds 0 1 2] [--fractions 1.0 0.1]`: the FPD learning check
(teacher, student alone, FPD, FPD + unlabeled, noise control; paired by seed; at several label fractions).

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/fpd_learning_check.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.fpd_learning_check import main  # noqa: E402

if __name__ == '__main__':
    main()
