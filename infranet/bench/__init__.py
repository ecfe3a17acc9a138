"""Benchmark suites: routing and traffic-engineering algorithms on reference instances."""

__all__ = ["fresh", "routing"]
