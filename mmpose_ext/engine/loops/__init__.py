"""Loops of the plugin; importing this package registers them into ``mmpose.registry.LOOPS``."""
from .posefix_cascade_test_loop import PoseFixCascadeTestLoop

__all__ = ['PoseFixCascadeTestLoop']
