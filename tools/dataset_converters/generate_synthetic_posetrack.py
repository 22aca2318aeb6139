"""`python tools/dataset_converters/generate_synthetic_posetrack.py --help`: a PoseTrack18-style synthetic set.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/generate_synthetic_posetrack.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.generate_synthetic_posetrack import main  # noqa: E402

if __name__ == '__main__':
    main()
