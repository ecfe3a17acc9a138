"""Scale-up and scale-out fabrics inside a datacenter: designs, generators, expansion,
measures of explicit graphs, power.

:mod:`infranet.fabrics.designs` holds one entry per scale-out design (generator, spec options,
capacity rules, closed form), found by name; :mod:`infranet.fabrics.spec` turns a cluster spec
of a topology file into its explicit :class:`FabricGraph` or its closed-form summary;
:func:`infranet.fabrics.expand.expand` puts clusters into a Topology (one node per cluster, or
every accelerator and switch). The measures of an explicit graph have one module each:
:mod:`~infranet.fabrics.bisection`, :mod:`~infranet.fabrics.distance` (diameter and path length),
:mod:`~infranet.fabrics.ecmp`, :mod:`~infranet.fabrics.materials` (bill of materials) and
:mod:`~infranet.fabrics.tiers`, on the searches of :mod:`~infranet.fabrics.traversal`;
:mod:`~infranet.fabrics.analysis` runs them all on one graph. :mod:`infranet.fabrics.power` holds
clusters against a site's power; :mod:`infranet.fabrics.report` is ``infranet fabric report``.

The design registry (with the graph and assembly helpers it uses), the closed-form summary and
power import nothing of infranet above ``physics`` and ``results``, so that the model's schema can
read them (choices, options, capacity rules, power warnings); the rest of this package sits above
the model.
"""

from infranet.fabrics.graph import FabricGraph

__all__ = ["FabricGraph"]
