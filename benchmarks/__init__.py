"""Accuracy and speed, printed against naive baselines; never asserted.

A package so that benchmarks import each other (and the repository's code) without
editing ``sys.path``: run them from the repository root as modules, e.g.
``python -m benchmarks.import_scale``.
"""
