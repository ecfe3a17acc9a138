"""Scale-out fabric designs, one module each, found by name in one registry.

:func:`designs` lists them, :func:`get` finds one, :func:`register` adds one (a subclass of
:class:`Design`). See :mod:`infranet.fabrics.designs.base`.
"""

from infranet.fabrics.designs.base import (
    COMMON_OPTIONS,
    Design,
    Option,
    Plan,
    Shape,
    Tier,
    designs,
    get,
    names,
    register,
)

__all__ = [
    "COMMON_OPTIONS",
    "Design",
    "Option",
    "Plan",
    "Shape",
    "Tier",
    "designs",
    "get",
    "names",
    "register",
]
