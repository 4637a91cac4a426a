"""Benchmarks and load checks for Register: `python -m bench --help` (or `make bench`)."""
