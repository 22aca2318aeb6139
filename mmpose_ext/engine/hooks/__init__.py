from .ae_loss_ramp_hook import AELossRampHook
from .ae_oracle_hook import AEOracleHook
from .channels_last_hook import ChannelsLastHook
from .checkpoint_match_hook import CheckpointMatchHook
from .deferred_runtime_info_hook import DeferredRuntimeInfoHook
from .model_complexity_hook import ModelComplexityHook
from .perturb_weights_hook import PerturbWeightsHook
from .throughput_hook import ThroughputHook

__all__ = ['AELossRampHook', 'AEOracleHook', 'ChannelsLastHook', 'CheckpointMatchHook', 'DeferredRuntimeInfoHook',
           'ModelComplexityHook', 'PerturbWeightsHook', 'ThroughputHook']
