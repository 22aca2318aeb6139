"""tools/analysis/higherhrnet_benchmark.py on the small synthetic config: parameters, GFLOPs, the AE loss's share of
a training step, flip-test images/s with the per-image profile, and the decoding of real-looking maps, to JSON."""
import json
from pathlib import Path

from mmpose_ext.tools.higherhrnet_benchmark import main

CONFIG = 'configs/higherhrnet/ae_higherhrnet-lite_synthcrowd-256x256.py'


def test_reports_size_loss_share_and_speed(repo_root: Path, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(repo_root)
    out = tmp_path / 'hh.json'
    main([CONFIG, '--train-batch', '1', '--infer-batches', '1', '--skip', 'multiscale', '--warmup', '0', '--iters',
          '1', '--out', str(out)])
    result = json.loads(out.read_text())
    assert abs(result['params_m'] - 1.3208) < 1e-3 and result['gflops'] > 0.5
    assert 0 < result['ae_loss_s'] < result['train_step_s'] and 0 < result['ae_loss_share'] < 1
    assert result['infer_single_b1_img_s'] > 0
    prof = result['infer_single_b1_profile']
    # initialised as training does (N(0, 0.001) head): no joint above 0.1, so no spurious group to decode
    assert prof['groups_per_image'] == 0 and prof['network_ms'] > 0 and prof['decode_host_ms'] >= 0
    decode = result['decode_profile']
    assert decode['persons'] == 20 and decode['map_size'] == [256, 256] and decode['groups_per_image'] >= 20
    assert decode['host_ms'] > 0 and decode['device_ms'] > 0
