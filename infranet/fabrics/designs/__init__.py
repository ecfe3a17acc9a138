"""Scale-out fabric designs, one module each, found by name in one registry.

:func:`designs` lists them, :func:`get` finds one, :func:`register` adds one (a subclass of
:class:`Design`); :func:`for_graph` finds the design of a generated graph, :func:`graph_shape`
its closed form and :func:`natural_split` the halves it is cut into; :func:`cluster_problems`
holds a cluster spec to the capacity rules. See :mod:`infranet.fabrics.designs.base`.
"""

from infranet.fabrics.designs.base import (
    COMMON_OPTIONS,
    LARGEST_ACCELERATOR_GBPS,
    LARGEST_CLUSTER,
    LARGEST_DOMAIN,
    LARGEST_OVERSUBSCRIPTION,
    LARGEST_RADIX,
    Design,
    Option,
    Plan,
    Shape,
    Tier,
    cluster_problems,
    designs,
    for_graph,
    get,
    graph_shape,
    names,
    natural_split,
    option_problems,
    register,
)

__all__ = [
    "COMMON_OPTIONS",
    "LARGEST_ACCELERATOR_GBPS",
    "LARGEST_CLUSTER",
    "LARGEST_DOMAIN",
    "LARGEST_OVERSUBSCRIPTION",
    "LARGEST_RADIX",
    "Design",
    "Option",
    "Plan",
    "Shape",
    "Tier",
    "cluster_problems",
    "designs",
    "for_graph",
    "get",
    "graph_shape",
    "names",
    "natural_split",
    "option_problems",
    "register",
]
