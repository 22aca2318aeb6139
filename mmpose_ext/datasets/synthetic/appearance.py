"""Random looks: skin, hair and clothes of a figure, and cluttered image backgrounds."""
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

SHIFT = 4  # sub-pixel bits for cv2 drawing
SCALE = float(1 << SHIFT)
SKIN_TONES_RGB = np.array([
    (255, 224, 196), (241, 194, 125), (224, 172, 105), (198, 134, 66), (141, 85, 36), (92, 56, 32),
    (255, 205, 148), (234, 192, 134), (170, 120, 80)], dtype=np.float64)
HAIR_COLOURS_RGB = np.array([
    (20, 17, 15), (59, 42, 30), (106, 78, 66), (167, 133, 106), (220, 208, 186), (145, 85, 61),
    (180, 180, 180)], dtype=np.float64)


@dataclass
class Appearance:
    """Colours (BGR, float) and clothing style of one figure."""
    skin: np.ndarray
    hair: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    shoes: np.ndarray
    long_sleeves: bool
    shorts: bool
    skirt: bool
    texture: Optional[str]
    texture_on_lower: bool
    texture_period: float
    texture_angle: float
    texture_strength: float


def _random_colour(rng: np.random.Generator, saturation=(0.1, 0.9), value=(0.15, 0.95)) -> np.ndarray:
    hsv = np.array([[[rng.uniform(0, 180), rng.uniform(*saturation) * 255, rng.uniform(*value) * 255]]])
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)[0, 0].astype(np.float64)


def sample_appearance(rng: np.random.Generator) -> Appearance:
    """Sample skin tone, hair, clothes colours, clothing style and an optional clothes texture.

    Args:
        rng: Random generator.
    """
    skin = SKIN_TONES_RGB[rng.integers(len(SKIN_TONES_RGB))][::-1] * rng.uniform(0.9, 1.08)
    hair = skin * 0.95 if rng.random() < 0.08 else HAIR_COLOURS_RGB[rng.integers(len(HAIR_COLOURS_RGB))][::-1]
    upper = _random_colour(rng)
    lower = _random_colour(rng, saturation=(0.05, 0.7), value=(0.1, 0.8)) if rng.random() < 0.85 else upper
    texture = None
    if rng.random() < 0.35:
        texture = ('stripes', 'checker', 'noise')[int(rng.integers(3))]
    return Appearance(
        skin=np.clip(skin, 0, 255), hair=hair, upper=upper, lower=lower,
        shoes=_random_colour(rng, value=(0.05, 0.5)), long_sleeves=bool(rng.random() < 0.55),
        shorts=bool(rng.random() < 0.2), skirt=bool(rng.random() < 0.12), texture=texture,
        texture_on_lower=bool(rng.random() < 0.3), texture_period=rng.uniform(0.025, 0.06),
        texture_angle=rng.uniform(-20, 20) if rng.random() < 0.8 else rng.uniform(0, 180),
        texture_strength=rng.uniform(0.15, 0.4))


def render_background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A smooth random colour field with an optional floor, blotches and random clutter shapes.

    Args:
        rng: Random generator.
        width: Image width in pixels.
        height: Image height in pixels.

    Returns:
        (height, width, 3) uint8 BGR image.
    """
    base = rng.uniform(30, 225, size=3)
    grid_shape = (int(rng.integers(2, 5)), int(rng.integers(2, 5)), 3)
    grid = (base + rng.normal(0, rng.uniform(15, 70), size=grid_shape)).astype(np.float32)
    image = cv2.resize(grid, (width, height), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        horizon = int(height * rng.uniform(0.3, 0.75))
        floor_tint = rng.uniform(0, 60, size=3).astype(np.float32)
        image[horizon:] = image[horizon:] * rng.uniform(0.4, 0.9) + floor_tint
    blotches = rng.normal(0, rng.uniform(4, 16), size=(max(2, height // 16), max(2, width // 16), 3))
    image += cv2.resize(blotches.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    image = np.clip(image, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(3, 16))):
        _draw_clutter(rng, image, width, height)
    return image


def _draw_clutter(rng: np.random.Generator, image: np.ndarray, width: int, height: int) -> None:
    colour = tuple(float(c) for c in rng.uniform(0, 255, size=3))
    kind = int(rng.integers(5))
    centre = (int(rng.uniform(-0.1, 1.1) * width * SCALE), int(rng.uniform(-0.1, 1.1) * height * SCALE))
    size = int(rng.uniform(0.03, 0.3) * min(width, height) * SCALE)
    if kind == 0:
        corner = (centre[0] + int(rng.uniform(0.3, 2.0) * size),
                  centre[1] + int(rng.uniform(0.3, 2.0) * size))
        cv2.rectangle(image, centre, corner, colour, -1, cv2.LINE_AA, SHIFT)
    elif kind == 1:
        axes = (size, int(size * rng.uniform(0.3, 1.0)))
        cv2.ellipse(image, centre, axes, rng.uniform(0, 180), 0, 360, colour, -1, cv2.LINE_AA, SHIFT)
    elif kind == 2:
        points = np.array(centre) + rng.uniform(-size, size, size=(int(rng.integers(3, 7)), 2))
        cv2.fillPoly(image, [points.astype(np.int32)], colour, cv2.LINE_AA, SHIFT)
    else:  # stick-like clutter that looks a bit like a limb, so limbs are not the only elongated things
        end = np.array(centre) + rng.uniform(-2 * size, 2 * size, size=2)
        thickness = max(1, int(rng.uniform(0.01, 0.06) * min(width, height)))
        cv2.line(image, centre, tuple(int(v) for v in end), colour, thickness, cv2.LINE_AA, SHIFT)
