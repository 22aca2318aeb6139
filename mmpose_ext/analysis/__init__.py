"""Library code behind the benchmark and evaluation tools (their command lines live in ``mmpose_ext.tools``)."""
from .benchmark import BenchmarkResult, benchmark_config, format_table
from .complexity import count_gflops

__all__ = ['BenchmarkResult', 'benchmark_config', 'count_gflops', 'format_table']
