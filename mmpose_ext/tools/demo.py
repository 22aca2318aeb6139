"""`make demo`: synthetic crowd data -> train a small MIPNet on this machine -> AP table -> picture.

    python tools/demo.py [--config CONFIG] [--work-dir work_dirs/demo] [--num-train 1000] [--num-val 100]

Every step is one of the project's ordinary commands, printed before it runs, so it can be repeated by hand.
The untrained model (same config, initial weights) is evaluated first, so the table shows what training bought.
The picture gives each box one detector-like box per group of overlapping persons and draws the pose of each
lambda in its own colour: lambda 0 (the box's own person) and lambda 1 (the other person in the box).
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
import time
from typing import List, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # the checkout

DEFAULT_CONFIG = 'configs/mipnet/td-hm_mipnet-lite_synthcrowd-128x96.py'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/synthetic_crowd')
    parser.add_argument('--num-train', type=int, default=1000)
    parser.add_argument('--num-val', type=int, default=100)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-pictures', type=int, default=8, help='validation images in the picture')
    parser.add_argument('--epochs', type=int, help='override the config\'s number of training epochs')
    return parser.parse_args(argv)


def run(cmd):
    print('\n$ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def evaluate_untrained(config, work_dir, data_root):
    """COCO AP of the config's model with its initial weights (what training starts from)."""
    from mmengine.config import Config
    from mmpose_ext.engine.runner import build_runner

    from mmpose_ext.utils.data_root import rewrite_data_root
    cfg = Config.fromfile(config)
    rewrite_data_root(cfg, data_root)  # what tools/train.py --data-root does
    cfg.work_dir = osp.join(work_dir, 'untrained')
    runner = build_runner(cfg)
    runner.model.init_weights()
    return runner.test()


def draw_predictions(config, checkpoint, data_root, out_file, num_images):
    """Predicted poses on the first validation images, tiled into one picture.

    Boxes are the ground-truth boxes merged as a detector would in a crowd (one box where persons overlap), so a
    one-pose-per-box model cannot see the hidden persons; each lambda's pose is drawn in its own colour. A lambda-1
    pose that repeats its box's lambda-0 person (what MIPNet returns when the box holds one person), as the
    evaluation's OKS-NMS would, or that has fewer than 4 joints drawn (confidence 0.3) is left out.
    """
    import cv2
    import numpy as np
    from mmpose.apis import inference_topdown, init_model

    from mmpose_ext.analysis.crowd_eval import merged_box_detections
    from mmpose_ext.visualization import draw_box_predictions, image_grid
    model = init_model(config, checkpoint, device='cpu')
    skeleton = model.dataset_meta['skeleton_links']
    detections = merged_box_detections(osp.join(data_root, 'annotations', 'coco_val.json'))
    with open(osp.join(data_root, 'annotations', 'coco_val.json')) as f:
        images = {im['id']: im for im in json.load(f)['images']}
    tiles, titles = [], []
    for img_id in sorted(images)[:num_images]:
        boxes = np.array([[d['bbox'][0], d['bbox'][1], d['bbox'][0] + d['bbox'][2], d['bbox'][1] + d['bbox'][3]]
                          for d in detections if d['image_id'] == img_id], dtype=np.float32).reshape(-1, 4)
        img_path = osp.join(data_root, 'images', 'val', images[img_id]['file_name'])
        canvas = cv2.imread(img_path)
        extra = 0
        for box, result in zip(boxes, inference_topdown(model, img_path, boxes, bbox_format='xyxy')):
            pred = result.pred_instances
            lambdas = pred.instance_ids if 'instance_ids' in pred else np.zeros(len(pred), dtype=int)
            canvas, n = draw_box_predictions(canvas, box, pred.keypoints, pred.keypoint_scores, lambdas, skeleton)
            extra += n
        tiles.append(canvas)
        titles.append(f'{len(boxes)} boxes, +{extra} from lambda 1')
    cv2.imwrite(out_file, image_grid(tiles, cols=4, titles=titles))


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    start = time.time()
    work_dir = osp.join(ROOT, args.work_dir)
    data_root = osp.join(ROOT, args.data_root)
    config = osp.join(ROOT, args.config)
    py = sys.executable

    if not osp.isfile(osp.join(data_root, 'annotations', 'coco_val.json')):
        run([py, 'tools/dataset_converters/generate_synthetic_crowd.py', data_root, '--num-train',
             str(args.num_train), '--num-val', str(args.num_val), '--seed', str(args.seed), '--layout', 'both'])
    else:
        print(f'using the synthetic crowd set in {args.data_root} (delete it to regenerate)')

    print('\n== evaluating the untrained model (initial weights) ==', flush=True)
    untrained = evaluate_untrained(config, work_dir, data_root)

    t_train = time.time()
    overrides = ['--cfg-options', f'train_cfg.max_epochs={args.epochs}'] if args.epochs else []
    run([py, 'tools/train.py', args.config, '--work-dir', work_dir, '--data-root', data_root, *overrides])
    train_minutes = (time.time() - t_train) / 60
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()

    metrics_file = osp.join(work_dir, 'metrics.json')
    run([py, 'tools/test.py', args.config, checkpoint, '--work-dir', work_dir, '--out', metrics_file,
         '--data-root', data_root])
    with open(metrics_file) as f:
        trained = json.load(f)

    picture = osp.join(work_dir, 'predictions.jpg')
    draw_predictions(config, checkpoint, data_root, picture, args.num_pictures)

    keys = ['coco/AP', 'coco/AP .5', 'coco/AP .75', 'coco/AR']
    print('\n== demo result (synthetic crowd val, ground-truth boxes, CPU) ==')
    print(f'{"model":<12}' + ''.join(f'{k.split("/")[1]:>10}' for k in keys))
    print(f'{"untrained":<12}' + ''.join(f'{untrained[k]:>10.3f}' for k in keys))
    print(f'{"trained":<12}' + ''.join(f'{trained[k]:>10.3f}' for k in keys))
    print(f'\ntraining took {train_minutes:.1f} min, the whole demo {(time.time() - start) / 60:.1f} min')
    print(f'checkpoint: {checkpoint}')
    print(f'picture of predicted poses on validation images: {picture} '
          '(green: lambda 0, the box\'s own person; orange: lambda 1, the other person in the box)')


if __name__ == '__main__':
    main()
