from .quiet_runner import QuietRunner, build_runner

__all__ = ['QuietRunner', 'build_runner']
