# HRNet stage layouts shared by the HRNet and MIPNet configs (mmpose's HRNet `extra` argument).
hrnet_w32_extra = dict(
    stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(4, ), num_channels=(64, )),
    stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(4, 4), num_channels=(32, 64)),
    stage3=dict(num_modules=4, num_branches=3, block='BASIC', num_blocks=(4, 4, 4), num_channels=(32, 64, 128)),
    stage4=dict(num_modules=3, num_branches=4, block='BASIC', num_blocks=(4, 4, 4, 4),
                num_channels=(32, 64, 128, 256)))
hrnet_w48_extra = dict(
    stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(4, ), num_channels=(64, )),
    stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(4, 4), num_channels=(48, 96)),
    stage3=dict(num_modules=4, num_branches=3, block='BASIC', num_blocks=(4, 4, 4), num_channels=(48, 96, 192)),
    stage4=dict(num_modules=3, num_branches=4, block='BASIC', num_blocks=(4, 4, 4, 4),
                num_channels=(48, 96, 192, 384)))
# The demo's small HRNet (widths 16-128, one module per stage): a few minutes of training on two CPU cores.
hrnet_lite_extra = dict(
    stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(2, ), num_channels=(32, )),
    stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(2, 2), num_channels=(16, 32)),
    stage3=dict(num_modules=1, num_branches=3, block='BASIC', num_blocks=(2, 2, 2), num_channels=(16, 32, 64)),
    stage4=dict(num_modules=1, num_branches=4, block='BASIC', num_blocks=(2, 2, 2, 2),
                num_channels=(16, 32, 64, 128)))
