"""Projection of a posed 3D figure into the image: in-plane rotation, scale and placement, all in pixels."""
from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

from .pose_sampler import FigureModel, rot_z


@dataclass
class Figure2D:
    """A figure projected into the image: everything in pixels.

    Attributes:
        joints: (NUM_JOINTS, 2) joint positions.
        depth: (NUM_JOINTS,) joint depths (larger is farther from the camera).
        hulls: Name -> (points (M, 2), mean depth) for the torso, pelvis and optional skirt.
        radii: Limb name -> (radius at the proximal end, radius at the distal end).
        height: Standing height of the figure.
        roll: In-plane rotation in degrees.
        face_dir: 3D viewing direction of the face after the in-plane rotation.
        face_hidden: (NUM_JOINTS,) True for face points hidden by the figure's own head.
        head_scale: Relative head size.
        head_ellipse: ((semi-major, semi-minor), angle in degrees) of the projected head ellipsoid.
    """
    joints: np.ndarray
    depth: np.ndarray
    hulls: Dict[str, Tuple[np.ndarray, float]]
    radii: Dict[str, Tuple[float, float]]
    height: float
    roll: float
    face_dir: np.ndarray
    face_hidden: np.ndarray
    head_scale: float
    head_ellipse: Tuple[Tuple[float, float], float]

    def extent(self) -> Tuple[float, float, float, float]:
        """Approximate (x0, y0, x1, y1) of the drawn figure, used for placement."""
        points = np.concatenate([self.joints] + [hull for hull, _ in self.hulls.values()])
        margin = self.height * 0.045
        low, high = points.min(0) - margin, points.max(0) + margin
        return float(low[0]), float(low[1]), float(high[0]), float(high[1])


def _projected_ellipse(axes: np.ndarray) -> Tuple[Tuple[float, float], float]:
    """Outline of an ellipsoid (``axes`` columns: its semi-axis vectors) under orthographic projection."""
    covariance = (axes @ axes.T)[:2, :2]
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    major = eigenvectors[:, 1]
    angle = float(np.degrees(np.arctan2(major[1], major[0])))
    return (float(np.sqrt(max(eigenvalues[1], 0.0))), float(np.sqrt(max(eigenvalues[0], 0.0)))), angle


def project_figure(model: FigureModel, height: float, roll: float, centre: Tuple[float, float]) -> Figure2D:
    """Rotate a figure in the image plane, scale it to ``height`` pixels and centre its extent at ``centre``.

    Args:
        model: The posed 3D figure.
        height: Standing height in pixels.
        roll: In-plane rotation in degrees (positive is clockwise on screen, since y points down).
        centre: Where the centre of the figure's extent goes, in pixels.
    """
    rotation = rot_z(roll)
    joints3d = model.joints @ rotation.T * height
    hull_arrays = {'torso': model.torso_hull, 'pelvis': model.pelvis_hull}
    if model.skirt_hull is not None:
        hull_arrays['skirt'] = model.skirt_hull
    hulls = {name: (points @ rotation.T * height) for name, points in hull_arrays.items()}
    figure = Figure2D(
        joints=joints3d[:, :2].copy(), depth=joints3d[:, 2].copy(),
        hulls={name: (points[:, :2].copy(), float(points[:, 2].mean())) for name, points in hulls.items()},
        radii={name: (r0 * height, r1 * height) for name, (r0, r1) in model.shape.radii.items()},
        height=height, roll=roll, face_dir=rotation @ model.face_dir, face_hidden=model.face_hidden.copy(),
        head_scale=model.shape.head_scale,
        head_ellipse=_projected_ellipse(rotation @ model.head_axes * height))
    x0, y0, x1, y1 = figure.extent()
    shift = np.array(centre, dtype=np.float64) - np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    figure.joints += shift
    figure.hulls = {name: (points + shift, depth) for name, (points, depth) in figure.hulls.items()}
    return figure
