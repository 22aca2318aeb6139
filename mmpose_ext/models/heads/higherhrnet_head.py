"""HigherHRNet's higher-resolution head: heatmaps + tags at 1/4, deconvolution to 1/2, heatmaps again."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData, PixelData
from mmpose.models.backbones.resnet import BasicBlock
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.typing import ConfigType, Features, OptConfigType, OptMultiConfig, OptSampleList
from torch import Tensor, nn

from .ae_oracle import apply_oracle

_DECONV_PADDING = {4: (1, 0), 3: (1, 1), 2: (0, 0)}  # kernel -> (padding, output_padding) for an exact 2x


def _resize(x: Tensor, size: Tuple[int, int], align_corners: bool) -> Tensor:
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode='bilinear', align_corners=align_corners)


@MODELS.register_module()
class HigherHRNetHead(BaseHead):
    """The higher-resolution head of HigherHRNet, trainable, with the reference's test-time aggregation.

    Output 0: a ``final_conv_kernel`` conv from the 1/4 feature to K heatmaps followed by the tag maps (K * L
    channels with ``tag_per_keypoint``, else L), or K heatmaps only where ``with_ae_loss[0]`` is False. Then for
    each of ``num_deconvs`` stages: concat(feature, previous output) where ``cat_output[i]``, ConvTranspose2d
    (stride 2, no bias) + BN + ReLU + ``num_basic_blocks`` mmpose ``BasicBlock``, and a conv to the next output
    (heatmaps, plus tags where ``with_ae_loss[i + 1]``). Module names follow the reference (``final_layers.i``,
    ``deconv_layers.i.0`` = deconv/BN, ``deconv_layers.i.j`` = BasicBlock j), so its checkpoints map by prefix.
    Convolutions are initialised from N(0, 0.001), BN to 1/0, as the reference does.

    mmpose's ``AssociativeEmbeddingHead`` is a one-resolution ``HeatmapHead`` whose loss does not run as shipped,
    hence a new ``BaseHead``: ``loss`` supervises every output through :class:`HigherHRNetLoss` with the
    multi-level targets, masks and tag indices of ``GenerateHigherHRNetTargets``; ``predict`` follows the
    reference's test (flip, multi-scale, aggregation, projection to the input size) and decodes batches of any
    size with the configured AE decoder (padding of a batch does not move coordinates: it is bottom/right).

    From `HigherHRNet: Scale-Aware Representation Learning for Bottom-Up Human Pose Estimation` (Cheng et al.,
    CVPR 2020).

    Args:
        in_channels: channels of the 1/4 backbone feature (the last of the backbone's outputs is used).
        num_keypoints: K.
        tag_dim: L, the tag dimension (1 in the reference).
        tag_per_keypoint: one tag map per joint (``MODEL.TAG_PER_JOINT``).
        num_deconvs: deconvolution stages (``DECONV.NUM_DECONVS``).
        deconv_out_channels: per stage (``DECONV.NUM_CHANNELS``).
        deconv_kernel_sizes: per stage, 2, 3 or 4 (``DECONV.KERNEL_SIZE``).
        num_basic_blocks: BasicBlocks after each deconvolution (``DECONV.NUM_BASIC_BLOCKS``).
        cat_output: per stage, concat the previous output to the feature (``DECONV.CAT_OUTPUT``).
        with_ae_loss: per output, whether it carries tags (``LOSS.WITH_AE_LOSS``).
        final_conv_kernel: 1 or 3 (``MODEL.EXTRA.FINAL_CONV_KERNEL``).
        loss: :class:`HigherHRNetLoss` config (the ``LOSS`` section); ``num_stages`` and ``tag_per_keypoint``
            are filled in from the head.
        decoder: AE codec config for ``predict`` (mmpose's ``AssociativeEmbedding`` or a drop-in with the same
            ``batch_decode``); its ``scale_factor`` is replaced by the real ratio of input to decoded map.
        init_cfg: mmengine init config; default as the reference.

    Test-time options (``model.test_cfg``): ``flip_test``, ``multiscale_test``, ``aggregation`` (``'official'``:
    lower outputs resized to the last output's size, averaged, then projected; ``'mmpose0x'``: every output
    resized straight to the projected size, then averaged), ``project2image`` (decode at the input size, default
    True), ``align_corners`` (False), ``with_heatmaps`` / ``with_ae`` (per output, which ones feed the
    heatmaps and tags; default all heatmaps and the tagged outputs), ``output_heatmaps``, ``oracle``
    (``'heatmaps'``, ``'tags'`` or ``'both'``: ground truth in place of the network's maps, see ``ae_oracle.py``).
    """

    def __init__(self, in_channels: int, num_keypoints: int, tag_dim: int = 1, tag_per_keypoint: bool = True,
                 num_deconvs: int = 1, deconv_out_channels: Sequence[int] = (32, ),
                 deconv_kernel_sizes: Sequence[int] = (4, ), num_basic_blocks: int = 4,
                 cat_output: Sequence[bool] = (True, ), with_ae_loss: Sequence[bool] = (True, False),
                 final_conv_kernel: int = 1, loss: ConfigType = dict(type='HigherHRNetLoss'),
                 decoder: OptConfigType = None, init_cfg: OptMultiConfig = None) -> None:
        if init_cfg is None:
            init_cfg = [dict(type='Normal', layer=['Conv2d', 'ConvTranspose2d'], std=0.001),
                        dict(type='Constant', layer=['BatchNorm2d'], val=1)]
        super().__init__(init_cfg)
        name = type(self).__name__
        for key, value in (('deconv_out_channels', deconv_out_channels), ('deconv_kernel_sizes', deconv_kernel_sizes),
                           ('cat_output', cat_output)):
            if len(value) != num_deconvs:
                raise ValueError(f'{name}: {key} has {len(value)} entries for num_deconvs={num_deconvs}')
        if len(with_ae_loss) != num_deconvs + 1:
            raise ValueError(f'{name}: with_ae_loss needs num_deconvs + 1 = {num_deconvs + 1} entries')
        if final_conv_kernel not in (1, 3):
            raise ValueError(f'{name}: final_conv_kernel must be 1 or 3, got {final_conv_kernel}')
        bad = [k for k in deconv_kernel_sizes if k not in _DECONV_PADDING]
        if bad:
            raise ValueError(f'{name}: deconv kernel sizes must be 2, 3 or 4, got {bad}')
        self.in_channels = in_channels
        self.num_keypoints = num_keypoints
        self.tag_dim = tag_dim
        self.tag_per_keypoint = tag_per_keypoint
        self.num_deconvs = num_deconvs
        self.cat_output = list(cat_output)
        self.with_ae_loss = list(with_ae_loss)
        self.num_tag_channels = num_keypoints * tag_dim if tag_per_keypoint else tag_dim

        widths = [in_channels] + list(deconv_out_channels)
        self.final_layers = nn.ModuleList([
            nn.Conv2d(widths[i], self._out_channels(i), final_conv_kernel, 1, final_conv_kernel // 2)
            for i in range(num_deconvs + 1)])
        self.deconv_layers = nn.ModuleList()
        for i in range(num_deconvs):
            cin = widths[i] + (self._out_channels(i) if cat_output[i] else 0)
            cout = widths[i + 1]
            padding, output_padding = _DECONV_PADDING[deconv_kernel_sizes[i]]
            layers = [nn.Sequential(
                nn.ConvTranspose2d(cin, cout, deconv_kernel_sizes[i], 2, padding, output_padding, bias=False),
                nn.BatchNorm2d(cout), nn.ReLU(inplace=True))]
            layers += [nn.Sequential(BasicBlock(cout, cout)) for _ in range(num_basic_blocks)]
            self.deconv_layers.append(nn.Sequential(*layers))

        loss = dict(loss)
        loss.setdefault('num_stages', num_deconvs + 1)
        loss.setdefault('tag_per_keypoint', tag_per_keypoint)
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder is not None else None

    def _out_channels(self, i: int) -> int:
        return self.num_keypoints + (self.num_tag_channels if self.with_ae_loss[i] else 0)

    def forward(self, feats: Union[Tensor, Sequence[Tensor]]) -> List[Tensor]:
        """Raw outputs, 1/4 first: ``(B, K [+ tags], H/4, W/4)``, then one per deconvolution stage."""
        x = feats if isinstance(feats, Tensor) else feats[-1]
        y = self.final_layers[0](x)
        outputs = [y]
        for i in range(self.num_deconvs):
            if self.cat_output[i]:
                x = torch.cat((x, y), 1)
            x = self.deconv_layers[i](x)
            y = self.final_layers[i + 1](x)
            outputs.append(y)
        return outputs

    def split_outputs(self, outputs: Sequence[Tensor]) -> Tuple[List[Tensor], List[Optional[Tensor]]]:
        """``(heatmaps, tags)`` per output; tags are None where the output has none."""
        k = self.num_keypoints
        return ([o[:, :k] for o in outputs],
                [o[:, k:] if self.with_ae_loss[i] else None for i, o in enumerate(outputs)])

    # training -------------------------------------------------------------------------------------------------
    def loss(self, feats: Tuple[Tensor], batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> Dict[str, Tensor]:
        heatmaps, tags = self.split_outputs(self.forward(feats))
        levels = len(heatmaps)
        gt_fields = [d.gt_fields for d in batch_data_samples]
        gt_heatmaps, masks = [], []
        for i in range(levels):
            gt = torch.stack([f.heatmaps[i] for f in gt_fields]).to(heatmaps[i].device)
            mask = torch.stack([f.heatmap_mask[i] for f in gt_fields]).to(heatmaps[i].device)
            if gt.shape != heatmaps[i].shape or tuple(mask.shape[-2:]) != tuple(gt.shape[-2:]):
                raise ValueError(
                    f'{type(self).__name__}: output {i} is {tuple(heatmaps[i].shape)} but its target is '
                    f'{tuple(gt.shape)} with mask {tuple(mask.shape)}: heatmap sizes of the targets must be '
                    f'1/4, 1/2, ... of the input ({levels} levels)')
            gt_heatmaps.append(gt)
            masks.append(mask)
        indices = [d.gt_instance_labels.keypoint_indices for d in batch_data_samples]
        return self.loss_module(heatmaps, tags, gt_heatmaps, masks, indices)

    # inference ------------------------------------------------------------------------------------------------
    def _flip_back(self, output: Tensor, level: int, flip_indices: Sequence[int]) -> Tensor:
        k = self.num_keypoints
        output = output.flip(-1)
        heatmaps = output[:, :k][:, flip_indices]
        if not self.with_ae_loss[level]:
            return heatmaps
        tags = output[:, k:]
        if self.tag_per_keypoint:
            b, c, h, w = tags.shape
            tags = tags.reshape(b, self.tag_dim, k, h, w)[:, :, flip_indices].reshape(b, c, h, w)
        return torch.cat([heatmaps, tags], 1)

    def aggregate_outputs(self, outputs: Sequence[Tensor], size: Optional[Tuple[int, int]],
                          test_cfg: ConfigType) -> Tuple[Tensor, Optional[Tensor]]:
        """Heatmaps averaged over the outputs and tags concatenated, at ``size`` (None: the last output's).

        ``aggregation='official'`` resizes every output to the last (highest-resolution) one, averages, then
        resizes to ``size``; ``'mmpose0x'`` resizes each output straight to ``size``, then averages.
        """
        mode = test_cfg.get('aggregation', 'official')
        if mode not in ('official', 'mmpose0x'):
            raise ValueError(f'test_cfg.aggregation must be "official" or "mmpose0x", got {mode!r}')
        align = test_cfg.get('align_corners', False)
        use_hm = test_cfg.get('with_heatmaps', [True] * len(outputs))
        use_ae = test_cfg.get('with_ae', self.with_ae_loss)
        heatmaps, tags = self.split_outputs(outputs)
        last = tuple(outputs[-1].shape[-2:])
        size = last if size is None else tuple(size)
        first = last if mode == 'official' else size
        hms = [_resize(h, first, align) for i, h in enumerate(heatmaps) if use_hm[i]]
        tgs = [_resize(t, first, align) for i, t in enumerate(tags) if use_ae[i] and t is not None]
        heatmap = _resize(sum(hms) / len(hms), size, align)
        tag = _resize(torch.cat(tgs, 1), size, align) if tgs else None
        return heatmap, tag

    def predict(self, feats: Features, batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> Union[List[InstanceData], Tuple[List[InstanceData], List[PixelData]]]:
        """Poses of a batch; ``feats`` in the layout of mmpose's ``BottomupPoseEstimator`` (per scale, per flip).

        Heatmaps: per scale the average over original and flipped views, projected to the scale-1 input size
        and averaged over scales. Tags: original and flipped tags of scale 1, stacked as L = 2 tag dimensions.
        Instance scores come from the decoder (mean joint value before refinement in the AE codec).
        """
        if self.decoder is None:
            raise RuntimeError(f'{type(self).__name__}: set decoder= in the head config to predict')
        multiscale = test_cfg.get('multiscale_test', False)
        flip = test_cfg.get('flip_test', False)
        per_scale = feats if multiscale else [feats]
        flip_indices = batch_data_samples[0].metainfo['flip_indices'] if flip else None
        size = None
        if test_cfg.get('project2image', True):
            shape = batch_data_samples[0].metainfo.get('batch_input_shape')
            size = tuple(shape) if shape is not None else None

        oracle = test_cfg.get('oracle')
        if oracle and multiscale:
            raise ValueError(f'{type(self).__name__}: test_cfg.oracle is for single-scale tests')
        heatmap_sum, tags = None, None
        for s, scale_feats in enumerate(per_scale):
            views = list(scale_feats) if flip else [scale_feats]
            hms, tgs = [], []
            for v, view in enumerate(views):
                outputs = self.forward(view)
                if oracle:  # ground truth in place of the network's heatmaps and/or tags (ae_oracle.py)
                    outputs = apply_oracle(outputs, oracle, self.num_keypoints, self.tag_dim, self.with_ae_loss,
                                           batch_data_samples, batch_data_samples[0].metainfo['batch_input_shape'],
                                           flip_indices if v == 1 else None)
                if size is None and test_cfg.get('project2image', True):
                    size = tuple(4 * n for n in outputs[0].shape[-2:])
                if v == 1:
                    outputs = [self._flip_back(o, i, flip_indices) for i, o in enumerate(outputs)]
                hm, tg = self.aggregate_outputs(outputs, size, test_cfg)
                size = tuple(hm.shape[-2:]) if size is None else size
                hms.append(hm)
                tgs.append(tg)
            heatmap = sum(hms) / len(hms)
            heatmap_sum = heatmap if heatmap_sum is None else heatmap_sum + heatmap
            if s == 0:
                tags = torch.cat([t for t in tgs if t is not None], 1)
        heatmaps = heatmap_sum / len(per_scale)
        preds = self.decode_maps(heatmaps, tags, batch_data_samples)
        if test_cfg.get('output_heatmaps', False):
            return preds, [PixelData(heatmaps=h, tags=t) for h, t in zip(heatmaps.detach(), tags.detach())]
        return preds

    def decode_maps(self, heatmaps: Tensor, tags: Tensor, batch_data_samples: OptSampleList) -> List[InstanceData]:
        """Groups the aggregated maps into poses in input pixels of the (padded) batch."""
        heatmaps, tags = heatmaps.float(), tags.float()
        keypoints, scores, instance_scores = self.decoder.batch_decode(heatmaps, tags)
        map_h, map_w = heatmaps.shape[-2:]
        shape = batch_data_samples[0].metainfo.get('batch_input_shape') if batch_data_samples else None
        in_h, in_w = shape if shape is not None else (map_h, map_w)
        ratio = np.array([in_w / map_w, in_h / map_h], dtype=np.float32) / np.asarray(self.decoder.scale_factor)
        return [InstanceData(keypoints=k * ratio, keypoint_scores=sc, bbox_scores=i)
                for k, sc, i in zip(keypoints, scores, instance_scores)]
