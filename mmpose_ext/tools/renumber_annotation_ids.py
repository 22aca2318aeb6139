"""Renumber the annotation ids of a COCO-style file from 1, keeping everything else (order, images, fields).

pycocotools and crowdposetools treat a ground truth matched to annotation id 0 as unmatched and score negative
ids differently from xtcocotools, which silently changes AP, so the plugin's datasets and metrics refuse ids <= 0
(and non-integer ids). This tool writes a copy whose
annotation ids are 1, 2, ... in file order. Image ids are not touched (results refer to them).

    python tools/dataset_converters/renumber_annotation_ids.py IN.json OUT.json
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
from typing import Any, Dict, List, Optional


def renumber_annotation_ids(data: Dict[str, Any], start: int = 1) -> int:
    """Renumbers ``data['annotations'][i]['id']`` to ``start + i`` in place; returns how many ids changed."""
    if start < 1:
        raise ValueError(f'annotation ids must start at 1 or more, got {start}')
    changed = 0
    for i, ann in enumerate(data['annotations']):
        changed += ann.get('id') != start + i
        ann['id'] = start + i
    return changed


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='COCO-style annotation file')
    parser.add_argument('dst', help='output file (must differ from src)')
    args = parser.parse_args(argv)
    if osp.abspath(args.src) == osp.abspath(args.dst):
        parser.error('dst must differ from src')
    with open(args.src) as f:
        data = json.load(f)
    if not isinstance(data, dict) or not isinstance(data.get('annotations'), list):
        parser.error(f'{args.src} has no "annotations" list')
    changed = renumber_annotation_ids(data)
    with open(args.dst, 'w') as f:
        json.dump(data, f)
    print(f'{args.dst}: {len(data["annotations"])} annotations, {changed} ids changed (now 1..'
          f'{len(data["annotations"])})')


if __name__ == '__main__':
    main()
