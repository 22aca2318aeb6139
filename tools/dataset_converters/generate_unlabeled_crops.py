"""`python tools/dataset_converters/generate_unlabeled_crops.py --help`: unlabeled person crops for FPD.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/generate_unlabeled_crops.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.generate_unlabeled_crops import main  # noqa: E402

if __name__ == '__main__':
    main()
