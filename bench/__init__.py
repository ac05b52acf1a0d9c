"""Benchmarks: `make bench` runs every bench_<area>.py and writes docs/benchmarks.md."""
