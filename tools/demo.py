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

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

DEFAULT_CONFIG = 'configs/td-hm_mipnet-lite_synthcrowd-128x96.py'
LAMBDA_COLOURS = ((60, 220, 60), (0, 140, 255), (255, 80, 200), (255, 220, 0))  # BGR: green, orange, ...


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/synthetic_crowd')
    parser.add_argument('--num-train', type=int, default=1000)
    parser.add_argument('--num-val', type=int, default=100)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-pictures', type=int, default=8, help='validation images in the picture')
    parser.add_argument('--epochs', type=int, help='override the config\'s number of training epochs')
    return parser.parse_args()


def run(cmd):
    print('\n$ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def data_root_overrides(config, data_root):
    """Config entries that point every loader and evaluator at ``data_root`` (for --cfg-options and in-process).

    A wrapped training set (MIPNet's ``MultiInstanceDataset``) has its data root one level down."""
    from mmengine.config import Config
    root = data_root.rstrip('/') + '/'
    val_ann = root + 'annotations/coco_val.json'
    train = Config.fromfile(config).train_dataloader.dataset
    train_key = 'train_dataloader.dataset.dataset' if 'dataset' in train else 'train_dataloader.dataset'
    return {f'{train_key}.data_root': root, 'val_dataloader.dataset.data_root': root,
            'test_dataloader.dataset.data_root': root, 'val_evaluator.ann_file': val_ann,
            'test_evaluator.ann_file': val_ann}


def as_cfg_options(overrides):
    return [f'{key}={value}' for key, value in overrides.items()]


def evaluate_untrained(config, work_dir, data_root):
    """COCO AP of the config's model with its initial weights (what training starts from)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    import mmpose_ext  # noqa: F401
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(data_root_overrides(config, data_root))
    cfg.work_dir = osp.join(work_dir, 'untrained')
    runner = Runner.from_cfg(cfg)
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
    from mmpose_ext.visualization import draw_poses, image_grid
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
            size = np.hypot(box[2] - box[0], box[3] - box[1])
            for kpts, scores, lam in zip(pred.keypoints, pred.keypoint_scores, lambdas):
                if lam > 0 and (np.linalg.norm(kpts - pred.keypoints[0], axis=-1).mean() < 0.05 * size
                                or (scores >= 0.3).sum() < 4):
                    continue  # the box's own person again, or too unsure to show
                extra += int(lam > 0)
                canvas = draw_poses(canvas, kpts[None], scores[None], skeleton,
                                    colors=[LAMBDA_COLOURS[int(lam) % len(LAMBDA_COLOURS)]],
                                    boxes=box[None] if lam == 0 else None)
        tiles.append(canvas)
        titles.append(f'{len(boxes)} boxes, +{extra} from lambda 1')
    cv2.imwrite(out_file, image_grid(tiles, cols=4, titles=titles))


def main():
    args = parse_args()
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
    overrides = as_cfg_options(data_root_overrides(config, data_root))
    if args.epochs:
        overrides.append(f'train_cfg.max_epochs={args.epochs}')
    run([py, 'tools/train.py', args.config, '--work-dir', work_dir, '--cfg-options', *overrides])
    train_minutes = (time.time() - t_train) / 60
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()

    metrics_file = osp.join(work_dir, 'metrics.json')
    run([py, 'tools/test.py', args.config, checkpoint, '--work-dir', work_dir, '--out', metrics_file,
         '--cfg-options', *as_cfg_options(data_root_overrides(config, data_root))])
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
