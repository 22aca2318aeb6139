from .benchmark import BenchmarkResult, benchmark_config, format_table

__all__ = ['BenchmarkResult', 'benchmark_config', 'format_table']
