"""The grouping benchmark runs both codecs on the same small inputs and reports consistent figures."""
import json

from mmpose_ext.tools.grouping_benchmark import main, synthetic_ae_outputs


def test_grouping_benchmark_small(tmp_path, capsys):
    out = tmp_path / 'grouping.json'
    result = main(['--images', '2', '--persons', '5', '--false-peaks', '1', '--heatmap-size', '32', '32',
                   '--topk', '8', '--rounds', '1', '--warmup', '0', '--out', str(out)])
    assert json.loads(out.read_text()) == result
    for name in ('mmpose', 'fast'):
        assert all(result[name][key] > 0 for key in ('grouping', 'refine', 'grouping+refine', 'decode'))
    assert result['speedup']['grouping'] == result['mmpose']['grouping'] / result['fast']['grouping']
    assert result['same_poses_with_munkres_solver'] == 2  # only tie-breaking may separate the two codecs
    assert 0 < result['candidates_per_joint'] <= 8
    assert 'speed-up' in capsys.readouterr().out


def test_synthetic_outputs_layout():
    heatmaps, tags = synthetic_ae_outputs(2, 14, (24, 16), persons=3, false_peaks=1, tag_dim=2, seed=0)
    assert heatmaps.shape == (2, 14, 16, 24) and tags.shape == (2, 28, 16, 24)
    assert 0.3 <= float(heatmaps.max()) <= 1.0

