"""Benchmark tooling for lockstep: load per endpoint and server option (bench.py), images
(images.py). Not part of the product: nothing here is imported by it."""
