"""`python tools/test.py --help`: see mmpose_ext/tools/test.py (shipped in the package for `mim test mmpose_ext`)."""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmpose_ext.tools.test import main  # noqa: E402

if __name__ == '__main__':
    main()
