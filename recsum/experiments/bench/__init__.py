"""Benchmarks (issue 5): throughput, scaling with length, batching and peers, written as a report.

``recsum bench`` runs :func:`recsum.experiments.bench.suite.run_bench`; each measurement that
needs a clean peak memory runs in a subprocess (:mod:`recsum.experiments.bench.worker`). Its
systems come from the one registry (:mod:`recsum.experiments.systems`).
"""
