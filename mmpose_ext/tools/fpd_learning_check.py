"""``python tools/analysis/fpd_learning_check.py``: the FPD learning check on the synthetic crowd set, end to end.

Trains the teacher (once), then for every label fraction, arm and seed one student with the real Runner, each
in its own process and work dir (finished runs are kept and skipped when the command runs again). Every arm of a
label fraction runs the same number of steps, so the student alone is the step-matched control of every other
arm. Arms:

- ``student``: the student alone on the labelled images;
- ``fpd``: the same student, same seed and steps, distilled from the teacher (alpha 0.5);
- ``fpd_unlabeled``: FPD plus unlabeled person crops that only the teacher supervises (at fraction 1 the
  separate unlabeled crop set; below 1 the persons of the unlabelled rest of the training images);
- ``student_perturbed``: the student alone from initial weights moved by N(0, ``--noise-std``), the noise
  control: how far a run moves by chance alone (fraction 1 only).

Then every final checkpoint is scored joint by joint on the validation set (mmpose's PCK@0.1 of the box), each
arm is paired with the student alone of its seed (weight distance, flipped joints, PCK difference) and the
command stops with an error when two arms hold identical weights. One table per label fraction goes to the
screen and to ``WORK_DIR/summary_labels{F}.md`` and ``.json``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

if __package__ in (None, ''):
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEACHER_CFG = 'configs/hourglass_fpd/td-hm_hrnet-lite_synthcrowd-128x128.py'
STUDENT_CFG = 'configs/hourglass_fpd/td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py'
FPD_CFG = 'configs/hourglass_fpd/fpd_hrnet-lite-to-hourglass-s2-64-mobile_synthcrowd-128x128.py'
FPD_UNLABELED_CFG = 'configs/hourglass_fpd/fpd_hourglass-s4-64-to-s2-64-mobile_synthcrowd-128x128-unlabeled.py'
ARMS = ('student', 'fpd', 'fpd_unlabeled', 'student_perturbed')
NOISE_ONLY_AT = 1.0  # the noise control runs at full labels


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='FPD learning check: teacher, student alone, FPD, FPD + unlabeled '
                                     'and a noise control, paired by seed, at several label fractions')
    parser.add_argument('--work-dir', default='work_dirs/fpd_check', help='where runs and the summary go')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--fractions', type=float, nargs='+', default=[1.0, 0.1],
                        help='shares of the training images whose labels are kept')
    parser.add_argument('--arms', nargs='+', default=list(ARMS), choices=ARMS)
    parser.add_argument('--steps', type=int, default=936,
                        help='training steps of every arm (rounded to whole epochs; 936 = 6 epochs of the full set)')
    parser.add_argument('--teacher-ckpt', help='a trained teacher of the teacher config (default: train it once '
                        'into WORK_DIR/teacher)')
    parser.add_argument('--noise-std', type=float, default=1e-6, help='std of the noise control\'s perturbation')
    parser.add_argument('--subset-seed', type=int, default=0, help='seed of the labelled-image split')
    parser.add_argument('--eval-only', action='store_true', help='score the finished runs, train nothing')
    parser.add_argument('--run', nargs=3, metavar=('FRACTION', 'ARM', 'SEED'), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_dir(work_dir: str, fraction: float, arm: str, seed: int) -> str:
    return osp.join(work_dir, f'labels{fraction:g}', f'{arm}_seed{seed}')


def teacher_ckpt(args: argparse.Namespace) -> str:
    return args.teacher_ckpt or osp.join(args.work_dir, 'teacher', 'epoch_12.pth')


def arm_config(args: argparse.Namespace, fraction: float, arm: str, seed: int):
    """The config of one run: the arm's config file, the label fraction, the seed and the step budget."""
    from mmengine.config import Config
    from mmpose.registry import DATASETS

    import mmpose_ext  # noqa: F401  (registers LabelFractionDataset and PerturbWeightsHook by name)

    # types by registered name: the Runner dumps the config as text, where a class object cannot be written
    source = {'student': STUDENT_CFG, 'student_perturbed': STUDENT_CFG, 'fpd': FPD_CFG,
              'fpd_unlabeled': FPD_UNLABELED_CFG if fraction == 1.0 else FPD_CFG}[arm]
    cfg = Config.fromfile(osp.join(ROOT, source))
    if arm.startswith('fpd'):
        cfg.model.teacher_cfg = TEACHER_CFG
        cfg.model.teacher_ckpt = teacher_ckpt(args)
    if fraction < 1.0:
        rest = 'unlabeled' if arm == 'fpd_unlabeled' else 'drop'
        cfg.train_dataloader.dataset = dict(type='LabelFractionDataset', dataset=cfg.train_dataloader.dataset,
                                            fraction=fraction, subset_seed=args.subset_seed, rest=rest)
    if arm == 'student_perturbed':
        cfg.custom_hooks.append(dict(type='PerturbWeightsHook', std=args.noise_std, seed=1000 + seed))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    steps_per_epoch = math.ceil(len(dataset) / cfg.train_dataloader.batch_size)
    epochs = max(1, round(args.steps / steps_per_epoch))
    cfg.train_cfg.update(max_epochs=epochs, val_interval=epochs)
    cfg.param_scheduler[1].update(end=epochs, milestones=[max(1, round(epochs * 5 / 6))])
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs, max_keep_ckpts=1)
    cfg.randomness = dict(seed=seed)
    cfg.work_dir = run_dir(args.work_dir, fraction, arm, seed)
    info = dict(fraction=fraction, arm=arm, seed=seed, config=source, epochs=epochs,
                steps=epochs * steps_per_epoch, samples=len(dataset),
                data=getattr(dataset, 'summary', lambda: f'{len(dataset)} samples')())
    return cfg, info


