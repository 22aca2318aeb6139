"""The HigherHRNet valid-region mask: zero over crowd regions (RLE) and keypoint-less persons (polygons), one
elsewhere, at every heatmap level. Decoded with pycocotools: xtcocotools built against numpy 2 fails in
``mask.decode`` (``np.NPY_OWNDATA``), which broke HigherHRNet training on the numpy-2 install."""
import numpy as np

from mmpose_ext.datasets.transforms import HigherHRNetHeatmapMask


def _uncompressed_rle(mask: np.ndarray) -> dict:
    flat = mask.flatten(order='F')  # COCO RLE runs go down the columns, starting with zeros
    counts, value, run = [], 0, 0
    for pixel in flat:
        if pixel == value:
            run += 1
        else:
            counts.append(run)
            value, run = pixel, 1
    counts.append(run)
    return dict(counts=counts, size=list(mask.shape))


def test_crowd_rle_and_polygons_are_masked_out_at_every_level():
    h, w = 64, 48
    crowd = np.zeros((h, w), dtype=np.uint8)
    crowd[40:60, 4:20] = 1
    polygon = [[30.0, 5.0, 44.0, 5.0, 44.0, 25.0, 30.0, 25.0]]  # a person without keypoints: x 30-44, y 5-25
    results = dict(invalid_segs=[polygon, _uncompressed_rle(crowd)], img_shape=(h, w), input_size=(w, h),
                   warp_mat=np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32),
                   heatmaps=[np.zeros((17, h // 4, w // 4)), np.zeros((17, h // 2, w // 2))])
    masks = HigherHRNetHeatmapMask()(results)['heatmap_mask']
    assert [m.shape for m in masks] == [(h // 4, w // 4), (h // 2, w // 2)]
    full = HigherHRNetHeatmapMask()._segs_to_mask(results['invalid_segs'], (h, w))
    assert full[50, 10] == 1 and full[15, 37] == 1 and full[5, 5] == 0 and full.sum() > crowd.sum()
    half = masks[1]
    assert half[25, 5] == 0, 'crowd region not masked'
    assert half[7, 18] == 0, 'keypoint-less person not masked'
    assert half[2, 2] == 1 and half[28, 20] == 1


def test_no_invalid_regions_gives_an_all_valid_mask():
    results = dict(invalid_segs=[], img_shape=(32, 32), input_size=(32, 32),
                   warp_mat=np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32),
                   heatmaps=np.zeros((17, 8, 8)))
    assert HigherHRNetHeatmapMask()(results)['heatmap_mask'].min() == 1
