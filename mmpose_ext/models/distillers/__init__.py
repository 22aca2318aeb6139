from .fpd_distiller import FPDDistiller
from .teacher_alignment import resize_teacher_heatmaps

__all__ = ['FPDDistiller', 'resize_teacher_heatmaps']
