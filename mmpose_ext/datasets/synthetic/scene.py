"""Scene composition: how many persons, where they go, drawing order, and the per-person annotations."""
import zlib
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from .appearance import Appearance, render_background, sample_appearance
from .pose_sampler import sample_figure, sample_roll
from .projection import Figure2D, project_figure
from .renderer import Canvas
from .skeleton import COCO_FROM_INTERNAL, CROWDPOSE_FROM_INTERNAL, NUM_ANNOTATED_JOINTS

MIN_IMAGE_SIDE = 32


@dataclass(frozen=True)
class SyntheticCrowdConfig:
    """What the synthetic scenes look like.

    Args:
        image_size: (width, height) in pixels, each at least 32.
        persons_per_image: Inclusive (min, max) number of persons drawn per image.
        overlap: Probability that a new person is placed right next to an already placed one, so that their
            boxes overlap strongly; otherwise the least overlapping of a few random spots is used.
        person_height: (min, max) standing height of a person as a fraction of the image height.
        min_visible_fraction: Persons whose visible area is below this fraction of their box are dropped.
        min_labelled_joints: Persons with fewer labelled joints (in either output layout) are dropped.
        jpeg_quality: JPEG quality of the written images.
    """
    image_size: Tuple[int, int] = (256, 256)
    persons_per_image: Tuple[int, int] = (1, 4)
    overlap: float = 0.5
    person_height: Tuple[float, float] = (0.45, 0.9)
    min_visible_fraction: float = 0.01
    min_labelled_joints: int = 2
    jpeg_quality: int = 90

    def __post_init__(self) -> None:
        if len(self.image_size) != 2 or min(self.image_size) < MIN_IMAGE_SIDE:
            raise ValueError(f'image_size must be (width, height) with both >= {MIN_IMAGE_SIDE}, '
                             f'got {self.image_size}')
        low, high = self.persons_per_image
        if low < 0 or low > high:
            raise ValueError(f'persons_per_image must be (min, max) with 0 <= min <= max, got {(low, high)}')
        if not 0.0 <= self.overlap <= 1.0:
            raise ValueError(f'overlap must be a probability in [0, 1], got {self.overlap}')
        low_h, high_h = self.person_height
        if not 0.0 < low_h <= high_h:
            raise ValueError(f'person_height must be (min, max) with 0 < min <= max, got {(low_h, high_h)}')
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError(f'jpeg_quality must be in [1, 100], got {self.jpeg_quality}')


@dataclass
class ScenePerson:
    """One drawn person and its annotation in the internal joint layout.

    Attributes:
        person_id: Drawing order (0 is drawn first, i.e. farthest); also its value in the id map.
        keypoints: (NUM_ANNOTATED_JOINTS, 3) x, y, v with v=2 visible, v=1 occluded, v=0 outside the image
            (then x = y = 0).
        occluded_by: (NUM_ANNOTATED_JOINTS,) id of the person covering each v=1 joint (its own id when the
            figure hides the joint itself), -1 otherwise.
        bbox: [x, y, w, h] of the whole drawn silhouette clipped to the image, or None when nothing was drawn.
        area: Number of pixels of this person visible in the final image.
        drop_reason: Why it is not written to the annotation files, or None when it is.
        mode: Pose mode it was sampled from.
    """
    person_id: int
    keypoints: np.ndarray
    occluded_by: np.ndarray
    bbox: Optional[List[float]]
    area: int
    drop_reason: Optional[str]
    mode: str

    @property
    def dropped(self) -> bool:
        return self.drop_reason is not None


@dataclass
class Scene:
    """A rendered image with its id map and persons in drawing order."""
    image: np.ndarray
    id_map: np.ndarray
    persons: List[ScenePerson]

    @property
    def kept_persons(self) -> List[ScenePerson]:
        return [person for person in self.persons if not person.dropped]


