"""Workloads on the network: collective communication (and, built on it, training jobs)."""

__all__: list[str] = []
