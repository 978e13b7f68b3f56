"""Benchmarks and benchmark tooling for hpm (UVL conversion, timing runs); not shipped."""
