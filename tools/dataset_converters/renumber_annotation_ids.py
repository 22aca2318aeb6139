"""`python tools/dataset_converters/renumber_annotation_ids.py --help`: renumber annotation ids from 1.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/renumber_annotation_ids.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.renumber_annotation_ids import main  # noqa: E402

if __name__ == '__main__':
    main()
