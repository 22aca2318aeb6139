"""`python tools/train.py --help`: see mmpose_ext/tools/train.py (shipped in the package for `mim train mmpose_ext`)."""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmpose_ext.tools.train import main  # noqa: E402

if __name__ == '__main__':
    main()
