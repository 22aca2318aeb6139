# A small HigherHRNet (the demo's HRNet-lite widths, a 16-channel deconvolution stage with one BasicBlock) trained
# from scratch on the synthetic crowd set on the CPU: the first learning check (docs/higherhrnet.md), AP 0.000.
# Generate the data first: python tools/dataset_converters/generate_synthetic_crowd.py data/synthetic_crowd
from mmengine.config import read_base

with read_base():
    from .._base_.higherhrnet_lite_synthcrowd_256 import *  # noqa: F401,F403
