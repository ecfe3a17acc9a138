"""Workloads on the infrastructure: models, collectives and training."""
