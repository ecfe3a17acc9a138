"""Scale-up and scale-out fabrics inside a datacenter: generators, expansion, analytics.

Generators (:mod:`infranet.fabrics.generators`) build explicit fabrics in bulk as a
:class:`FabricGraph`; :mod:`infranet.fabrics.spec` turns a cluster spec of a topology file into
its fabric or its closed-form tier summary; :func:`infranet.fabrics.expand.expand` puts fabrics
into a Topology; :mod:`infranet.fabrics.analytics` measures them.
"""

from infranet.fabrics.graph import FabricGraph

__all__ = ["FabricGraph"]
