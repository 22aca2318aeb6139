"""Drawing of articulated figures onto a background, keeping track of which person owns every pixel.

Every body part drawn gets a new global "step" number that is written into ``Canvas.step_map`` with the
same geometry as the anti-aliased colour drawing.  Persons are drawn back to front, so a joint whose pixel
carries a step newer than the newest part the joint belongs to is covered by something drawn later: another
person, or a part of the same figure that lies in front (e.g. the near arm over the far shoulder in profile).
"""
import math
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .appearance import SCALE, SHIFT, Appearance
from .projection import Figure2D
from .skeleton import JOINT_INDEX as J, NUM_JOINTS

# left limbs are drawn slightly lighter and right limbs slightly darker: a subtle but learnable left/right cue
LEFT_RIGHT_SHADE = 12.0


def _pts(points: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(points) * SCALE).astype(np.int32)


def _capsule_geometry(p0: np.ndarray, p1: np.ndarray, r0: float, r1: float):
    """Fixed-point quad and end circles of a capsule tapering from radius r0 at p0 to r1 at p1."""
    x0, y0, x1, y1 = float(p0[0]), float(p0[1]), float(p1[0]), float(p1[1])
    length = math.hypot(x1 - x0, y1 - y0)
    quad = None
    if length > 1e-3:
        nx, ny = (y0 - y1) / length, (x1 - x0) / length
        quad = _pts([[x0 + nx * r0, y0 + ny * r0], [x1 + nx * r1, y1 + ny * r1], [x1 - nx * r1, y1 - ny * r1],
                     [x0 - nx * r0, y0 - ny * r0]])
    ends = (((round(x0 * SCALE), round(y0 * SCALE)), round(r0 * SCALE)),
            ((round(x1 * SCALE), round(y1 * SCALE)), round(r1 * SCALE)))
    return quad, ends


def _fill_shape(target: np.ndarray, shape, colour, line_type: int) -> None:
    """Fill a convex hull (int32 fixed-point points) or a capsule geometry from :func:`_capsule_geometry`."""
    if isinstance(shape, np.ndarray):
        cv2.fillConvexPoly(target, shape, colour, line_type, SHIFT)
        return
    quad, ends = shape
    if quad is not None:
        cv2.fillConvexPoly(target, quad, colour, line_type, SHIFT)
    for centre, radius in ends:
        cv2.circle(target, centre, radius, colour, -1, line_type, SHIFT)


