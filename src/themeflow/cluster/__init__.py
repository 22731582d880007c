"""Batch work beyond one process: writers that run a stage's batches on a Ray cluster (``themeflow[ray]``)."""
