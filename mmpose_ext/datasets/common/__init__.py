"""Helpers shared by the plugin's dataset classes: file checks that fail at build time, metainfo paths."""
from .annotation_checks import (AnnotationError, check_coco_keypoint_file, check_detection_file, check_image_files,
                                load_json_file)
from .coco_style_checks import CocoStyleChecksMixin
from .metainfo import mmpose_metainfo

__all__ = ['AnnotationError', 'CocoStyleChecksMixin', 'check_coco_keypoint_file', 'check_detection_file',
           'check_image_files', 'load_json_file', 'mmpose_metainfo']