class Canvas:
    """An image being drawn together with its per-pixel step map.

    Args:
        background: (H, W, 3) uint8 background image; drawn on in place.
    """

    def __init__(self, background: np.ndarray) -> None:
        self.image = background
        self.height, self.width = background.shape[:2]
        self.step_map = np.zeros((self.height, self.width), dtype=np.uint16)
        self.step_owner: List[int] = [-1]  # step -> person id; step 0 is the background

    @property
    def num_steps(self) -> int:
        return len(self.step_owner) - 1

    def id_map(self) -> np.ndarray:
        """(H, W) int32 map of the person id owning each pixel (-1: background)."""
        return np.asarray(self.step_owner, dtype=np.int32)[self.step_map]

    def _new_step(self, person_id: int) -> int:
        if self.num_steps >= np.iinfo(self.step_map.dtype).max:
            raise ValueError('too many body parts in one image for the 16-bit step map; draw fewer persons')
        self.step_owner.append(person_id)
        return self.num_steps

    def draw_person(self, figure: Figure2D, look: Appearance, person_id: int,
                    rng: np.random.Generator) -> Tuple[np.ndarray, Optional[Tuple[int, int, int, int]]]:
        """Draw one figure on top of everything drawn so far.

        Args:
            figure: The projected figure.
            look: Its appearance.
            person_id: Id written into the id map for its pixels.
            rng: Random generator (texture noise).

        Returns:
            joint_steps: (NUM_JOINTS,) newest step among the parts each joint belongs to.
            box: (x0, y0, x1, y1) inclusive pixel bounds of the whole silhouette, or None if nothing was
                drawn inside the image.
        """
        first_step = self.num_steps + 1
        joint_steps = np.zeros(NUM_JOINTS, dtype=np.int64)
        texture_mask = np.zeros((self.height, self.width), np.uint8) if look.texture else None
        for part in _body_parts(figure, look):
            step = self._new_step(person_id)
            joint_steps[list(part.members)] = step
            colour = tuple(float(c) for c in np.clip(part.colour, 0, 255))
            if part.kind == 'head':
                self._draw_head(figure, look, step, texture_mask)
                continue
            if part.kind == 'hull':
                shape = cv2.convexHull(_pts(part.points))
                _fill_shape(self.image, shape, colour, cv2.LINE_AA)
            else:
                (p0, p1), (r0, r1) = part.points, part.radii
                inset = max(0.8, 0.12 * min(r0, r1))
                shape = _capsule_geometry(p0, p1, r0, r1)
                _fill_shape(self.image, shape, tuple(c * 0.6 for c in colour), cv2.LINE_AA)  # dark outline
                inner = _capsule_geometry(p0, p1, max(r0 - inset, 0.5), max(r1 - inset, 0.5))
                _fill_shape(self.image, inner, colour, cv2.LINE_AA)
            _fill_shape(self.step_map, shape, (step,), cv2.LINE_8)
            if texture_mask is not None:
                _fill_shape(texture_mask, shape, (255 if part.textured else 0,), cv2.LINE_8)
        box = self._silhouette_box(figure, first_step)
        if texture_mask is not None and box is not None:
            self._apply_texture(figure, look, texture_mask, box, rng)
        return joint_steps, box

    def _draw_head(self, figure: Figure2D, look: Appearance, step: int,
                   texture_mask: Optional[np.ndarray]) -> None:
        centre, top = figure.joints[J['head_center']], figure.joints[J['head_top']]
        up = top - centre
        ry = figure.height * 0.064 * figure.head_scale
        angle = float(np.degrees(np.arctan2(up[1], up[0]))) + 90.0 if np.hypot(*up) > 1e-3 else figure.roll
        for index in (J['left_ear'], J['right_ear']):
            if not figure.face_hidden[index]:
                ear = (int(ry * 0.28 * SCALE), int(ry * 0.2 * SCALE))
                for target, colour, line in ((self.image, tuple(look.skin * 0.85), cv2.LINE_AA),
                                             (self.step_map, (step,), cv2.LINE_8)):
                    cv2.ellipse(target, tuple(_pts(figure.joints[index])), ear, angle + 90, 0, 360, colour,
                                -1, line, SHIFT)
        (major, minor), head_angle = figure.head_ellipse
        head_axes = (int(major * SCALE), int(minor * SCALE))
        for target, colour, line in ((self.image, tuple(look.hair), cv2.LINE_AA),
                                     (self.step_map, (step,), cv2.LINE_8), (texture_mask, (0,), cv2.LINE_8)):
            if target is not None:
                cv2.ellipse(target, tuple(_pts(centre)), head_axes, head_angle, 0, 360, colour, -1, line,
                            SHIFT)
        toward = -float(figure.face_dir[2])  # 1: face looks at the camera, -1: back of the head
        if toward > -0.35:
            # skin ellipse inside the hair ellipse, pushed towards where the face looks and a little down
            down = -up / max(np.hypot(*up), 1e-6)
            face_centre = centre + figure.face_dir[:2] * major * 0.2 + down * minor * 0.08
            face_axes = (int(major * 0.76 * SCALE), int(minor * 0.76 * SCALE))
            cv2.ellipse(self.image, tuple(_pts(face_centre)), face_axes, head_angle, 0, 360, tuple(look.skin),
                        -1, cv2.LINE_AA, SHIFT)
            nose = figure.joints[J['nose']]
            if not figure.face_hidden[J['nose']]:  # a bump, so a profile nose stays inside the silhouette
                nose_radius = int(max(1.0, figure.height * 0.011 * figure.head_scale) * SCALE)
                cv2.circle(self.image, tuple(_pts(nose)), nose_radius, tuple(look.skin * 0.93), -1,
                           cv2.LINE_AA, SHIFT)
                cv2.circle(self.step_map, tuple(_pts(nose)), nose_radius, (step,), -1, cv2.LINE_8, SHIFT)
                if texture_mask is not None:
                    cv2.circle(texture_mask, tuple(_pts(nose)), nose_radius, (0,), -1, cv2.LINE_8, SHIFT)
            eye_radius = int(max(0.9, figure.height * 0.0065) * SCALE)
            for index in (J['left_eye'], J['right_eye']):
                if not figure.face_hidden[index]:
                    cv2.circle(self.image, tuple(_pts(figure.joints[index])), eye_radius, (30, 25, 25), -1,
                               cv2.LINE_AA, SHIFT)

    def _silhouette_box(self, figure: Figure2D, first_step: int) -> Optional[Tuple[int, int, int, int]]:
        x0, y0, x1, y1 = figure.extent()
        margin = 2 + int(figure.height * 0.03)
        cx0, cy0 = max(0, int(x0) - margin), max(0, int(y0) - margin)
        cx1, cy1 = min(self.width, int(x1) + margin + 1), min(self.height, int(y1) + margin + 1)
        if cx0 >= cx1 or cy0 >= cy1:
            return None
        mask = self.step_map[cy0:cy1, cx0:cx1] >= first_step
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        if rows.size == 0:
            return None
        return cx0 + int(cols[0]), cy0 + int(rows[0]), cx0 + int(cols[-1]), cy0 + int(rows[-1])

    def _apply_texture(self, figure: Figure2D, look: Appearance, mask: np.ndarray, box, rng) -> None:
        x0, y0, x1, y1 = box
        region = mask[y0:y1 + 1, x0:x1 + 1] > 0
        if not region.any():
            return
        ys, xs = np.mgrid[y0:y1 + 1, x0:x1 + 1].astype(np.float32)
        theta = np.radians(figure.roll + look.texture_angle)
        period = max(3.0, look.texture_period * figure.height)
        along = (xs * np.sin(theta) - ys * np.cos(theta)) / period
        across = (xs * np.cos(theta) + ys * np.sin(theta)) / period
        if look.texture == 'stripes':
            pattern = np.sign(np.sin(np.pi * along))
        elif look.texture == 'checker':
            pattern = np.sign(np.sin(np.pi * along) * np.sin(np.pi * across))
        else:
            small = rng.normal(0, 1, size=(max(2, (y1 - y0) // 4 + 1), max(2, (x1 - x0) // 4 + 1)))
            pattern = np.clip(cv2.resize(small.astype(np.float32), (x1 - x0 + 1, y1 - y0 + 1)), -1.5, 1.5)
        factor = 1.0 + look.texture_strength * pattern
        patch = self.image[y0:y1 + 1, x0:x1 + 1]
        patch[region] = np.clip(patch[region] * factor[region][:, None], 0, 255).astype(np.uint8)

    def finish(self, rng: np.random.Generator) -> np.ndarray:
        """Apply global lighting, sensor noise and an occasional slight blur; returns the final image.

        Args:
            rng: Random generator.
        """
        # luminance noise only: a third of the cost of per-channel noise
        noise = rng.standard_normal(self.image.shape[:2] + (1, ), dtype=np.float32)
        noise *= np.float32(rng.uniform(2, 9))
        gain, bias = np.float32(rng.uniform(0.8, 1.15)), np.float32(rng.uniform(-15, 15))
        image = np.clip(self.image.astype(np.float32) * gain + (noise + bias), 0, 255).astype(np.uint8)
        if rng.random() < 0.5:
            image = cv2.GaussianBlur(image, (3, 3), rng.uniform(0.3, 0.9))
        self.image = image
        return image


@dataclass
class BodyPart:
    """One drawable part: a tapered capsule, a convex hull or the head."""
    kind: str
    points: Sequence[np.ndarray]
    radii: Tuple[float, float]
    colour: np.ndarray
    members: Tuple[int, ...]
    depth: float
    textured: bool


def _body_parts(figure: Figure2D, look: Appearance) -> List[BodyPart]:
    """All parts of a figure in drawing order (far to near), with colours including depth shading."""
    joints, depth, height = figure.joints, figure.depth, figure.height
    torso_depth = figure.hulls['torso'][1]
    textured_upper = look.texture is not None
    textured_lower = textured_upper and look.texture_on_lower
    parts = [
        BodyPart('hull', figure.hulls['torso'][0], (0, 0), look.upper,
                 (J['neck'], J['left_shoulder'], J['right_shoulder'], J['left_hip'], J['right_hip']),
                 torso_depth, textured_upper),
        BodyPart('hull', figure.hulls['pelvis'][0], (0, 0), look.lower, (J['left_hip'], J['right_hip']),
                 torso_depth - 0.001 * height, textured_lower),
        BodyPart('capsule', (joints[J['neck']], joints[J['neck']] * 0.4 + joints[J['head_center']] * 0.6),
                 figure.radii['neck'], look.skin, (J['neck'],), torso_depth + 0.02 * height, False),
        BodyPart('head', (joints[J['head_center']],), (0, 0), look.hair,
                 (J['head_top'], J['head_center'], J['nose'], J['left_eye'], J['right_eye'], J['left_ear'],
                  J['right_ear']), depth[J['head_center']] - 0.04 * height, False),
    ]
    if 'skirt' in figure.hulls and look.skirt:
        parts.append(BodyPart('hull', figure.hulls['skirt'][0], (0, 0), look.lower,
                              (J['left_hip'], J['right_hip']), torso_depth - 0.08 * height, textured_lower))
    bare_shank = look.shorts or look.skirt
    for name, side in (('left', 1.0), ('right', -1.0)):
        segments = [
            ('shoulder', 'elbow', 'upper_arm', look.upper, textured_upper, -0.02),
            ('elbow', 'wrist', 'forearm', look.upper if look.long_sleeves else look.skin,
             textured_upper and look.long_sleeves, -0.02),
            ('wrist', 'hand', 'hand', look.skin, False, -0.025),
            ('hip', 'knee', 'thigh', look.lower, textured_lower, -0.02),
            ('knee', 'ankle', 'shank', look.skin if bare_shank else look.lower,
             textured_lower and not bare_shank, -0.02),
            ('ankle', 'toe', 'foot', look.shoes, False, -0.015),
        ]
        for start, end, limb, colour, textured, bias in segments:
            i0, i1 = J[f'{name}_{start}'], J[f'{name}_{end}']
            members = tuple(index for index in (i0, i1) if index < J['head_center'])
            part_depth = (depth[i0] + depth[i1]) / 2
            parts.append(BodyPart('capsule', (joints[i0], joints[i1]), figure.radii[limb], colour + side *
                                  LEFT_RIGHT_SHADE, members, part_depth + bias * height, textured))
    for part in parts:  # parts behind the torso centre get a little darker
        behind = np.clip((part.depth - torso_depth) / height, 0.0, 0.12)
        part.colour = np.asarray(part.colour, dtype=np.float64) * (1.0 - behind)
    parts.sort(key=lambda part: -part.depth)
    return parts
