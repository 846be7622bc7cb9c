"""Benchmarks of Bình Yên and the data generator they use (not part of the
test suite: run them by hand, as the README says)."""