def train_one(args: argparse.Namespace) -> None:
    """One run in this process (the driver starts one process per run)."""
    import mmpose_ext  # noqa: F401  (registers the plugin)
    from mmpose_ext.engine.runner import build_runner

    fraction, arm, seed = float(args.run[0]), args.run[1], int(args.run[2])
    cfg, info = arm_config(args, fraction, arm, seed)
    os.makedirs(cfg.work_dir, exist_ok=True)
    start = time.time()
    build_runner(cfg).train()
    info.update(checkpoint=osp.join(cfg.work_dir, f'epoch_{info["epochs"]}.pth'),
                train_seconds=round(time.time() - start, 1))
    with open(osp.join(cfg.work_dir, 'done.json'), 'w') as f:
        json.dump(info, f, indent=1)


def launch(cmd: List[str], log: str) -> None:
    os.makedirs(osp.dirname(log), exist_ok=True)
    with open(log, 'w') as out:
        code = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=os.getcwd())
    if code:
        with open(log) as f:
            tail = f.read().splitlines()[-5:]
        raise SystemExit(f'error: {" ".join(cmd)} failed (exit {code}); log {log}:\n' + '\n'.join(tail))


def planned_runs(args: argparse.Namespace) -> List[tuple]:
    """Seed by seed, so that an interrupted check leaves complete pairs."""
    runs = []
    for seed in args.seeds:
        for fraction in args.fractions:
            runs += [(fraction, arm, seed) for arm in args.arms
                     if arm != 'student_perturbed' or fraction == NOISE_ONLY_AT]
    return runs


def train_all(args: argparse.Namespace) -> None:
    if not args.teacher_ckpt and not osp.isfile(teacher_ckpt(args)):
        print(f'[teacher] training {TEACHER_CFG} into {args.work_dir}/teacher', flush=True)
        launch([sys.executable, osp.join(ROOT, 'tools', 'train.py'), osp.join(ROOT, TEACHER_CFG), '--work-dir',
                osp.join(args.work_dir, 'teacher')], osp.join(args.work_dir, 'teacher.log'))
    if not osp.isfile(teacher_ckpt(args)):
        raise SystemExit(f'error: teacher checkpoint {teacher_ckpt(args)} not found (give --teacher-ckpt)')
    runs = planned_runs(args)
    for index, (fraction, arm, seed) in enumerate(runs, 1):
        where = run_dir(args.work_dir, fraction, arm, seed)
        if osp.isfile(osp.join(where, 'done.json')):
            print(f'[{index}/{len(runs)}] {where}: done before, kept', flush=True)
            continue
        start = time.time()
        print(f'[{index}/{len(runs)}] {where}: training ...', end='', flush=True)
        cmd = [sys.executable, osp.abspath(__file__), '--work-dir', args.work_dir, '--steps', str(args.steps),
               '--noise-std', str(args.noise_std), '--subset-seed', str(args.subset_seed),
               '--run', f'{fraction:g}', arm, str(seed)]
        if args.teacher_ckpt:
            cmd += ['--teacher-ckpt', args.teacher_ckpt]
        launch(cmd, where + '.log')
        print(f' {time.time() - start:.0f} s', flush=True)


