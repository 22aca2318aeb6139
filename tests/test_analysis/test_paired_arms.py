"""Paired comparison of two training arms: weight distance, flipped joints, the identical-arms stop, the CI."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from mmpose_ext.analysis.paired_arms import (IdenticalArmsError, JointScores, check_arms_differ, flipped_joints,
                                             joint_scores, load_student_weights, paired_summary, weight_distance)

ROOT = Path(__file__).resolve().parents[2]
STUDENT = ROOT / 'configs/hourglass_fpd/td-hm_hourglass-s2-64-mobile_synthcrowd-128x128.py'


def student_on(data: Path) -> Config:
    cfg = Config.fromfile(str(STUDENT))
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False, batch_size=4)
    cfg.test_dataloader.dataset.update(data_root=str(data) + '/', ann_file='annotations/coco_val.json',
                                       data_prefix=dict(img='images/val/'))
    return cfg


def random_weights(cfg: Config, seed: int) -> dict:
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)  # heatmaps with peaks somewhere, not flat
    return {k: v.clone() for k, v in model.state_dict().items() if not k.startswith('data_preprocessor.')}


def test_weight_distance_is_the_l2_norm_of_the_difference():
    a = dict(w=torch.zeros(3), b=torch.zeros(2), n=torch.tensor(5), **{'bn.running_var': torch.ones(2)})
    b = dict(w=torch.tensor([3.0, 0.0, 0.0]), b=torch.tensor([0.0, 4.0]), n=torch.tensor(9),
             **{'bn.running_var': torch.full((2, ), 100.0)})
    # integer buffers (num_batches_tracked) and BatchNorm running statistics do not count
    assert weight_distance(a, b) == pytest.approx(5.0)
    assert weight_distance(a, a) == 0.0
    with pytest.raises(ValueError, match='different weights'):
        weight_distance(a, dict(w=torch.zeros(3)))


def test_flips_count_joints_whose_status_differs_and_identical_arms_stop():
    visible = np.array([[True, True, False], [True, True, True]])
    a = JointScores(correct=np.array([[True, False, False], [True, True, False]]), visible=visible, pck=0.0)
    b = JointScores(correct=np.array([[False, False, False], [True, True, True]]), visible=visible, pck=0.0)
    assert flipped_joints(a, b) == 2 and flipped_joints(a, a) == 0
    check_arms_differ('fpd', 'student', distance=0.5, flips=0)  # different weights: fine even without flips
    with pytest.raises(IdenticalArmsError, match='fpd and student hold identical weights'):
        check_arms_differ('fpd', 'student', distance=0.0, flips=0)


def test_paired_summary_is_the_mean_with_a_student_t_interval():
    out = paired_summary([0.01, 0.02, 0.03])
    half = 4.302652729911275 * 0.01 / math.sqrt(3)  # t(0.975, 2 df) * sd / sqrt(n)
    assert out['n'] == 3 and out['mean'] == pytest.approx(0.02) and out['std'] == pytest.approx(0.01)
    assert out['ci_low'] == pytest.approx(0.02 - half) and out['ci_high'] == pytest.approx(0.02 + half)
    assert paired_summary([0.5])['ci_low'] is None
    with pytest.raises(ValueError):
        paired_summary([])


def test_joint_scores_agree_with_mmposes_pck_and_fpd_checkpoints_load_as_their_student(tiny_set, tmp_path):
    cfg = student_on(tiny_set)
    weights = random_weights(cfg, 0)
    scores = joint_scores(cfg, weights)
    assert scores.correct.shape == scores.visible.shape and scores.visible.sum() > 0
    assert not (scores.correct & ~scores.visible).any()
    per_type = [scores.correct[:, k][scores.visible[:, k]].mean() for k in range(scores.visible.shape[1])
                if scores.visible[:, k].any()]
    assert scores.pck == pytest.approx(float(np.mean(per_type)))  # mmpose: mean over joint types
    # an FPD checkpoint (student.* keys) gives the same weights and scores as the exported student
    torch.save(dict(state_dict={f'student.{k}': v for k, v in weights.items()}, meta={}), tmp_path / 'fpd.pth')
    torch.save(dict(state_dict=weights, meta={}), tmp_path / 'plain.pth')
    from_fpd = load_student_weights(str(tmp_path / 'fpd.pth'))
    assert weight_distance(from_fpd, load_student_weights(str(tmp_path / 'plain.pth'))) == 0.0
    assert np.array_equal(joint_scores(cfg, from_fpd).correct, scores.correct)
    other = joint_scores(cfg, random_weights(cfg, 1))
    assert weight_distance(weights, random_weights(cfg, 1)) > 0
    assert flipped_joints(scores, other) == int((scores.correct != other.correct).sum())


def test_learning_check_stops_when_two_arms_are_the_same_checkpoint(tiny_set, tmp_path, monkeypatch):
    """The procedure's own guard: an FPD run whose checkpoint holds the student-alone weights is an error."""
    from mmpose_ext.tools import fpd_learning_check as check
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'data').mkdir()
    (tmp_path / 'data' / 'synthetic_crowd').symlink_to(tiny_set)
    cfg = student_on(tiny_set)
    teacher_cfg = Config.fromfile(str(ROOT / check.TEACHER_CFG))
    torch.save(dict(state_dict=MODELS.build(teacher_cfg.model).state_dict()), tmp_path / 'teacher.pth')
    weights = random_weights(cfg, 0)

    def finished(arm: str, state: dict) -> None:
        where = Path(check.run_dir('work', 1.0, arm, 0))
        where.mkdir(parents=True)
        torch.save(dict(state_dict=state), where / 'epoch_6.pth')
        (where / 'done.json').write_text(json.dumps(dict(fraction=1.0, arm=arm, seed=0, steps=936, data='d',
                                                         checkpoint=str(where / 'epoch_6.pth'))))

    finished('student', weights)
    finished('fpd', {f'student.{k}': v for k, v in weights.items()})  # the same model, saved by the distiller
    args = ['--work-dir', 'work', '--seeds', '0', '--fractions', '1', '--arms', 'student', 'fpd',
            '--teacher-ckpt', str(tmp_path / 'teacher.pth'), '--eval-only']
    with pytest.raises(IdenticalArmsError, match=r'fpd \(labels 1, seed 0\) and student \(seed 0\) hold identical'):
        check.main(args)
    (Path(check.run_dir('work', 1.0, 'fpd', 0)) / 'epoch_6.pth').unlink()
    torch.save(dict(state_dict={f'student.{k}': v for k, v in random_weights(cfg, 1).items()}),
               Path(check.run_dir('work', 1.0, 'fpd', 0)) / 'epoch_6.pth')
    check.main(args)
    summary = json.loads((tmp_path / 'work' / 'summary_labels1.json').read_text())
    fpd = [r for r in summary['runs'] if r['arm'] == 'fpd'][0]
    assert fpd['distance'] > 0 and fpd['gain'] == pytest.approx(fpd['pck'] - summary['runs'][0]['pck'])
    assert '| 1 | fpd | 936 |' in (tmp_path / 'work' / 'summary_labels1.md').read_text()


