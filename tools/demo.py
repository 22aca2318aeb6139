"""`make demo`: synthetic crowd data -> train a small top-down model on this machine -> AP table -> picture.

    python tools/demo.py [--config CONFIG] [--work-dir work_dirs/demo] [--num-train 1000] [--num-val 100]

Every step is one of the project's ordinary commands, printed before it runs, so it can be repeated by hand.
The untrained model (same config, initial weights) is evaluated first, so the table shows what training bought.
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

DEFAULT_CONFIG = 'configs/td-hm_hrnet-lite_synthcrowd-128x96.py'


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


def data_root_overrides(data_root):
    """Config entries that point every loader and evaluator at ``data_root`` (for --cfg-options and in-process)."""
    root = data_root.rstrip('/') + '/'
    val_ann = root + 'annotations/coco_val.json'
    return {'train_dataloader.dataset.data_root': root, 'val_dataloader.dataset.data_root': root,
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
    cfg.merge_from_dict(data_root_overrides(data_root))
    cfg.work_dir = osp.join(work_dir, 'untrained')
    runner = Runner.from_cfg(cfg)
    runner.model.init_weights()
    return runner.test()


def draw_predictions(config, checkpoint, data_root, out_file, num_images):
    """Predicted poses (ground-truth boxes) on the first validation images, tiled into one picture."""
    import cv2
    import numpy as np
    from mmpose.apis import inference_topdown, init_model
    from xtcocotools.coco import COCO

    from mmpose_ext.visualization import draw_poses, image_grid
    model = init_model(config, checkpoint, device='cpu')
    coco = COCO(osp.join(data_root, 'annotations', 'coco_val.json'))
    skeleton = model.dataset_meta['skeleton_links']
    tiles, titles = [], []
    for img_id in sorted(coco.getImgIds())[:num_images]:
        info = coco.loadImgs(img_id)[0]
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id))
        boxes = np.array([[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2], a['bbox'][1] + a['bbox'][3]]
                          for a in anns], dtype=np.float32)
        img_path = osp.join(data_root, 'images', 'val', info['file_name'])
        results = inference_topdown(model, img_path, boxes, bbox_format='xyxy')
        kpts = np.concatenate([r.pred_instances.keypoints for r in results])
        scores = np.concatenate([r.pred_instances.keypoint_scores for r in results])
        tiles.append(draw_poses(cv2.imread(img_path), kpts, scores, skeleton, boxes=boxes))
        titles.append(f'image {img_id}: {len(anns)} persons')
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
    overrides = as_cfg_options(data_root_overrides(data_root))
    if args.epochs:
        overrides.append(f'train_cfg.max_epochs={args.epochs}')
    run([py, 'tools/train.py', args.config, '--work-dir', work_dir, '--cfg-options', *overrides])
    train_minutes = (time.time() - t_train) / 60
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()

    metrics_file = osp.join(work_dir, 'metrics.json')
    run([py, 'tools/test.py', args.config, checkpoint, '--work-dir', work_dir, '--out', metrics_file,
         '--cfg-options', *as_cfg_options(data_root_overrides(data_root))])
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
    print(f'picture of predicted poses on validation images: {picture}')


if __name__ == '__main__':
    main()
