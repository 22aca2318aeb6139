"""`python tools/bottomup_demo.py --help`: bottom-up poses on images, each grouped person in its own colour.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/bottomup_demo.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.bottomup_demo import main  # noqa: E402

if __name__ == '__main__':
    main()
