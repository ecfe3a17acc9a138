"""The torus: accelerators joined directly to their neighbours along 2 or 3 dimensions, with
wrap-around (TPU inter-chip interconnect). A scale-up domain (TPU pods) or, given ``dims``, a
scale-out design of its own."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from infranet import physics
from infranet.errors import ValidationError
from infranet.fabrics.assembly import assemble, block, fits, integer, positive
from infranet.fabrics.designs.base import Design, Option, Plan, Shape, register
from infranet.fabrics.graph import ACCELERATOR, SCALE_UP, FabricGraph

__all__ = ["Torus", "torus", "torus_shape"]


def _tpu_v5p_link_gbps() -> float:
    """TPU v5p's ICI per link per direction: the chip's scale-up bandwidth over its 6 links."""
    gbps = physics.accelerator("TPUv5p").scale_up_gbps
    if gbps is None:
        raise ValidationError("the catalogue has no TPUv5p ICI figure; give link_gbps",
                              field="link_gbps")
    return gbps / 6


def torus(dims: Sequence[int], *, link_gbps: float | None = None,
          accelerator_gbps: float | None = None) -> FabricGraph:
    """Build a 2D or 3D torus of accelerators joined directly by scale-up links (TPU ICI).

    Each accelerator links to its neighbours along every dimension, with wrap-around. A dimension
    of size ``s >= 3`` is a ring: ``n`` links along it (``n`` accelerators in all), and degree 2
    per dimension. A dimension of size 2 gets ONE link between its two nodes (not two parallel
    ones), so ``n/2`` links and degree 1 along it; a dimension of size 1 gets none. No switches.

    The default link capacity is TPU v5p's, from the accelerator catalogue: 1,200 GB/s
    bidirectional ICI per chip over 6 links is 200 GB/s per link both ways, 100 GB/s = 800 Gb/s
    per direction.

    Parameters
    ----------
    dims : sequence of int
        Size of each dimension (2 or 3 of them), each >= 1.
    link_gbps : float, optional
        Capacity of each link, Gb/s per direction (default: TPU v5p's).
    accelerator_gbps : float or None, optional
        If given, the chip's total scale-up capacity per direction over its ``2·len(dims)`` ports,
        overriding `link_gbps`: each link gets ``accelerator_gbps / (2·len(dims))`` (TPU v5p:
        4,800 Gb/s over 6 ports). Ports without a distinct neighbour (sizes 1 and 2) stay idle.

    Returns
    -------
    FabricGraph
        Accelerators only, numbered in row-major (C) order of their coordinates; ``node_group``
        is -1 throughout; ``switch_radix`` is empty.

    Raises
    ------
    ValidationError
        If `dims` does not have 2 or 3 sizes >= 1, or a capacity is not > 0.

    Examples
    --------
    >>> fabric = torus((4, 4, 4))  # a TPU v5p cube: 64 chips, 3 x 64 links, 800 Gb/s each
    >>> fabric.n_accelerators, fabric.n_links, float(fabric.link_gbps[0])
    (64, 192, 800.0)
    >>> torus((2, 3)).n_links  # 3 links along the size-2 dimension, 6 along the ring of 3
    9
    """
    if isinstance(dims, np.ndarray):
        dims = dims.tolist()
    if isinstance(dims, (str, bytes)) or not isinstance(dims, Sequence) \
            or len(dims) not in (2, 3):
        raise ValidationError(f"expected 2 or 3 dimension sizes, got {dims!r}", field="dims")
    shape = tuple(integer(s, "dims", minimum=1) for s in dims)
    params = {"dims": shape, "link_gbps": link_gbps, "accelerator_gbps": accelerator_gbps}
    if link_gbps is None:
        link_gbps = _tpu_v5p_link_gbps()
    link_gbps = positive(link_gbps, "link_gbps")
    if accelerator_gbps is not None:
        link_gbps = positive(accelerator_gbps, "accelerator_gbps") / (2 * len(shape))
    n = math.prod(shape)
    n_links = sum(n if s > 2 else n // 2 if s == 2 else 0 for s in shape)
    fits(n, n_links, "dims")

    index = np.arange(n, dtype=np.int64).reshape(shape)
    links = []
    for axis, size in enumerate(shape):
        if size == 2:
            links.append((index.take(0, axis=axis).ravel(), index.take(1, axis=axis).ravel(),
                          SCALE_UP, link_gbps))
        elif size > 2:
            links.append((index.ravel(), np.roll(index, -1, axis=axis).ravel(), SCALE_UP,
                          link_gbps))
    return assemble("torus", params, [(ACCELERATOR, -1, block(n, -1))], links, {})



def torus_links(dims: Sequence[int]) -> int:
    """Links of a torus: ``n`` per dimension of size >= 3, ``n/2`` per dimension of size 2."""
    n = math.prod(dims)
    return sum(n if s > 2 else n // 2 if s == 2 else 0 for s in dims)


def torus_shape(dims: Sequence[int], link_gbps: float) -> Shape:
    """A torus in closed form: its links, the cut across its longest dimension, its diameter.

    The natural split halves the longest dimension ``L``: with wrap-around the cut crosses
    ``2·n/L`` links (``n/L`` when ``L = 2``: one link, not two); an odd ``L`` has no such cut.
    The diameter is ``sum(floor(s/2))`` links, each an inter-chip hop.

    Examples
    --------
    >>> shape = torus_shape((16, 20, 28), 800.0)
    >>> shape.bisection_gbps, shape.diameter_hops
    (512000.0, 32)
    """
    dims = [int(s) for s in dims]
    n, longest = math.prod(dims), max(dims)
    hops = sum(s // 2 for s in dims)
    value: float | None = None
    notes: tuple[str, ...] = ()
    if longest % 2 == 0:
        value = (2 if longest > 2 else 1) * n / longest * link_gbps
    else:
        notes = (f"no closed-form bisection: the longest ring ({longest}) is odd",)
    return Shape(direct_links=torus_links(dims), bisection_gbps=value,
                 binding="direct" if value is not None else None, diameter_hops=hops,
                 crossed=("direct",) * hops, notes=notes)


@register
class Torus(Design):
    """A torus as the scale-out design: ``dims`` (whose product is the count), each
    accelerator's NIC rate shared by its ``2·len(dims)`` links."""

    name = "torus"
    summary = "accelerators joined directly to their neighbours in a 2D or 3D torus"
    options = (Option("dims", "integers", "Torus dimensions (a scale-out torus); each "
                      "accelerator's `nic` is shared by its 2 x len(dims) links."),)
    example: ClassVar[Mapping[str, Any]] = (
        {"count": 64, "scale_out": {"kind": "torus", "dims": [4, 4, 4]}})

    generator = staticmethod(torus)

    def default_count(self, options: Mapping[str, Any]) -> int | None:
        return math.prod(options["dims"]) if options.get("dims") else None

    def problems(self, options: Mapping[str, Any], *, count: int,
                 server: int) -> list[tuple[str, str]]:
        dims = options.get("dims")
        if not dims:
            return [("scale_out", "a torus needs dims, e.g. dims: [8, 8, 8]")]
        if not 2 <= len(dims) <= 3:
            return [("scale_out", f"a torus has 2 or 3 dimensions, got {len(dims)}")]
        if math.prod(dims) != count:
            return [("count", f"a {'x'.join(map(str, dims))} torus holds "
                     f"{math.prod(dims):,} accelerators, not {count:,}")]
        return []

    def generator_options(self, plan: Plan) -> dict[str, Any]:
        return {"dims": tuple(plan.options["dims"]), "accelerator_gbps": plan.nic_gbps}

    def plan_from_params(self, params: Mapping[str, Any]) -> Plan:
        dims = tuple(int(s) for s in params["dims"])
        per_link = (params["accelerator_gbps"] / (2 * len(dims))
                    if params.get("accelerator_gbps") is not None
                    else params.get("link_gbps") or _tpu_v5p_link_gbps())
        return Plan(count=math.prod(dims), nic_gbps=float(per_link) * 2 * len(dims),
                    options={"kind": self.name, "dims": list(dims)})

    def shape(self, plan: Plan) -> Shape:
        dims = tuple(plan.options["dims"])
        return torus_shape(dims, plan.nic_gbps / (2 * len(dims)))
