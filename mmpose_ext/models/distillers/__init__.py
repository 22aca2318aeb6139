from .fpd_distiller import FPDDistiller

__all__ = ['FPDDistiller']
