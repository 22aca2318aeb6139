"""Writes the LSP-layout fixtures in this folder from the real MPII samples in ../mpii (run once; output kept).

LSP itself cannot be redistributed here, so the fixture re-packs real MPII people in LSP's two file layouts:

* ``lsp/joints.mat``: ``joints`` of shape 3 x 14 x N (LSP's ``lsp_dataset/joints.mat``): rows x, y and LSP's
  inverted flag (0 = visible, 1 = occluded); every joint labelled. The three MPII persons with all 14 joints
  labelled, images ``lsp/images/im0001.jpg`` ... ``im0003.jpg``.
* ``lspet/joints.mat``: ``joints`` of shape 14 x 3 x N (``lspet_dataset/joints.mat``): columns x, y and
  visibility (1 = labelled and visible, 0 = not labelled). All five MPII persons, ``lspet/images/im00001.jpg``
  ... ``im00005.jpg``.

Each image is the person's MPII box (scale * 200 px, x1.2) cut from the MPII image and resized to 180 px, so
people are about 150 px tall as in LSP. Joint order: LSP's (right ankle ... left wrist, neck, head top), from
MPII's joints 0-5, 10-15, 8 (upper neck), 9 (head top). Coordinates follow the image resize exactly and are
written 1-based like the originals. MPII has no occlusion flags: the LSP file marks joint 0 (right ankle) of
the first person as occluded, to test that occluded LSP joints stay labelled.
"""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
from scipy.io import savemat

HERE = Path(__file__).resolve().parent
MPII = HERE.parent / 'mpii'
MPII_TO_LSP = [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 8, 9]
OUT_SIDE = 180


def crop_person(ann: dict) -> tuple:
    img = cv2.imread(str(MPII / ann['image']))
    h, w = img.shape[:2]
    side = 1.2 * ann['scale'] * 200
    cx, cy = ann['center'][0] - 1, ann['center'][1] - 1 + 15 * ann['scale']
    x0, y0 = int(max(0, round(cx - side / 2))), int(max(0, round(cy - side / 2)))
    x1, y1 = int(min(w, round(cx + side / 2))), int(min(h, round(cy + side / 2)))
    f = OUT_SIDE / side
    dst_w, dst_h = max(1, round((x1 - x0) * f)), max(1, round((y1 - y0) * f))
    crop = cv2.resize(img[y0:y1, x0:x1], (dst_w, dst_h), interpolation=cv2.INTER_AREA)
    fx, fy = dst_w / (x1 - x0), dst_h / (y1 - y0)
    joints0 = np.array(ann['joints'], dtype=np.float64)[MPII_TO_LSP] - 1.0  # 0-based pixel frame
    xy = np.stack([(joints0[:, 0] - x0 + 0.5) * fx - 0.5, (joints0[:, 1] - y0 + 0.5) * fy - 0.5], axis=1) + 1.0
    vis = np.array(ann['joints_vis'])[MPII_TO_LSP] > 0
    return crop, np.round(xy, 3), vis


def main() -> None:
    anns = json.load(open(MPII / 'test_mpii.json'))
    people = [crop_person(a) for a in anns]
    full = [p for p in people if p[2].all()]
    (HERE / 'lsp' / 'images').mkdir(parents=True, exist_ok=True)
    (HERE / 'lspet' / 'images').mkdir(parents=True, exist_ok=True)
    lsp = np.zeros((3, 14, len(full)))
    for n, (crop, xy, _) in enumerate(full):
        cv2.imwrite(str(HERE / 'lsp' / 'images' / f'im{n + 1:04d}.jpg'), crop, [cv2.IMWRITE_JPEG_QUALITY, 90])
        lsp[:2, :, n] = xy.T
    lsp[2, 0, 0] = 1  # occluded (LSP's inverted flag)
    savemat(str(HERE / 'lsp' / 'joints.mat'), {'joints': lsp})
    lspet = np.zeros((14, 3, len(people)))
    for n, (crop, xy, vis) in enumerate(people):
        cv2.imwrite(str(HERE / 'lspet' / 'images' / f'im{n + 1:05d}.jpg'), crop, [cv2.IMWRITE_JPEG_QUALITY, 90])
        lspet[:, :2, n] = np.where(vis[:, None], xy, 0.0)
        lspet[:, 2, n] = vis
    savemat(str(HERE / 'lspet' / 'joints.mat'), {'joints': lspet})


if __name__ == '__main__':
    main()