def evaluate_all(args: argparse.Namespace) -> List[Dict]:
    """Scores every finished run, pairs each arm with the student alone of its seed and label fraction, and
    writes one summary per label fraction (``summary_labels{F}.md`` and ``.json``)."""
    import mmpose_ext  # noqa: F401
    from mmengine.config import Config

    from mmpose_ext.analysis.paired_arms import (check_arms_differ, flipped_joints, joint_scores,
                                                 load_student_weights, paired_summary, weight_distance)

    student_cfg = Config.fromfile(osp.join(ROOT, STUDENT_CFG))
    teacher = joint_scores(Config.fromfile(osp.join(ROOT, TEACHER_CFG)), load_student_weights(teacher_ckpt(args)))
    results = []
    for fraction in args.fractions:
        rows, scores, weights = [], {}, {}
        for _, arm, seed in [run for run in planned_runs(args) if run[0] == fraction]:
            done = osp.join(run_dir(args.work_dir, fraction, arm, seed), 'done.json')
            if not osp.isfile(done):
                raise SystemExit(f'error: {done} not found: run {arm} (labels {fraction:g}, seed {seed}) has not '
                                 'finished; run the command without --eval-only')
            with open(done) as f:
                info = json.load(f)
            weights[arm, seed] = load_student_weights(info['checkpoint'])
            scores[arm, seed] = joint_scores(student_cfg, weights[arm, seed])
            rows.append(dict(info, pck=scores[arm, seed].pck))
        for row in rows:
            key, base = (row['arm'], row['seed']), ('student', row['seed'])
            if row['arm'] == 'student' or base not in scores:
                continue
            row['distance'] = weight_distance(weights[key], weights[base], (f'{key}', f'{base}'))
            row['flips'] = flipped_joints(scores[key], scores[base])
            row['gain'] = row['pck'] - scores[base].pck
            check_arms_differ(f'{row["arm"]} (labels {fraction:g}, seed {row["seed"]})',
                              f'student (seed {row["seed"]})', row['distance'], row['flips'])
        summary = []
        for arm in args.arms:
            mine = [r for r in rows if r['arm'] == arm]
            if not mine:
                continue
            entry = dict(fraction=fraction, arm=arm, seeds=[r['seed'] for r in mine],
                         pck=[r['pck'] for r in mine], steps=mine[0]['steps'], data=mine[0]['data'])
            if 'gain' in mine[0]:
                entry.update(gain=paired_summary([r['gain'] for r in mine]),
                             distance=[r['distance'] for r in mine], flips=[r['flips'] for r in mine])
            summary.append(entry)
        result = dict(fraction=fraction, teacher_pck=teacher.pck, visible_joints=int(teacher.visible.sum()),
                      runs=rows, summary=summary)
        name = osp.join(args.work_dir, f'summary_labels{fraction:g}')
        with open(name + '.json', 'w') as f:
            json.dump(result, f, indent=1)
        text = summary_markdown(result)
        with open(name + '.md', 'w') as f:
            f.write(text)
        print(text, flush=True)
        results.append(result)
    return results


def summary_markdown(result: Dict) -> str:
    lines = [f'labels {result["fraction"]:g}: {result["summary"][0]["data"]}; teacher PCK@0.1 '
             f'{result["teacher_pck"]:.4f}; {result["visible_joints"]} visible val joints', '',
             '| labels | arm | steps | PCK@0.1 per seed | mean | paired gain over the student alone per seed | '
             'mean gain [95% CI] | weight distance | joints flipped |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for entry in result['summary']:
        pck = ', '.join(f'{v:.4f}' for v in entry['pck'])
        gain = entry.get('gain')
        if gain:
            runs = [r for r in result['runs'] if r['arm'] == entry['arm']]
            per_seed = ', '.join(f'{r["gain"]:+.4f}' for r in runs)
            ci = (f' [{gain["ci_low"]:+.4f}, {gain["ci_high"]:+.4f}]' if gain['ci_low'] is not None else '')
            extra = (f'{per_seed} | {gain["mean"]:+.4f}{ci} | '
                     f'{", ".join(f"{d:.2f}" for d in entry["distance"])} | '
                     f'{", ".join(str(n) for n in entry["flips"])}')
        else:
            extra = '- | - | - | -'
        lines.append(f'| {entry["fraction"]:g} | {entry["arm"]} | {entry["steps"]} | {pck} | '
                     f'{sum(entry["pck"]) / len(entry["pck"]):.4f} | {extra} |')
    return '\n'.join(lines) + '\n'


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    for fraction in args.fractions:
        if not 0.0 < fraction <= 1.0:
            raise SystemExit(f'error: --fractions: {fraction} is not in (0, 1]')
    if args.run:
        train_one(args)
        return
    if not args.eval_only:
        train_all(args)
    evaluate_all(args)


if __name__ == '__main__':
    main()
