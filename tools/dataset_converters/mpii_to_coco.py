"""`python tools/dataset_converters/mpii_to_coco.py --help`: MPII json + head boxes -> COCO-style.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/mpii_to_coco.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.mpii_to_coco import main  # noqa: E402

if __name__ == '__main__':
    main()
