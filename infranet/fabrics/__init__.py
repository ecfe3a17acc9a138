"""Scale-up and scale-out fabrics inside a datacenter: designs, generators, expansion,
analytics, power.

:mod:`infranet.fabrics.designs` holds one entry per scale-out design (generator, spec options,
capacity rules, closed form), found by name; :mod:`infranet.fabrics.spec` turns a cluster spec
of a topology file into its explicit :class:`FabricGraph` or its closed-form summary;
:func:`infranet.fabrics.expand.expand` puts clusters into a Topology (one node per cluster, or
every accelerator and switch); :mod:`infranet.fabrics.analytics` measures explicit graphs;
:mod:`infranet.fabrics.power` holds clusters against a site's power; :mod:`infranet.fabrics.report`
is ``infranet fabric report``.

The design registry (with the graph and assembly helpers it uses) imports only ``errors``,
``physics`` and numpy, so that the model's schema can read it; the rest of this package sits
above the model.
"""

from infranet.fabrics.graph import FabricGraph

__all__ = ["FabricGraph"]
