"""Keypoint codecs, registered in ``mmpose.registry.KEYPOINT_CODECS``."""
from .fast_associative_embedding import FastAssociativeEmbedding

__all__ = ['FastAssociativeEmbedding']
