"""`python tools/posefix_refine.py --help`: refine any estimator's COCO keypoint results with PoseFix (logic in
mmpose_ext/tools/posefix_refine.py)."""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmpose_ext.tools.posefix_refine import main  # noqa: E402

if __name__ == '__main__':
    main()
