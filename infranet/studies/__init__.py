"""Studies over topologies: comparisons, scenarios, sweeps."""

__all__ = ["compare"]
