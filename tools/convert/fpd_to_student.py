"""`python tools/convert/fpd_to_student.py --help`: the student of an FPD checkpoint as a plain checkpoint.

A thin wrapper: the logic and ``main(argv)`` live in mmpose_ext/tools/fpd_to_student.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's mmpose_ext first
from mmpose_ext.tools.fpd_to_student import main  # noqa: E402

if __name__ == '__main__':
    main()
