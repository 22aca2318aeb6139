"""python tools/convert/fpd_to_student.py FPD_CHECKPOINT OUT.pth [--config STUDENT_CONFIG]"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmpose_ext.tools.export_fpd_student import main  # noqa: E402

if __name__ == '__main__':
    main()
