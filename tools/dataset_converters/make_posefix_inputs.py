"""`python tools/dataset_converters/make_posefix_inputs.py --help`: PoseFix input files from ground truth.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/make_posefix_inputs.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.make_posefix_inputs import main  # noqa: E402

if __name__ == '__main__':
    main()
