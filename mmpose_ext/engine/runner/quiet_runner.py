"""mmengine's Runner with the environment, config and hook-order dump in a file of the work dir instead of the log."""
from __future__ import annotations

import io
import logging
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.runner import Runner
from mmpose.registry import RUNNERS

_HOOK_ORDER = 'Hooks will be executed in the following order'


class _ToFile(logging.Filter):
    """Appends the records that start with ``prefix`` to ``path`` instead of logging them."""

    def __init__(self, path: str, prefix: str) -> None:
        super().__init__()
        self.path, self.prefix = path, prefix

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith(self.prefix):
            return True
        if is_main_process():
            with open(self.path, 'a') as f:
                f.write(message + '\n')
        return False


@RUNNERS.register_module()
class QuietRunner(Runner):
    """A :class:`mmengine.runner.Runner` whose first screen is the run, not ~500 lines of environment and config.

    mmengine logs the system/runtime environment, the whole pretty-printed config and the hook order before the
    first iteration. This runner writes them to ``<log_dir>/env_and_config.txt`` and logs one line saying where;
    everything else is mmengine's Runner unchanged. Selected by ``runner_type`` in
    ``configs/_base_/default_runtime.py``, so ``tools/train.py``, ``tools/test.py`` and ``mim train mmpose`` use it.
    """

    def _log_env(self, env_cfg: dict) -> None:
        logger = self.logger
        buffer = io.StringIO()
        handler = logging.StreamHandler(buffer)
        handler.setFormatter(logging.Formatter('%(message)s'))
        saved = logger.handlers[:]
        logger.handlers = [handler]
        try:
            super()._log_env(env_cfg)
        finally:
            logger.handlers = saved
        path = osp.join(self.log_dir, 'env_and_config.txt')
        if is_main_process():
            with open(path, 'w') as f:
                f.write(buffer.getvalue())
        logger.addFilter(_ToFile(path, _HOOK_ORDER))
        logger.info(f'environment, full config and hook order: {path}')


def build_runner(cfg) -> Runner:
    """The config's ``runner_type`` (as MMPose's tools build it), else mmengine's Runner."""
    return RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
