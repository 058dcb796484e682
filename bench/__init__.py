"""Benchmarks. `make bench` (python -m bench) runs them all; figures go to docs/PERFORMANCE.md."""
