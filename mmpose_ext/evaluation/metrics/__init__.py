from .multi_instance_coco_metric import MultiInstanceCocoMetric  # noqa: F401
