"""Scale-up and scale-out fabrics inside a datacenter: generators, expansion, analytics."""

__all__ = ["FabricGraph"]

from infranet.fabrics.graph import FabricGraph
