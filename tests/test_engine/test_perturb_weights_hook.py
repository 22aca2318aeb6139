"""PerturbWeightsHook: the noise control moves the initial weights by ``std`` and nothing else."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MMLogger
from torch import nn

from mmpose_ext.engine import PerturbWeightsHook


class Pair(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.student = nn.Linear(50, 40)
        self.other = nn.Linear(4, 4)


def runner_of(model: nn.Module, iteration: int = 0) -> SimpleNamespace:
    return SimpleNamespace(model=model, iter=iteration, logger=MMLogger.get_instance('perturb_test'))


def test_adds_noise_of_the_given_size_from_its_own_generator():
    torch.manual_seed(0)
    model = Pair()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng_state = torch.get_rng_state()
    PerturbWeightsHook(std=1e-3, seed=5).before_train(runner_of(model))
    assert torch.equal(torch.get_rng_state(), rng_state)  # data order and augmentation draw the same numbers
    delta = torch.cat([(model.state_dict()[k] - before[k]).flatten() for k in before])
    assert 0.9e-3 < float(delta.std()) < 1.1e-3 and abs(float(delta.mean())) < 1e-4
    again = Pair()
    again.load_state_dict(before)
    PerturbWeightsHook(std=1e-3, seed=5).before_train(runner_of(again))
    assert all(torch.equal(again.state_dict()[k], model.state_dict()[k]) for k in before)  # same seed, same noise


def test_perturbs_only_the_named_module_and_not_a_resumed_run():
    model = Pair()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    PerturbWeightsHook(std=1e-2, module='student').before_train(runner_of(model))
    assert not torch.equal(model.student.weight, before['student.weight'])
    assert torch.equal(model.other.weight, before['other.weight'])
    resumed = Pair()
    state = {k: v.clone() for k, v in resumed.state_dict().items()}
    PerturbWeightsHook(std=1e-2).before_train(runner_of(resumed, iteration=10))
    assert all(torch.equal(resumed.state_dict()[k], state[k]) for k in state)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match='std must be > 0'):
        PerturbWeightsHook(std=0)
    with pytest.raises(ValueError, match="no module 'teacher'"):
        PerturbWeightsHook(module='teacher').before_train(runner_of(Pair()))
