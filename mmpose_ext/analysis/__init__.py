"""Library code behind the benchmark and evaluation tools (their command lines live in ``mmpose_ext.tools``)."""
from .benchmark import BenchmarkResult, CPUAutocastOptimWrapper, benchmark_config, format_table
from ..utils.complexity import count_gflops
from .train_throughput import ThroughputResult, format_result, measure_training, throughput_config

__all__ = ['BenchmarkResult', 'CPUAutocastOptimWrapper', 'ThroughputResult', 'benchmark_config', 'count_gflops',
           'format_result', 'format_table', 'measure_training', 'throughput_config']
