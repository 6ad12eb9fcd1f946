"""Benchmarks side by side with peer tools (`make bench` -> bench/results.md)."""
