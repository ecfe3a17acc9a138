"""Solvers over a Topology: latency and paths, flows and cuts, resilience to failures."""

__all__ = ["flow", "latency", "resilience"]
