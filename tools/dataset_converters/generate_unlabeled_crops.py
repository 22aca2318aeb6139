"""Unlabeled person crops of a new synthetic crowd set (keypoints discarded), for FPD with unlabeled data.

Example::

    python tools/dataset_converters/generate_unlabeled_crops.py data/synthetic_crowd_unlabeled --num-images 500

Writes ``OUT_DIR/crops/{image:06d}_{person}.jpg`` only (see ``mmpose_ext/tools/synthetic_unlabeled_crops.py``).
"""
import os.path as osp
import sys

try:
    import mmpose_ext  # noqa: F401
except ImportError:  # running from a checkout without installation
    sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

from mmpose_ext.tools.synthetic_unlabeled_crops import main  # noqa: E402

if __name__ == '__main__':
    main()
