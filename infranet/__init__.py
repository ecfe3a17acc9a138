"""infranet: multi-region AI infrastructure networks, from fiber to fabrics, with numbers.

The names below are loaded on first use, so that ``import infranet`` (and ``infranet --help``)
stays instant; ``from infranet import Topology`` works as usual.
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

__all__ = [
    "InfranetError",
    "Topology",
    "ValidationError",
    "compare",
    "latency_matrix",
    "read",
    "shortest_path",
    "write",
]

_WHERE = {
    "Topology": "infranet.model",
    "read": "infranet.io",
    "write": "infranet.io",
    "InfranetError": "infranet.errors",
    "ValidationError": "infranet.errors",
    "compare": "infranet.studies.compare",
    "shortest_path": "infranet.algorithms.latency",
    "latency_matrix": "infranet.algorithms.latency",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'infranet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
