"""Built-in synthetic crowd dataset: articulated figures rendered into cluttered images, written as COCO
(17 keypoints) and CrowdPose (14 keypoints) annotation files.

Example::

    from mmpose_ext.datasets.synthetic import generate_synthetic_crowd
    result = generate_synthetic_crowd('data/synthetic_crowd', num_images=1000, split='train', seed=0)
    print(result['ann_files'], result['stats'])
"""
from .scene import Scene, ScenePerson, SyntheticCrowdConfig, image_rng, render_scene
from .posetrack_writer import generate_synthetic_posetrack
from .writer import crowd_index, generate_synthetic_crowd, shared_box_flags

__all__ = ['generate_synthetic_crowd', 'generate_synthetic_posetrack', 'SyntheticCrowdConfig', 'render_scene', 'image_rng', 'Scene', 'ScenePerson',
           'crowd_index', 'shared_box_flags']
