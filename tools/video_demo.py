"""`python tools/video_demo.py --help`: speed test of a top-down model on a video.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/video_demo.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.video_demo import main  # noqa: E402

if __name__ == '__main__':
    main()