def image_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The random stream of one image: independent per (seed, split, image index) and stable across runs.

    Args:
        seed: Non-negative base seed.
        split: Split name; hashed with CRC32 (Python's ``hash`` is salted per process).
        index: Image index within the split.
    """
    if seed < 0:
        raise ValueError(f'seed must be non-negative, got {seed}')
    return np.random.default_rng([int(seed), zlib.crc32(split.encode('utf-8')), int(index)])


def _iou(a: Tuple[float, ...], b: Tuple[float, ...]) -> float:
    inter_w = min(a[2], b[2]) - max(a[0], b[0])
    inter_h = min(a[3], b[3]) - max(a[1], b[1])
    if inter_w <= 0 or inter_h <= 0:
        return 0.0
    inter = inter_w * inter_h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@dataclass
class _PlacedPerson:
    figure: Figure2D
    look: Appearance
    mode: str


def _place_persons(config: SyntheticCrowdConfig, rng: np.random.Generator) -> List[_PlacedPerson]:
    width, height = config.image_size
    count = int(rng.integers(config.persons_per_image[0], config.persons_per_image[1] + 1))
    persons: List[_PlacedPerson] = []
    for _ in range(count):
        look = sample_appearance(rng)
        model = sample_figure(rng, with_skirt=look.skirt)
        roll = sample_roll(rng)
        if persons and rng.random() < config.overlap:
            anchor = persons[int(rng.integers(len(persons)))].figure
            x0, y0, x1, y1 = anchor.extent()
            size = anchor.height * rng.uniform(0.8, 1.2)
            centre = ((x0 + x1) / 2 + rng.uniform(-0.45, 0.45) * (x1 - x0),
                      (y0 + y1) / 2 + rng.uniform(-0.2, 0.2) * (y1 - y0))
        else:
            size = rng.uniform(*config.person_height) * height
            candidates = np.stack([rng.uniform(0.05, 0.95, 6) * width, rng.uniform(0.3, 0.7, 6) * height], 1)
            placed = [person.figure.extent() for person in persons]
            probe = project_figure(model, size, roll, (0.0, 0.0)).extent()

            def crowding(centre: np.ndarray) -> float:
                box = (probe[0] + centre[0], probe[1] + centre[1], probe[2] + centre[0], probe[3] + centre[1])
                return max([_iou(box, other) for other in placed], default=0.0)

            centre = tuple(min(candidates, key=crowding))
        persons.append(_PlacedPerson(project_figure(model, size, roll, centre), look, model.mode))
    return persons


def _annotate(canvas: Canvas, figure: Figure2D, person_id: int, joint_steps: np.ndarray, box,
              areas: np.ndarray, config: SyntheticCrowdConfig, mode: str) -> ScenePerson:
    width, height = config.image_size
    keypoints = np.zeros((NUM_ANNOTATED_JOINTS, 3))
    occluded_by = np.full(NUM_ANNOTATED_JOINTS, -1, dtype=np.int64)
    for joint in range(NUM_ANNOTATED_JOINTS):
        x, y = (round(float(value), 2) for value in figure.joints[joint])
        if not (0.0 <= x <= width - 1 and 0.0 <= y <= height - 1):
            continue  # outside the image: stays (0, 0, 0)
        step = int(canvas.step_map[int(np.floor(y + 0.5)), int(np.floor(x + 0.5))])
        if step > joint_steps[joint]:
            occluded_by[joint] = canvas.step_owner[step]
        elif figure.face_hidden[joint]:
            occluded_by[joint] = person_id
        keypoints[joint] = (x, y, 1 if occluded_by[joint] >= 0 else 2)
    bbox = None if box is None else [float(box[0]), float(box[1]), float(box[2] - box[0] + 1),
                                     float(box[3] - box[1] + 1)]
    area = int(areas[person_id])
    labelled = keypoints[:, 2] > 0
    drop_reason = None
    if bbox is None or area < config.min_visible_fraction * bbox[2] * bbox[3]:
        drop_reason = 'hardly visible'
    elif min(int(labelled[list(COCO_FROM_INTERNAL)].sum()),
             int(labelled[list(CROWDPOSE_FROM_INTERNAL)].sum())) < config.min_labelled_joints:
        drop_reason = 'too few labelled joints'
    return ScenePerson(person_id=person_id, keypoints=keypoints, occluded_by=occluded_by, bbox=bbox,
                       area=area, drop_reason=drop_reason, mode=mode)


def render_scene(config: SyntheticCrowdConfig, rng: np.random.Generator) -> Scene:
    """Render one image: background, persons drawn back to front, and their annotations.

    Args:
        config: Scene settings.
        rng: The image's random stream (see :func:`image_rng`).

    Returns:
        The scene; ``persons`` are in drawing order and include dropped ones.
    """
    width, height = config.image_size
    canvas = Canvas(render_background(rng, width, height))
    placed = _place_persons(config, rng)
    # smaller figures are farther away, so they are drawn first
    placed.sort(key=lambda person: person.figure.height)
    drawn = [canvas.draw_person(person.figure, person.look, person_id, rng)
             for person_id, person in enumerate(placed)]
    image = canvas.finish(rng)
    id_map = canvas.id_map()
    areas = np.bincount(id_map.ravel() + 1, minlength=len(placed) + 1)[1:]
    persons = [_annotate(canvas, person.figure, person_id, joint_steps, box, areas, config, person.mode)
               for person_id, (person, (joint_steps, box)) in enumerate(zip(placed, drawn))]
    return Scene(image=image, id_map=id_map, persons=persons)
