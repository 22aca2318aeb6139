"""AELossRampHook: the AE loss factors of a HigherHRNet head are 0, then ramp linearly to the config's."""
from types import SimpleNamespace

import pytest
from mmengine.logging import MessageHub

from mmpose_ext.engine import AELossRampHook
from mmpose_ext.models import HigherHRNetHead


def test_ramp_scales_pull_and_push_factors():
    head = HigherHRNetHead(in_channels=8, num_keypoints=3, deconv_out_channels=(8, ), num_basic_blocks=0,
                           loss=dict(type='HigherHRNetLoss', push_loss_factor=(2e-2, 2e-2),
                                     pull_loss_factor=(1e-2, 1e-2), ae_loss_type='max'))
    runner = SimpleNamespace(model=SimpleNamespace(head=head), iter=0,
                             message_hub=MessageHub.get_instance('ae_ramp_test'))
    hook = AELossRampHook(start_iter=10, ramp_iters=4)
    seen = []
    for it in (0, 9, 10, 11, 13, 50, 3):  # back to 3 as after resuming at an earlier checkpoint
        runner.iter = it
        hook.before_train_iter(runner, it)
        ae = head.loss_module.ae_losses[0]
        seen.append((ae.push_loss_factor, ae.pull_loss_factor))
    assert seen[0] == seen[1] == (0.0, 0.0)
    assert seen[2] == pytest.approx((0.005, 0.0025)) and seen[3] == pytest.approx((0.01, 0.005))
    assert seen[4] == seen[5] == pytest.approx((0.02, 0.01)) and seen[6] == (0.0, 0.0)
    assert runner.message_hub.get_scalar('train/ae_scale').current() == 0.0
    with pytest.raises(ValueError):
        AELossRampHook(start_iter=-1)
