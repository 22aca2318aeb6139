"""python tools/convert/mipnet_to_mmpose_ext.py REFERENCE.pth OUT.pth [--config configs/mipnet_w48.py]"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmpose_ext.tools.convert_mipnet import main  # noqa: E402

if __name__ == '__main__':
    main()
