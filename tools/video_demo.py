"""`python tools/video_demo.py --help`: see mmpose_ext/tools/video_demo.py (speed test of a pose model on video)."""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmpose_ext.tools.video_demo import main  # noqa: E402

if __name__ == '__main__':
    main()