@pytest.mark.parametrize('fraction, arm', [(1.0, 'student_perturbed'), (0.5, 'fpd_unlabeled'), (0.5, 'student')])
def test_learning_check_configs_can_be_written_as_the_runner_dumps_them(tiny_set, tmp_path, monkeypatch, fraction,
                                                                       arm):
    """The arms add a hook and a dataset wrapper; a class object there made the Runner's config dump fail."""
    from mmpose_ext.tools import fpd_learning_check as check
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'data').mkdir()
    (tmp_path / 'data' / 'synthetic_crowd').symlink_to(tiny_set)
    cfg, info = check.arm_config(check.parse_args(['--steps', '4']), fraction, arm, seed=3)
    cfg.dump(str(tmp_path / 'dumped.py'))
    dumped = Config.fromfile(str(tmp_path / 'dumped.py'))
    assert dumped.randomness.seed == 3 and dumped.train_cfg.max_epochs == info['epochs']
    if fraction < 1.0:
        assert dumped.train_dataloader.dataset.type == 'LabelFractionDataset'
        assert dumped.train_dataloader.dataset.rest == ('unlabeled' if arm == 'fpd_unlabeled' else 'drop')
    if arm == 'student_perturbed':
        assert dumped.custom_hooks[-1].type == 'PerturbWeightsHook'
