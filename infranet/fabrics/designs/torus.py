"""The torus: accelerators joined directly to their neighbours along 2 or 3 dimensions, with
wrap-around (TPU inter-chip interconnect). A scale-up domain (TPU pods) or, given ``dims``, a
scale-out design of its own.

Each accelerator has two ports per dimension (six in 3D: TPU v5p's six ICI links), its
bandwidth shared equally among them. Along a dimension of size ``s >= 3`` the two ports go to
the two neighbours of its ring; along a dimension of size 2 both go to the one neighbour (two
parallel links); along a dimension of size 1 there is no neighbour, and the two ports stay idle.
So a 2x2x1 slice of TPU v5p chips uses four of each chip's six ports: 3.2 of its 4.8 Tb/s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from infranet import physics
from infranet.errors import ValidationError
from infranet.fabrics.assembly import assemble, block, fits, integer, positive
from infranet.fabrics.designs.base import (
    LARGEST_CLUSTER,
    Design,
    Option,
    Plan,
    Shape,
    register,
)
from infranet.fabrics.graph import ACCELERATOR, SCALE_OUT, SCALE_UP, FabricGraph

__all__ = ["LINK_KINDS", "Torus", "torus", "torus_links", "torus_ports", "torus_shape"]

#: The kind of a torus's links, by name: its own links are the scale-up domain (TPU ICI), or the
#: scale-out fabric of a cluster whose ``scale_out`` is a torus.
LINK_KINDS = {"scale_up": SCALE_UP, "scale_out": SCALE_OUT}


def _tpu_v5p_link_gbps() -> float:
    """TPU v5p's ICI per link per direction: the chip's scale-up bandwidth over its 6 links."""
    gbps = physics.accelerator("TPUv5p").scale_up_gbps
    if gbps is None:
        raise ValidationError("the catalogue has no TPUv5p ICI figure; give link_gbps",
                              field="link_gbps")
    return gbps / 6


def torus_ports(dims: Sequence[int]) -> int:
    """Ports of each accelerator that have a neighbour: two per dimension of size >= 2.

    Examples
    --------
    >>> torus_ports((4, 4, 4)), torus_ports((2, 2, 1))
    (6, 4)
    """
    return sum(2 for s in dims if s >= 2)


def torus_links(dims: Sequence[int]) -> int:
    """Links of a torus: ``n`` per dimension of size >= 2 (a ring of ``s >= 3``, or two
    parallel links between the two accelerators of a dimension of size 2), none for size 1.

    Examples
    --------
    >>> torus_links((4, 4, 4)), torus_links((2, 2, 1))
    (192, 8)
    """
    n = math.prod(dims)
    return sum(n for s in dims if s >= 2)


def torus(dims: Sequence[int], *, link_gbps: float | None = None,
          accelerator_gbps: float | None = None, link_kind: str = "scale_up") -> FabricGraph:
    """Build a 2D or 3D torus of accelerators joined directly to their neighbours (TPU ICI).

    Each accelerator has two ports per dimension. A dimension of size ``s >= 3`` is a ring, with
    wrap-around: ``n`` links along it (``n`` accelerators in all). A dimension of size 2 joins
    the two accelerators by two parallel links (both ports go to the one neighbour): ``n`` links
    too. A dimension of size 1 has none (its ports stay idle). No switches.

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
        If given, the chip's bandwidth per direction over its ``2·len(dims)`` ports, overriding
        `link_gbps`: each link gets ``accelerator_gbps / (2·len(dims))`` (TPU v5p: 4,800 Gb/s
        over 6 ports, 800 each). Ports of a dimension of size 1 stay idle.
    link_kind : str, optional
        ``scale_up`` (the torus is a scale-up domain, as TPU ICI) or ``scale_out`` (the torus is
        the cluster's scale-out fabric).

    Returns
    -------
    FabricGraph
        Accelerators only, numbered in row-major (C) order of their coordinates; ``node_group``
        is -1 throughout; ``switch_radix`` is empty.

    Raises
    ------
    ValidationError
        If `dims` does not have 2 or 3 sizes >= 1, a capacity is not > 0, or `link_kind` is
        neither ``scale_up`` nor ``scale_out``.

    Examples
    --------
    >>> fabric = torus((4, 4, 4))  # a TPU v5p cube: 64 chips, 3 x 64 links, 800 Gb/s each
    >>> fabric.n_accelerators, fabric.n_links, float(fabric.link_gbps[0])
    (64, 192, 800.0)
    >>> torus((2, 3)).n_links  # 6 along the size-2 dimension (two per pair), 6 along the ring
    12
    """
    if isinstance(dims, np.ndarray):
        dims = dims.tolist()
    if isinstance(dims, (str, bytes)) or not isinstance(dims, Sequence) \
            or len(dims) not in (2, 3):
        raise ValidationError(f"expected 2 or 3 dimension sizes, got {dims!r}", field="dims")
    shape = tuple(integer(s, "dims", minimum=1) for s in dims)
    if link_kind not in LINK_KINDS:
        raise ValidationError(f"expected one of {', '.join(LINK_KINDS)}, got {link_kind!r}",
                              field="link_kind")
    params = {"dims": shape, "link_gbps": link_gbps, "accelerator_gbps": accelerator_gbps,
              "link_kind": link_kind}
    if link_gbps is None:
        link_gbps = _tpu_v5p_link_gbps()
    link_gbps = positive(link_gbps, "link_gbps")
    if accelerator_gbps is not None:
        link_gbps = positive(accelerator_gbps, "accelerator_gbps") / (2 * len(shape))
    n = math.prod(shape)
    fits(n, torus_links(shape), "dims")

    kind = LINK_KINDS[link_kind]
    index = np.arange(n, dtype=np.int64).reshape(shape)
    links = []
    for axis, size in enumerate(shape):
        if size == 2:
            first, second = index.take(0, axis=axis).ravel(), index.take(1, axis=axis).ravel()
            # both ports of each accelerator go to its one neighbour: two parallel links
            links += [(first, second, kind, link_gbps), (first, second, kind, link_gbps)]
        elif size > 2:
            links.append((index.ravel(), np.roll(index, -1, axis=axis).ravel(), kind,
                          link_gbps))
    return assemble("torus", params, [(ACCELERATOR, -1, block(n, -1))], links, {})


def torus_shape(dims: Sequence[int], link_gbps: float) -> Shape:
    """A torus in closed form: its links, the cut across its longest dimension, its diameter.

    The natural split halves the longest dimension ``L`` (the first ``L/2`` planes): with
    wrap-around, or the two parallel links of a dimension of size 2, the cut crosses ``2·n/L``
    links, the torus's bisection (Dally and Towles, "Principles and Practices of
    Interconnection Networks", 2004, for k-ary n-cubes). An odd ``L`` has no such cut: no
    closed form, and the graph's bisection is searched. The diameter is ``sum(floor(s/2))``
    links, each an inter-chip hop.

    Examples
    --------
    >>> shape = torus_shape((16, 20, 28), 800.0)
    >>> shape.bisection_gbps, shape.diameter_hops
    (512000.0, 32)
    >>> torus_shape((2, 2, 1), 800.0).bisection_gbps  # 4 chips, two links per pair across
    3200.0
    """
    dims = [int(s) for s in dims]
    n, longest = math.prod(dims), max(dims)
    hops = sum(s // 2 for s in dims)
    value: float | None = None
    bound = ""
    notes: tuple[str, ...] = ()
    if longest % 2 == 0:
        value = 2 * n / longest * link_gbps
    else:
        bound = f"no closed form: the longest ring ({longest}) is odd"
        notes = (f"no closed-form bisection: the longest ring ({longest}) is odd",)
    return Shape(direct_links=torus_links(dims), direct_gbps=torus_ports(dims) * link_gbps,
                 bisection_gbps=value, bisection_bound=bound,
                 binding="direct" if value is not None else None, diameter_hops=hops,
                 crossed=("direct",) * hops, notes=notes)


@register
class Torus(Design):
    """A torus as the scale-out design: ``dims`` (whose product is the count), each
    accelerator's NIC rate shared by its ``2·len(dims)`` ports."""

    name = "torus"
    summary = "accelerators joined directly to their neighbours in a 2D or 3D torus"
    options = (Option("dims", "integers", "Torus dimensions (a scale-out torus); each "
                      "accelerator's `nic` is shared by its 2 x len(dims) ports, those of a "
                      "dimension of size 1 idle; each at most the largest cluster, "
                      f"{LARGEST_CLUSTER:,}.", minimum=1, maximum=LARGEST_CLUSTER),)
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
            size = math.prod(dims)
            held = f"{size:,}" if size <= LARGEST_CLUSTER else "more than the largest cluster"
            return [("count", f"a {'x'.join(map(str, dims))} torus holds {held} accelerators, "
                     f"not {count:,}")]
        return []

    def keeps_domains(self, plan: Plan) -> bool:
        """The natural split takes the first half of the planes across the longest dimension
        ``a``: in row-major order the boundary between its halves recurs every
        ``stride_a·L_a/2`` accelerators (``stride_a`` the product of the sizes after ``a``), so
        domains of ``D`` consecutive accelerators stay whole when ``D`` divides that."""
        dims = tuple(int(s) for s in plan.options["dims"])
        axis = int(np.argmax(dims))
        stride = math.prod(dims[axis + 1:])
        return dims[axis] % 2 == 0 and (stride * dims[axis] // 2) % plan.domain == 0

    def natural_order(self, fabric: FabricGraph) -> np.ndarray | None:
        """The coordinate along the longest dimension."""
        dims = tuple(int(d) for d in fabric.params.get("dims", ()))
        n = fabric.n_accelerators
        if not dims or math.prod(dims) != n:
            return super().natural_order(fabric)
        return np.unravel_index(np.arange(n), dims)[int(np.argmax(dims))]

    def design_links(self, fabric: FabricGraph) -> int:
        """Links between two accelerators of the torus's own kind."""
        kind = LINK_KINDS.get(str(fabric.params.get("link_kind", "scale_up")), SCALE_UP)
        n_acc = fabric.n_accelerators
        direct = (fabric.link_u < n_acc) & (fabric.link_v < n_acc) & (fabric.link_kind == kind)
        return int(np.count_nonzero(direct))

    def domain_links(self, fabric: FabricGraph) -> np.ndarray:
        """None when the torus is itself the scale-up domain; else the scale-up links."""
        if str(fabric.params.get("link_kind", "scale_up")) == "scale_up":
            return np.zeros(fabric.n_links, dtype=bool)
        return super().domain_links(fabric)

    def generator_options(self, plan: Plan) -> dict[str, Any]:
        return {"dims": tuple(plan.options["dims"]), "accelerator_gbps": plan.nic_gbps,
                "link_kind": "scale_out"}

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
