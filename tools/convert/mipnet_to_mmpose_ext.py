"""`python tools/convert/mipnet_to_mmpose_ext.py --help`: convert a MIPNet reference checkpoint.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/mipnet_to_mmpose_ext.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.mipnet_to_mmpose_ext import main  # noqa: E402

if __name__ == '__main__':
    main()
