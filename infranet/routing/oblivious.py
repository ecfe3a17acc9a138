"""Demand-oblivious routing over candidate tunnels, with a certified worst-case ratio, and the
two robust schemes built on it: ``oblivious``, ``cope`` and ``semi-oblivious``.

An oblivious routing fixes, once, the share of each pair's traffic on each of its tunnels; its
*ratio* is the largest, over every traffic matrix, of its maximum link utilisation (MLU) over the
optimal MLU of that matrix over the same tunnels. :func:`oblivious_routing` finds the routing
of least ratio with the linear program of Applegate and Cohen ("Making Intra-Domain Routing
Robust to Changing and Uncertain Traffic Demands: Understanding Fundamental Tradeoffs",
SIGCOMM 2003), restricted to the candidate tunnels: for every arc ``e``,

    max { sum_ij D_ij f_ij(e) / c_e : D >= 0, OPT_tunnels(D) <= 1 } <= r,

where ``f_ij(e)`` is the share of pair ``ij`` that crosses ``e``. ``OPT_tunnels(D) <= 1`` means
some flow ``g_P >= 0`` on the tunnels carries ``D`` within every capacity, so the inner maximum
is the LP ``max sum_P g_P f_{ij(P)}(e) / c_e`` s.t. ``sum_{P through h} g_P <= c_h`` for every
arc ``h``. Its dual, ``min sum_h c_h pi_e(h)`` s.t. ``sum_{h in P} pi_e(h) >= f_{ij(P)}(e) / c_e``
for every tunnel ``P`` and ``pi_e >= 0``, replaces it (LP duality), which gives one LP:

    minimise r  over  x (tunnel shares), pi >= 0
    s.t.  sum_{P of ij} x_P = 1                                  (each pair)
          sum_h c_h pi_e(h) <= r                                  (each arc e)
          sum_{Q of ij through e} x_Q / c_e <= sum_{h in P} pi_e(h)
                                        (each arc e, each tunnel P of each pair ij using e)

Pairs none of whose tunnels cross ``e`` need no row for ``e`` (their share there is 0), which
keeps the LP to a row per tunnel and arc its pair's tunnels cross (GEANT, 1,386 tunnels:
11,052 rows, against 133,590 written for every arc and pair). The ratio is certified twice:
the ``pi`` found bound every arc's inner maximum from above (weak duality, checked on the
returned shares), and solving each arc's inner LP for the shares gives a matrix that attains
the ratio from below (:func:`worst_case`).

Examples
--------
A triangle of 10 Gb/s links, every pair with two tunnels (direct, and round the third node):
sending 2/3 direct keeps every matrix within 4/3 of its optimum, and no split does better
(the matrix of 10 Gb/s on ``x -> y``, ``x -> z`` and ``z -> y``, which the optimum carries
directly, loads ``x -> y`` to 40/3):

>>> from infranet.model import Topology
>>> tri = Topology.from_dict({"name": "tri", "sites": [{"name": n} for n in "xyz"],
...     "links": [{"a": a, "b": b, "capacity": 10} for a, b in ("xy", "yz", "xz")]})
>>> obl = oblivious_routing(tri, [(a, b) for a in "xyz" for b in "xyz" if a != b], k=2)
>>> round(obl.ratio, 6), obl.certified, obl.splits.fraction[:2].round(6).tolist()
(1.333333, True, [0.666667, 0.333333])
"""

from __future__ import annotations

import collections
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from infranet.algorithms.arcs import capacities, ranges
from infranet.algorithms.paths import PathSet, check_paths
from infranet.errors import (
    InfeasibleError,
    InfranetError,
    UnknownNameError,
    ValidationError,
    did_you_mean,
)
from infranet.results import Binding, FrozenDict, FrozenState, Stopwatch, freeze
from infranet.routing.base import Routing, demands, failure_name, register
from infranet.routing.lp import path_lp, tunnel_candidates, usable_paths
from infranet.routing.paths import path_splits

if TYPE_CHECKING:
    from infranet.algorithms.failures import FailureSet
    from infranet.model import Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = [
    "CERTIFY_RTOL",
    "MAX_ROWS",
    "ObliviousRouting",
    "cope",
    "oblivious",
    "oblivious_routing",
    "semi_oblivious",
    "worst_case",
]

#: Relative gap between the upper (dual) and lower (attained) bounds of the ratio within which
#: :attr:`ObliviousRouting.certified` holds: HiGHS's default feasibility and optimality
#: tolerances are 1e-7.
CERTIFY_RTOL = 1e-6
#: Rows of the oblivious LP above which it is refused (some 2 GB of memory for HiGHS); GEANT
#: with its 1,386 tunnels needs 11,052.
MAX_ROWS = 2_000_000
#: A tunnel share below this is the solver's round-off, not a choice: it is set to 0.
SHARE_FLOOR = 1e-9
_CACHE_SIZE = 8
_cache: collections.OrderedDict[str, ObliviousRouting] = collections.OrderedDict()


@dataclass(frozen=True, eq=False)
class ObliviousRouting(FrozenState):
    """A demand-oblivious routing over candidate tunnels and its certified worst-case ratio.

    Attributes
    ----------
    nodes : tuple of str
        The topology's node names.
    splits : PathSet
        One demand per pair (in the order of ``pair_src``, ``pair_dst``): its tunnels and the
        share of the pair's traffic each carries (tunnels left unused are dropped).
    pair_src, pair_dst : ndarray of int
        The pairs routed, as node indices.
    ratio : float
        The LP's optimal worst-case ratio (MLU over the optimal MLU over the same tunnels, the
        largest over all traffic matrices of these pairs).
    ratio_upper : float
        A bound from above, from the LP's dual weights checked against the returned shares.
    ratio_lower : float
        A bound from below: the ratio the returned shares reach on :attr:`worst_gbps` (NaN
        when not certified).
    arc_ratio : ndarray of float
        Per arc, the worst ratio of the load on that arc (0 where no tunnel goes; NaN when not
        certified).
    worst_arc : int
        The arc that sets the ratio.
    worst_gbps : ndarray of float
        Per pair, the matrix that reaches ``ratio_lower`` on ``worst_arc``, in Gb/s, scaled so
        that its optimal MLU over the tunnels is 1.
    n_tunnels : int
        Candidate tunnels offered to the LP.
    lp_rows, lp_cols, lp_nonzeros : int
        Size of the LP.
    solve_s, certify_s : float
        Wall time of the LP, and of the per-arc LPs of the lower bound, in seconds.
    link_names : tuple of str
        The topology's links (arc ``2 i`` and ``2 i + 1`` belong to link ``i``).
    options : FrozenDict
    """

    nodes: tuple[str, ...]
    splits: PathSet = field(repr=False)
    pair_src: np.ndarray = field(repr=False)
    pair_dst: np.ndarray = field(repr=False)
    ratio: float
    ratio_upper: float
    ratio_lower: float
    arc_ratio: np.ndarray = field(repr=False)
    worst_arc: int
    worst_gbps: np.ndarray = field(repr=False)
    n_tunnels: int
    lp_rows: int
    lp_cols: int
    lp_nonzeros: int
    solve_s: float
    certify_s: float
    link_names: tuple[str, ...] = field(default=(), repr=False)
    options: Mapping[str, Any] = field(default_factory=FrozenDict, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "link_names", tuple(self.link_names))
        for name in ("pair_src", "pair_dst", "arc_ratio", "worst_gbps"):
            object.__setattr__(self, name, freeze(np.asarray(getattr(self, name))))
        object.__setattr__(self, "options", freeze(self.options))

    @property
    def n_pairs(self) -> int:
        return len(self.pair_src)

    @property
    def certified(self) -> bool:
        """True when the attained and the dual bounds agree within :data:`CERTIFY_RTOL`."""
        return bool(np.isfinite(self.ratio_lower)
                    and self.ratio_upper <= self.ratio_lower * (1 + CERTIFY_RTOL))

    @property
    def worst_link(self) -> str:
        """The link (and direction) that sets the ratio."""
        i = self.worst_arc // 2
        name = self.link_names[i] if i < len(self.link_names) else f"arc {self.worst_arc}"
        return f"{name} ({'a->b' if self.worst_arc % 2 == 0 else 'b->a'})"

    @property
    def binding(self) -> Binding:
        """The arc whose worst case sets the ratio (``link``), or ``none`` without pairs."""
        if not self.n_pairs:
            return Binding.nothing("no pair to route")
        bound = ("certified" if self.certified else
                 f"between {self.ratio_lower:.6g} and {self.ratio_upper:.6g}")
        return Binding("link", self.worst_link.split(" (")[0],
                       f"worst-case ratio {self.ratio:.6g} ({bound}) on {self.worst_link}")

    def arc_fractions(self, n_arcs: int) -> sp.csr_matrix:
        """The ``pairs x arcs`` matrix of the share of each pair's traffic on each arc."""
        per_path = sp.csr_matrix((self.splits.fraction, (self.splits.demand_of,
                                                          np.arange(self.splits.n_paths))),
                                 shape=(self.n_pairs, self.splits.n_paths))
        return (per_path @ self.splits.arc_matrix(n_arcs)).tocsr()

    def worst_matrix(self) -> TrafficMatrix:
        """:attr:`worst_gbps` as a traffic matrix over :attr:`nodes`."""
        from infranet.traffic import TrafficMatrix

        gbps = np.zeros((len(self.nodes), len(self.nodes)))
        gbps[self.pair_src, self.pair_dst] = self.worst_gbps
        return TrafficMatrix(self.nodes, gbps, name="worst case of the oblivious routing")

    def to_dict(self) -> dict[str, Any]:
        """The ratio and its bounds, the sizes and times (JSON-ready)."""
        return {"ratio": self.ratio, "ratio_upper": self.ratio_upper,
                "ratio_lower": self.ratio_lower, "certified": self.certified,
                "worst_link": self.worst_link if self.n_pairs else None,
                "n_pairs": self.n_pairs, "n_tunnels": self.n_tunnels,
                "n_tunnels_used": self.splits.n_paths, "lp_rows": self.lp_rows,
                "lp_cols": self.lp_cols, "lp_nonzeros": self.lp_nonzeros,
                "solve_s": self.solve_s, "certify_s": self.certify_s,
                "binding": self.binding.to_dict(),
                "options": {k: v for k, v in self.options.items()}}


# ---------------------------------------------------------------------------- the LP


@dataclass(frozen=True)
class _Tunnels:
    """Candidate tunnels grouped by pair, and the arcs they use (local ids)."""

    paths: PathSet  # one demand per pair
    arcs: np.ndarray  # the arcs any tunnel uses (global ids)
    capacity: np.ndarray  # their capacities over the largest (dimensionless)
    incidence: sp.csr_matrix  # tunnels x local arcs (an arc used twice counts twice)

    @property
    def n_pairs(self) -> int:
        return self.paths.n_demands


def _group(topology: Topology, paths: PathSet, pair_src: np.ndarray | None,
           pair_dst: np.ndarray | None) -> _Tunnels:
    """The tunnels of each pair (given, or every pair of `paths`), grouped by pair."""
    n = topology.compile().n_nodes
    key = paths.src * n + paths.dst
    if pair_src is None or pair_dst is None:
        pairs = np.unique(key)
    else:
        pairs = np.asarray(pair_src, dtype=np.int64) * n + np.asarray(pair_dst, dtype=np.int64)
        if len(np.unique(pairs)) != len(pairs):
            raise ValidationError("a pair is listed twice", field="pairs")
        missing = ~np.isin(pairs, key)
        if missing.any():
            j = int(np.flatnonzero(missing)[0])
            names = topology.site_names
            raise InfeasibleError(f"pair {names[pairs[j] // n]!r} -> {names[pairs[j] % n]!r} "
                                  f"has no usable candidate tunnel ({int(missing.sum())} "
                                  "pairs have none)")
    order = np.flatnonzero(np.isin(key, pairs))
    pair_of = _index_of(pairs, key[order])
    order = order[np.argsort(pair_of, kind="stable")]
    pair_of = np.sort(pair_of, kind="stable")
    grouped = paths.take(order, demand_of=pair_of, n_demands=len(pairs))
    arcs = np.unique(grouped.arcs)
    cap = capacities(topology, arcs, purpose="oblivious routing")[arcs]
    full = grouped.arc_matrix(topology.compile().n_arcs)
    incidence = full[:, arcs].tocsr()
    incidence.sum_duplicates()
    return _Tunnels(grouped, arcs, cap / cap.max() if len(cap) else cap, incidence)


def _index_of(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The position in `keys` (unique, any order) of each of `values` (all present)."""
    order = np.argsort(keys)
    return order[np.searchsorted(keys[order], values)]


def _touching(tunnels: _Tunnels) -> sp.coo_matrix:
    """The ``pairs x local arcs`` pattern of the arcs some tunnel of each pair crosses."""
    paths = tunnels.paths
    owner = sp.csr_matrix((np.ones(paths.n_paths), (paths.demand_of, np.arange(paths.n_paths))),
                          shape=(tunnels.n_pairs, paths.n_paths))
    touch = (owner @ (tunnels.incidence > 0).astype(float)).tocsr()
    touch.sum_duplicates()
    touch.sort_indices()
    return touch.tocoo()


@dataclass(frozen=True)
class _Master:
    """The oblivious LP's constraint blocks over variables ``[x (tunnels), r, pi]``."""

    a_arc: sp.csr_matrix  # sum_h c_h pi_e(h) - r <= 0, one row per local arc
    a_tunnel: sp.csr_matrix  # share over c_e - sum_{h in P} pi_e(h) <= 0
    a_pair: sp.csr_matrix  # sum_{P of ij} x_P = 1
    pi_keys: np.ndarray  # e * n_arcs + h of each pi column
    n_x: int


def _master(tunnels: _Tunnels) -> _Master:
    """Build the oblivious LP (see the module's documentation)."""
    paths, inc, cap = tunnels.paths, tunnels.incidence, tunnels.capacity
    n_x, n_a = paths.n_paths, len(tunnels.arcs)
    path_ptr = paths.path_ptr
    count = np.diff(path_ptr)
    # define constraints: a row per (pair ij, arc e it touches, tunnel P of ij)
    touch = _touching(tunnels)
    t_pair, t_arc = touch.row.astype(np.int64), touch.col.astype(np.int64)
    t_key = t_pair * n_a + t_arc  # sorted: the COO of a sorted CSR
    row_ptr = np.concatenate([[0], np.cumsum(count[t_pair])])
    n_rows = int(row_ptr[-1])
    if n_rows > MAX_ROWS:
        raise ValidationError(
            f"the oblivious LP over {tunnels.n_pairs:,} pairs and {n_x:,} tunnels would have "
            f"{n_rows:,} rows (above {MAX_ROWS:,}): give fewer candidate tunnels or pairs",
            field="paths")
    row_tunnel, _ = ranges(path_ptr, t_pair)
    row_touch = np.repeat(np.arange(len(t_pair)), count[t_pair])
    #   + share of ij on e over c_e: every tunnel Q of ij through e, in each row of (ij, e)
    q_inc = inc.tocoo()
    q_touch = np.searchsorted(t_key, paths.demand_of[q_inc.row] * n_a + q_inc.col)
    rows, per = ranges(row_ptr, q_touch)
    x_rows = rows
    x_cols = np.repeat(q_inc.row.astype(np.int64), per)
    x_vals = np.repeat(q_inc.data / cap[q_inc.col], per)
    #   - sum over the arcs h of P of pi_e(h)
    pos, hops = ranges(inc.indptr.astype(np.int64), row_tunnel)
    h = inc.indices[pos].astype(np.int64)
    e = np.repeat(t_arc[row_touch], hops)
    pi_keys, pi_col = np.unique(e * n_a + h, return_inverse=True)
    n_pi = len(pi_keys)
    n_var = n_x + 1 + n_pi
    a_tunnel = sp.csr_matrix(
        (np.concatenate([x_vals, -inc.data[pos]]),
         (np.concatenate([x_rows, np.repeat(np.arange(n_rows), hops)]),
          np.concatenate([x_cols, n_x + 1 + pi_col]))), shape=(n_rows, n_var))
    a_tunnel.sum_duplicates()
    a_arc = sp.csr_matrix(
        (np.concatenate([cap[pi_keys % n_a], -np.ones(n_a)]),
         (np.concatenate([pi_keys // n_a, np.arange(n_a)]),
          np.concatenate([n_x + 1 + np.arange(n_pi), np.full(n_a, n_x)]))),
        shape=(n_a, n_var))
    a_pair = sp.csr_matrix((np.ones(n_x), (paths.demand_of, np.arange(n_x))),
                           shape=(tunnels.n_pairs, n_var))
    return _Master(a_arc, a_tunnel, a_pair, pi_keys, n_x)


def _clean_shares(tunnels: _Tunnels, x: np.ndarray) -> np.ndarray:
    """Tunnel shares without the solver's round-off: non-negative, summing to 1 per pair."""
    paths = tunnels.paths
    share = np.where(x > SHARE_FLOOR, x, 0.0)
    total = np.bincount(paths.demand_of, weights=share, minlength=paths.n_demands)
    return share / total[paths.demand_of]


def _dual_bound(tunnels: _Tunnels, master: _Master, share: np.ndarray, pi: np.ndarray,
                ) -> np.ndarray:
    """Per local arc, an upper bound on its worst ratio under `share` from the weights `pi`
    (scaled up where round-off leaves a tunnel's constraint short, so weak duality holds)."""
    n_x, n_a = master.n_x, len(tunnels.arcs)
    pi = np.clip(pi, 0.0, None)
    block = master.a_tunnel
    need = block[:, :n_x] @ share  # share of ij on e over c_e, per row
    have = -(block[:, n_x + 1:] @ pi)  # sum of pi_e over the arcs of P, per row
    with np.errstate(divide="ignore", invalid="ignore"):
        short = np.where(need > 0, need / have, 0.0)
    row_arc = block[:, n_x + 1:].tocsr()
    first = master.pi_keys[row_arc.indices[row_arc.indptr[:-1]]] // n_a  # the arc of each row
    scale = np.ones(n_a)
    np.maximum.at(scale, first, np.nan_to_num(short, nan=np.inf, posinf=np.inf))
    weight = np.bincount(master.pi_keys // n_a,
                         weights=tunnels.capacity[master.pi_keys % n_a] * pi, minlength=n_a)
    return scale * weight


def _solve_master(tunnels: _Tunnels, master: _Master, method: str, file: str | None,
                  extra: sp.csr_matrix | None = None, ratio_cap: float | None = None,
                  ) -> tuple[np.ndarray, float, float, tuple[int, int, int]]:
    """Solve the oblivious LP (minimise r), or with `extra` rows over an extra variable z
    ``[..., z]`` minimise z with ``r <= ratio_cap``. Returns ``(x, objective, seconds,
    (rows, cols, nonzeros))``."""
    from infranet.algorithms.solver import LinearProgram, solve

    a_ub = sp.vstack([master.a_arc, master.a_tunnel], format="csr")
    n_var = a_ub.shape[1]
    a_eq = master.a_pair
    c = np.zeros(n_var)
    upper = np.full(n_var, np.inf)
    if extra is None:
        c[master.n_x] = 1.0
    else:
        a_ub = sp.hstack([a_ub, sp.csr_matrix((a_ub.shape[0], 1))], format="csr")
        a_ub = sp.vstack([a_ub, extra], format="csr")
        a_eq = sp.hstack([a_eq, sp.csr_matrix((a_eq.shape[0], 1))], format="csr")
        c = np.append(c, 1.0)
        upper = np.append(upper, np.inf)
        if ratio_cap is not None:
            upper[master.n_x] = ratio_cap
    b_ub = np.zeros(a_ub.shape[0])
    lp = LinearProgram(c, a_ub, b_ub, a_eq, np.ones(a_eq.shape[0]), upper)
    x, fun, seconds = solve(lp, method, "the oblivious routing LP", file)
    size = (lp.shape[0], lp.shape[1], int(a_ub.nnz + a_eq.nnz))
    return x, fun, seconds, size


def worst_case(topology: Topology, splits: PathSet, tunnels: PathSet, *,
               method: str = "highs") -> tuple[np.ndarray, int, np.ndarray]:
    """Return the worst ratio of a routing on each arc over every traffic matrix of its pairs:
    per arc ``e``, ``max sum_ij D_ij f_ij(e) / c_e`` over the matrices ``D`` whose optimal MLU
    over `tunnels` is at most 1 (one LP per loaded arc, solved with HiGHS).

    Parameters
    ----------
    splits
        The routing: one demand per pair (pairs distinct), its paths and their fractions (the
        paths need not be tunnels: any routing, ECMP's included, can be assessed).
    tunnels
        The candidate tunnels over which the optimum is taken (those of the pairs of
        `splits`).

    Returns
    -------
    arc_ratio : ndarray of float
        Per arc, the worst ratio (0 on arcs the routing does not load).
    worst_arc : int
        The arc of the largest.
    worst_gbps : ndarray of float
        Per demand of `splits`, the matrix that reaches it (Gb/s; optimal MLU 1).

    Raises
    ------
    InfeasibleError
        For a pair of `splits` without a tunnel.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.algorithms.candidates import shortest_paths
    >>> topo = Topology.from_dict({"name": "v", "sites": [{"name": n} for n in "xyz"],
    ...     "links": [{"a": "x", "b": "z", "capacity": 10}, {"a": "x", "b": "y",
    ...     "capacity": 10}, {"a": "y", "b": "z", "capacity": 10}]})
    >>> both = shortest_paths(topo, [("x", "z")], k=2)
    >>> direct = both.take(np.array([0]), fraction=np.array([1.0]))
    >>> ratio, arc, matrix = worst_case(topo, direct, both)
    >>> float(ratio.max()), float(matrix[0])  # 20 Gb/s fit over both ways; all on one link
    (2.0, 20.0)
    """
    from infranet.algorithms.solver import LinearProgram, solve

    compiled = topology.compile()
    check_paths(topology, splits)
    check_paths(topology, tunnels)
    if splits.fraction is None:
        raise ValidationError("the routing's paths carry no fractions", field="splits")
    demand_src = splits.src[splits.path_ptr[:-1]] if splits.n_paths else np.zeros(0, np.int64)
    demand_dst = splits.dst[splits.path_ptr[:-1]] if splits.n_paths else np.zeros(0, np.int64)
    if (np.diff(splits.path_ptr) == 0).any():
        raise ValidationError("every pair of the routing needs a path", field="splits")
    group = _group(topology, usable_paths(topology, tunnels, None), demand_src, demand_dst)
    m = compiled.n_arcs
    per_path = sp.csr_matrix((splits.shares, (splits.demand_of, np.arange(splits.n_paths))),
                             shape=(splits.n_demands, splits.n_paths))
    share = (per_path @ splits.arc_matrix(m)).tocsc()  # pairs x arcs
    cap_all = capacities(topology, np.unique(splits.arcs), purpose="oblivious routing")
    scale = float(np.max(cap_all[group.arcs])) if len(group.arcs) else 1.0
    on_tunnel = group.incidence.T.tocsr()  # local arcs x tunnels
    cap = group.capacity
    pair_of = group.paths.demand_of
    ratio = np.zeros(m)
    best, worst_arc = -1.0, 0
    worst_gbps: np.ndarray = np.zeros(splits.n_demands)
    for arc in np.flatnonzero(np.diff(share.indptr) > 0):
        if cap_all[arc] <= 0:
            raise ValidationError(f"the routing loads arc {arc}, of zero capacity: its ratio "
                                  "is unbounded", field="splits")
        weight = share[:, arc].toarray().ravel()[pair_of] / (cap_all[arc] / scale)
        lp = LinearProgram(-weight, on_tunnel, cap, None, None, np.full(len(weight), np.inf))
        g, _, _ = solve(lp, method, f"the worst case of arc {arc}", topology.file)
        g = np.clip(g, 0.0, None)
        over = float(np.max((on_tunnel @ g) / cap)) if len(cap) else 0.0
        g = g / max(over, 1.0)  # exactly within capacity: a matrix the optimum carries
        ratio[arc] = float(weight @ g)
        if ratio[arc] > best:
            best, worst_arc = ratio[arc], int(arc)
            worst_gbps = np.bincount(pair_of, weights=g, minlength=splits.n_demands) * scale
    return ratio, worst_arc, worst_gbps


# ---------------------------------------------------------------------------- public API


def oblivious_routing(topology: Topology, pairs: Sequence[tuple[str, str]] | None = None,
                      paths: PathSet | None = None, *, k: int = 4, weight: str = "hops",
                      method: str = "highs-ipm", certify: bool = True) -> ObliviousRouting:
    """Return the oblivious routing of least worst-case ratio over candidate tunnels.

    Parameters
    ----------
    topology
        The network (every arc a tunnel uses needs a capacity).
    pairs
        The ``(src, dst)`` pairs to route; default every pair that `paths` joins.
    paths
        Candidate tunnels (e.g. :func:`~infranet.algorithms.candidates.read_tunnels`);
        default the `k` shortest paths of each pair by `weight` (then `pairs` is needed).
        Tunnels through an arc of zero capacity are dropped.
    method
        The HiGHS method; interior point by default, 4 to 6 times faster than simplex on this
        LP (GEANT's tunnels: 1.6 s against 6.7 s, ``benchmarks/bench_oblivious.py``).
    certify
        Also solve each arc's worst-case LP for the shares found, which bounds the ratio from
        below (:attr:`ObliviousRouting.ratio_lower`, :attr:`ObliviousRouting.certified`); one
        small LP per arc.

    Raises
    ------
    InfeasibleError
        For a pair without a usable tunnel (naming it).
    UnknownNameError
        For a pair naming no site.

    Examples
    --------
    Two pairs into ``z`` over a triangle: each pair's second tunnel crosses the other's
    first link, so the oblivious routing splits each pair evenly and loses nothing to the
    optimum (ratio 1), which the matrix that reaches it attests:

    >>> from infranet.model import Topology
    >>> tri = Topology.from_dict({"name": "tri", "sites": [{"name": n} for n in "xyz"],
    ...     "links": [{"a": a, "b": b, "capacity": 10} for a, b in ("xy", "yz", "xz")]})
    >>> obl = oblivious_routing(tri, [("x", "z"), ("y", "z")], k=2)
    >>> round(obl.ratio, 6), round(obl.ratio_lower, 6), obl.splits.fraction.tolist()
    (1.0, 1.0, [0.5, 0.5, 0.5, 0.5])
    """
    timer = Stopwatch()
    options = {"k": k if paths is None else None, "weight": weight, "method": method,
               "certify": certify}
    src = dst = None
    if pairs is not None:
        src, dst = _pair_indices(topology, pairs)
    if paths is None:
        if pairs is None:
            raise ValidationError("give the pairs, the candidate tunnels, or both",
                                  field="pairs")
        from infranet.algorithms.candidates import shortest_paths

        paths = shortest_paths(topology, list(pairs), k, weight=weight)
    check_paths(topology, paths)
    tunnels = _group(topology, usable_paths(topology, paths, None), src, dst)
    return _solve(topology, tunnels, method, certify, options, timer)


def _pair_indices(topology: Topology, pairs: Sequence[tuple[str, str]],
                  ) -> tuple[np.ndarray, np.ndarray]:
    index = topology.compile().index
    src, dst = [], []
    for pair in pairs:
        if len(pair) != 2:
            raise ValidationError(f"a pair is (src, dst), got {pair!r}", field="pairs")
        for name in pair:
            if name not in index:
                raise UnknownNameError(f"unknown site {name!r}"
                                       f"{did_you_mean(name, topology.site_names)}",
                                       field="pairs")
        if pair[0] == pair[1]:
            raise ValidationError(f"pair {pair[0]!r} -> {pair[1]!r} goes nowhere",
                                  field="pairs")
        src.append(index[pair[0]])
        dst.append(index[pair[1]])
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)


def _solve(topology: Topology, tunnels: _Tunnels, method: str, certify: bool,
           options: Mapping[str, Any], timer: Stopwatch) -> ObliviousRouting:
    compiled = topology.compile()
    paths = tunnels.paths
    if not tunnels.n_pairs:
        return ObliviousRouting(compiled.nodes, paths, np.zeros(0), np.zeros(0), 1.0, 1.0,
                                1.0, np.zeros(compiled.n_arcs), 0, np.zeros(0), 0, 0, 0, 0,
                                timer(), 0.0, compiled.links, options)
    master = _master(tunnels)
    x, ratio, _, size = _solve_master(tunnels, master, method, topology.file)
    share = _clean_shares(tunnels, x[:master.n_x])
    upper = float(_dual_bound(tunnels, master, share, x[master.n_x + 1:]).max())
    return _finish(topology, tunnels, share, ratio, upper, size, method, certify, options,
                   timer)


def _finish(topology: Topology, tunnels: _Tunnels, share: np.ndarray, ratio: float,
            upper: float, size: tuple[int, int, int], method: str, certify: bool,
            options: Mapping[str, Any], timer: Stopwatch) -> ObliviousRouting:
    compiled = topology.compile()
    paths = tunnels.paths
    solve_s = timer()
    used = np.flatnonzero(share > 0)
    splits = paths.take(used, fraction=share[used])
    pair_src = paths.src[paths.path_ptr[:-1]]
    pair_dst = paths.dst[paths.path_ptr[:-1]]
    lower, arc_ratio = float("nan"), np.full(compiled.n_arcs, np.nan)
    worst_arc, worst_gbps = int(tunnels.arcs[0]), np.zeros(len(pair_src))
    check = Stopwatch()
    if certify:
        arc_ratio, worst_arc, worst_gbps = worst_case(topology, splits, paths, method=method)
        lower = float(arc_ratio.max())
    return ObliviousRouting(compiled.nodes, splits, pair_src, pair_dst, float(ratio), upper,
                            lower, arc_ratio, worst_arc, worst_gbps, paths.n_paths, *size,
                            solve_s, check() if certify else 0.0, compiled.links, options)


# ---------------------------------------------------------------------------- registered


def _fingerprint(topology: Topology, tunnels: PathSet, method: str) -> str:
    """A digest of what an oblivious routing depends on: the graph, its capacities, the
    tunnels (hence the pairs) and the solver."""
    compiled = topology.compile()
    digest = hashlib.blake2b(digest_size=20)
    digest.update("\0".join(compiled.nodes).encode())
    for array in (compiled.tail, compiled.head, np.nan_to_num(compiled.capacity_gbps),
                  tunnels.src, tunnels.dst, tunnels.indptr, tunnels.arcs):
        digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(b"|")
    digest.update(method.encode())
    return digest.hexdigest()


def _cached(topology: Topology, tunnels: PathSet, method: str) -> tuple[ObliviousRouting, bool]:
    """The oblivious routing over every pair of `tunnels` (usable ones), solved once per
    topology, tunnels and method (the last few kept)."""
    key = _fingerprint(topology, tunnels, method)
    hit = _cache.get(key)
    if hit is not None:
        _cache.move_to_end(key)
        return hit, True
    timer = Stopwatch()
    grouped = _group(topology, tunnels, None, None)
    result = _solve(topology, grouped, method, True, {"method": method}, timer)
    _cache[key] = result
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return result, False


def _tunnels_for(topology: Topology, tm: TrafficMatrix | Flows, paths: PathSet | None, k: int,
                 weight: str, path_method: str, failure: FailureSet | None, name: str,
                 ) -> tuple[PathSet, np.ndarray, np.ndarray, np.ndarray]:
    src, dst, demand = demands(topology, tm)
    tunnels, _ = tunnel_candidates(topology, tm, src, dst, paths, k, weight, path_method,
                                   failure, name)
    return tunnels, src, dst, demand


def _options(k: int, weight: str, paths: PathSet | None, method: str, path_method: str,
             failure: FailureSet | None, **more: Any) -> dict[str, Any]:
    return {**more, "k": k, "weight": weight, "paths": "given" if paths is not None else None,
            "method": method, "path_method": path_method, "failure": failure_name(failure)}


@register("oblivious")
def oblivious(topology: Topology, tm: TrafficMatrix | Flows, *, k: int = 4,
              weight: str = "hops", paths: PathSet | None = None, method: str = "highs-ipm",
              path_method: str = "auto", failure: FailureSet | None = None) -> Routing:
    """Demand-oblivious routing over candidate tunnels: the shares of least worst-case ratio
    to the optimum over all traffic matrices (:func:`oblivious_routing`, the Applegate–Cohen
    LP), whatever the matrix routed.

    Parameters
    ----------
    k, weight, path_method, paths, failure
        As ``path-lp``. With `paths` the routing covers every pair the tunnels join (the
        matrix is not read); without, the `k` shortest paths of each demanded pair.
    method
        The HiGHS method (interior point by default, see :func:`oblivious_routing`).

    Notes
    -----
    The routing depends on the topology and the tunnels only: it is solved once and kept
    (the last few, keyed on a digest of the graph, capacities, tunnels and method), so that
    routing a series of matrices costs one LP in all. ``info["worst_case_ratio"]`` is the
    certified ratio (``info["ratio_lower"]`` the ratio reached by the worst matrix), and
    ``info["cached"]`` says whether the LP was solved for this call. Demands without a
    tunnel are lost.
    """
    timer = Stopwatch()
    tunnels, src, dst, demand = _tunnels_for(topology, tm, paths, k, weight, path_method,
                                             failure, "oblivious")
    obl, hit = _cached(topology, tunnels, method)
    splits = path_splits(obl.splits, src, dst, obl.splits.shares)
    routed = np.diff(splits.path_ptr) > 0
    return Routing.from_splits(
        topology, tm, splits, algorithm="oblivious", solve_s=timer(),
        options=_options(k, weight, paths, method, path_method, failure),
        info={"worst_case_ratio": obl.ratio_upper, "ratio_lower": obl.ratio_lower,
              "certified": obl.certified, "cached": hit, "lp_s": obl.solve_s,
              "lost_gbps": float(demand[~routed].sum())})


#: COPE's default penalty envelope: the worst-case ratio may exceed the optimal oblivious
#: ratio by 10 %.
COPE_BETA = 1.1

#: Dual simplex iterations a COPE call may spend from the last window's basis before it solves
#: afresh by interior point (on GEANT a warm call takes tens to hundreds of iterations; one
#: from scratch, about 1.3 s).
COPE_SIMPLEX_ITERATIONS = 1500
#: COPE's default window of predicted matrices (the latest observed ones).
COPE_WINDOW = 12


@register("cope")
def cope(topology: Topology, tm: TrafficMatrix | Flows, *, beta: float = COPE_BETA,
         window: int = COPE_WINDOW, refresh: int = 1, history: Any = None, k: int = 4,
         weight: str = "hops",
         paths: PathSet | None = None, method: str = "highs-ipm", path_method: str = "auto",
         failure: FailureSet | None = None) -> Routing:
    """COPE: the tunnel shares of least performance ratio on the predicted matrices whose
    worst-case ratio over all matrices stays within a penalty envelope (Wang et al., "COPE:
    Traffic Engineering in Dynamic Networks", SIGCOMM 2006).

    Parameters
    ----------
    beta
        The penalty envelope, relative to the optimal oblivious ratio ``r*``: the routing's
        ratio over every matrix is at most ``beta * r*`` (``beta >= 1``; 1 gives an optimal
        oblivious routing, the best one on the predicted matrices; a large value optimises
        for the predicted matrices alone).
    window
        The predicted matrices: the last `window` of `history` (each one ``tm`` of an
        interval already seen), or `tm` alone without history.
    refresh
        With `history`, re-solve every `refresh` intervals: configured for interval ``t``,
        the predicted matrices are the `window` intervals before ``t - t % refresh``, so the
        routing stays the same for `refresh` intervals in a row, as a routing recomputed
        periodically from the recent past is deployed (1: every interval).
    history
        The matrices seen so far (a series view: ``pairs``, ``volumes``), passed by the
        online protocol.
    k, weight, paths, method, path_method, failure
        As ``oblivious``.

    Notes
    -----
    The paper states the envelope as an absolute bound on the ratio; here it is relative to
    ``r*`` so that every ``beta >= 1`` is feasible. The predicted set is the window's
    matrices themselves (the paper's convex hull has the same worst MLU, not the same worst
    ratio). The LP is the oblivious LP with a row per arc and predicted matrix (each matrix
    divided by its optimum over the tunnels, from the path LP). It is kept in HiGHS between
    calls with the same tunnels, `beta`, `window` and replay (``history.run``): a call
    rewrites the rows of the matrices new to the window and re-solves from the last basis by
    dual simplex (GEANT's tunnels: 0.25 to 0.8 s against 3.4 to 4.7 s afresh on a busy
    machine, but about 3 s where the window's matrices shift, see ``docs/oblivious.md``).
    ``info["worst_case_ratio"]`` is the certified (dual) bound on the routing's ratio and
    ``info["predicted_ratio"]`` its largest ratio on a predicted matrix.
    """
    timer = Stopwatch()
    if not (isinstance(beta, (int, float)) and beta >= 1):
        raise ValidationError(f"beta must be a number >= 1, got {beta!r}", field="beta")
    if not (isinstance(window, (int, np.integer)) and window >= 1):
        raise ValidationError(f"window must be a positive integer, got {window!r}",
                              field="window")
    if not (isinstance(refresh, (int, np.integer)) and refresh >= 1):
        raise ValidationError(f"refresh must be a positive integer, got {refresh!r}",
                              field="refresh")
    tunnels, src, dst, demand = _tunnels_for(topology, tm, paths, k, weight, path_method,
                                             failure, "cope")
    obl, _ = _cached(topology, tunnels, method)
    grouped = _group(topology, tunnels, None, None)
    predicted = _predicted(topology, grouped, tm, history, window, refresh)
    if not predicted.any():  # nothing predicted carries traffic: the oblivious routing
        fractions, predicted_ratio, upper = obl.splits, float("nan"), obl.ratio_upper
    else:
        model = _cope_model(topology, grouped, obl, float(beta), int(window), method,
                            getattr(history, "run", None))
        share, pi, predicted_ratio = model.solve(topology, predicted, method)
        upper = float(_dual_bound(grouped, model.master, share, pi).max())
        used = np.flatnonzero(share > 0)
        fractions = grouped.paths.take(used, fraction=share[used])
    splits = path_splits(fractions, src, dst, fractions.shares)
    routed = np.diff(splits.path_ptr) > 0
    return Routing.from_splits(
        topology, tm, splits, algorithm="cope", solve_s=timer(),
        options=_options(k, weight, paths, method, path_method, failure, beta=float(beta),
                         window=int(window), refresh=int(refresh)),
        info={"worst_case_ratio": upper, "oblivious_ratio": obl.ratio,
              "envelope": obl.ratio * beta, "predicted_ratio": predicted_ratio,
              "predicted": int((predicted > 0).any(axis=1).sum()),
              "lost_gbps": float(demand[~routed].sum())})


def _predicted(topology: Topology, grouped: _Tunnels, tm: TrafficMatrix | Flows,
               history: Any, window: int, refresh: int = 1) -> np.ndarray:
    """The predicted matrices, ``(matrices, pairs)`` in Gb/s over the pairs of `grouped`:
    the last `window` of `history` as of its latest multiple of `refresh` (see ``cope``)."""
    paths = grouped.paths
    n = len(paths.nodes)
    pair_key = paths.src[paths.path_ptr[:-1]] * n + paths.dst[paths.path_ptr[:-1]]
    if history is not None and len(history):
        index = topology.compile().index
        names = getattr(history, "pairs", None)
        if names is None:
            raise ValidationError("history has no pairs (a traffic series is expected)",
                                  field="history")
        keys = np.array([index[a] * n + index[b] if a in index and b in index else -1
                         for a, b in names], dtype=np.int64)
        volumes = np.asarray(history.volumes)
        now = getattr(history, "now", len(volumes))
        if refresh > 1:  # the history as of the last refresh (at least one interval)
            volumes = volumes[:max(1, len(volumes) - now % refresh)]
        volumes = volumes[-window:]
        out = np.zeros((len(volumes), len(pair_key)))
        where = np.isin(keys, pair_key)
        out[:, _index_of(pair_key, keys[where])] = volumes[:, where]
        return out
    src, dst, demand = demands(topology, tm)
    out = np.zeros((1, len(pair_key)))
    keys = src * n + dst
    where = np.isin(keys, pair_key)
    np.add.at(out[0], _index_of(pair_key, keys[where]), demand[where])
    return out


_optimum_cache: collections.OrderedDict[str, float] = collections.OrderedDict()


def _tunnel_optimum(topology: Topology, grouped: _Tunnels, volumes: np.ndarray,
                    method: str) -> float:
    """The optimal MLU of a matrix over the tunnels (the path LP; the last few kept, since
    consecutive windows share matrices)."""
    from infranet.algorithms.mcf import min_mlu
    from infranet.traffic import Flows

    digest = hashlib.blake2b(volumes.tobytes(), digest_size=20)
    digest.update(_fingerprint(topology, grouped.paths, method).encode())
    key = digest.hexdigest()
    if key in _optimum_cache:
        _optimum_cache.move_to_end(key)
        return _optimum_cache[key]
    paths = grouped.paths
    live = volumes > 0
    flows = Flows(topology.site_names, paths.src[paths.path_ptr[:-1]][live],
                  paths.dst[paths.path_ptr[:-1]][live], volumes[live])
    value = float(min_mlu(topology, flows, formulation="path", paths=paths,
                          method=method).objective)
    _optimum_cache[key] = value
    while len(_optimum_cache) > 4 * _CACHE_SIZE * COPE_WINDOW:
        _optimum_cache.popitem(last=False)
    return value


class _CopeModel:
    """COPE's LP kept across calls: the oblivious LP's rows over ``[x, r, pi, z]`` with ``r``
    capped by the envelope, and `window` slots of rows ``sum_P (D_ij / OPT(D)) x_P / c_e <= z``
    (one per arc), one slot per predicted matrix. A call rewrites only the slots of matrices
    new to the window and re-solves from the last basis (dual simplex): consecutive windows
    share all matrices but one."""

    def __init__(self, tunnels: _Tunnels, master: _Master, ratio_cap: float, window: int,
                 module: Any, *, replay: bool = False) -> None:
        self.tunnels, self.master, self.window = tunnels, master, window
        self.ratio_cap, self.module = ratio_cap, module
        self.replay = replay  # the model of one replay: its calls follow one another
        on_arc = tunnels.incidence.T.tocoo()  # local arcs x tunnels
        self.pattern_arc = on_arc.row.astype(np.int64)
        self.pattern_tunnel = on_arc.col.astype(np.int64)
        self.base = on_arc.data  # the share of a tunnel's flow on the arc, per unit capacity
        self._build()

    def _build(self) -> None:
        """A fresh HiGHS model: the fixed rows, and every slot's rows empty (``-z <= 0``)."""
        from infranet.algorithms.solver import new_highs

        master, module, window = self.master, self.module, self.window
        n_x, n_a = master.n_x, len(self.tunnels.arcs)
        fixed = sp.vstack([master.a_arc, master.a_tunnel, master.a_pair], format="csr")
        n_var = fixed.shape[1] + 1
        self.n_fixed, self.z = fixed.shape[0], n_var - 1
        inf = module.kHighsInf
        h = new_highs(module)
        upper = np.full(n_var, inf)
        upper[n_x] = self.ratio_cap
        cost = np.zeros(n_var)
        cost[self.z] = 1.0
        h.addCols(n_var, cost, np.zeros(n_var), upper, 0, np.zeros(n_var, dtype=np.int32),
                  np.zeros(0, dtype=np.int32), np.zeros(0))
        n_ub = master.a_arc.shape[0] + master.a_tunnel.shape[0]
        lower = np.concatenate([np.full(n_ub, -inf), np.ones(master.a_pair.shape[0])])
        upper_row = np.concatenate([np.zeros(n_ub), np.ones(master.a_pair.shape[0])])
        h.addRows(fixed.shape[0], lower, upper_row, fixed.nnz, fixed.indptr[:-1].astype(np.int32),
                  fixed.indices.astype(np.int32), fixed.data.astype(float))
        # predicted rows: -z now, the matrix's coefficients when a slot is filled
        n_pred = window * n_a
        h.addRows(n_pred, np.full(n_pred, -inf), np.zeros(n_pred), n_pred,
                  np.arange(n_pred, dtype=np.int32), np.full(n_pred, self.z, dtype=np.int32),
                  -np.ones(n_pred))
        self.slots: list[str | None] = [None] * window
        self.order: list[str] = []  # the last call's matrices, oldest first
        self.h, self.solved = h, False
        self.last: tuple[np.ndarray, np.ndarray, float] | None = None

    def _fill(self, slot: int, values: np.ndarray) -> None:
        n_a = len(self.tunnels.arcs)
        rows = self.n_fixed + slot * n_a + self.pattern_arc
        for row, col, value in zip(rows.tolist(), self.pattern_tunnel.tolist(),
                                   values.tolist(), strict=True):
            self.h.changeCoeff(row, col, value)

    def solve(self, topology: Topology, predicted: np.ndarray, method: str,
              ) -> tuple[np.ndarray, np.ndarray, float]:
        """Route for the predicted matrices (``matrices x pairs``, Gb/s); return the shares,
        the weights ``pi`` and the largest ratio on a predicted matrix."""
        cap = capacities(topology, self.tunnels.arcs, purpose="cope")[self.tunnels.arcs]
        pair_of = self.tunnels.paths.demand_of
        wanted: dict[str, np.ndarray] = {}
        for volumes in predicted:
            if (volumes > 0).any():
                # the ratio does not change with the matrix's scale: solve it at peak 1
                unit = volumes / volumes.max()
                key = hashlib.blake2b(unit.tobytes(), digest_size=20).hexdigest()
                wanted[key] = unit
        order = list(wanted)
        if self.solved and not self.replay and not _slides_on(self.order, order):
            # called outside a replay, and not the last window moved on (another series, or
            # the same again from an earlier interval): a fresh model, so the answer does not
            # depend on the basis that calls for other windows left behind
            self._build()
        self.order = order
        keep = [key if key in wanted else None for key in self.slots]
        for key, unit in wanted.items():
            if key in keep:
                continue
            slot = keep.index(None)
            optimum = _tunnel_optimum(topology, self.tunnels, unit, method)
            per_tunnel = unit[pair_of] / optimum
            self._fill(slot, self.base * per_tunnel[self.pattern_tunnel]
                       / cap[self.pattern_arc])
            keep[slot] = key
        for slot, held in enumerate(keep):
            if held is None and self.slots[slot] is not None:
                self._fill(slot, np.zeros(len(self.base)))
        if keep == self.slots and self.last is not None:
            return self.last  # the same predicted matrices: the same LP, solved
        self.slots = keep
        h = self.h
        # the first solve by interior point (crossover gives a basis), then dual simplex
        # from the last basis
        h.setOptionValue("solver", "simplex" if self.solved else "ipm")
        h.setOptionValue("simplex_iteration_limit", COPE_SIMPLEX_ITERATIONS)
        h.run()
        status = h.getModelStatus()
        if status != self.module.HighsModelStatus.kOptimal and self.solved:
            # the last basis can be far from this window's optimum (dual simplex then wanders
            # for thousands of iterations): interior point from scratch, whose crossover
            # gives the next call a fresh basis
            h.setOptionValue("solver", "ipm")
            h.run()
            status = h.getModelStatus()
        if status != self.module.HighsModelStatus.kOptimal:
            raise InfranetError(f"HiGHS did not solve the COPE LP: {h.modelStatusToString(status)}",
                                file=topology.file)
        self.solved = True
        x = np.asarray(h.getSolution().col_value)
        n_x = self.master.n_x
        self.last = (_clean_shares(self.tunnels, x[:n_x]), x[n_x + 1:self.z], float(x[self.z]))
        return self.last


def _slides_on(before: list[str], after: list[str]) -> bool:
    """Whether window `after` is window `before` moved on in time (or the same): the newest
    matrices of `before` are the oldest of `after`, in order, at least one shared."""
    if not before or not after:
        return False
    return any(before[s:] == after[:len(before) - s] for s in range(len(before)))


_cope_cache: collections.OrderedDict[str, _CopeModel] = collections.OrderedDict()


def _cope_model(topology: Topology, grouped: _Tunnels, obl: ObliviousRouting, beta: float,
                window: int, method: str, run: int | None = None) -> _CopeModel:
    """The COPE model of these tunnels, envelope and window (the last few kept), one per
    replay of the online protocol (`run`), so that a replay never warm-starts from the basis
    another left behind."""
    from infranet.algorithms.solver import highspy

    key = f"{_fingerprint(topology, grouped.paths, method)}:{beta!r}:{window}:{run}"
    model = _cope_cache.get(key)
    if model is not None:
        _cope_cache.move_to_end(key)
        return model
    module = highspy()
    if module is None:  # pragma: no cover - highspy is a dependency
        raise InfranetError("cope needs highspy (pip install highspy)")
    cap = obl.ratio * beta * (1 + CERTIFY_RTOL) if np.isfinite(beta) else module.kHighsInf
    model = _CopeModel(grouped, _master(grouped), cap, window, module, replay=run is not None)
    _cope_cache[key] = model
    while len(_cope_cache) > _CACHE_SIZE // 2:
        _cope_cache.popitem(last=False)
    return model


@register("semi-oblivious")
def semi_oblivious(topology: Topology, tm: TrafficMatrix | Flows, *, tunnels: int = 4,
                   k: int = 4, weight: str = "hops", paths: PathSet | None = None,
                   method: str = "highs-ipm", path_method: str = "auto",
                   failure: FailureSet | None = None) -> Routing:
    """Semi-oblivious routing: tunnels fixed once from the oblivious routing's support, the
    split over them re-optimised for the matrix given (the prediction: in the online protocol,
    the last matrix seen) by the path LP (Kumar et al., "Semi-Oblivious Traffic Engineering:
    The Road Not Taken", NSDI 2018, SMORE).

    Parameters
    ----------
    tunnels
        Tunnels kept per pair: those the oblivious routing uses, largest share first.
    k, weight, paths, method, path_method, failure
        As ``oblivious``.

    Notes
    -----
    SMORE samples its tunnels from Räcke's oblivious routing; here they are the support of
    the oblivious LP over the candidate tunnels (solved once and kept, as for ``oblivious``).
    ``info["lp_mlu"]`` is the path LP's optimum over the kept tunnels.
    """
    timer = Stopwatch()
    if not (isinstance(tunnels, (int, np.integer)) and tunnels >= 1):
        raise ValidationError(f"tunnels must be a positive integer, got {tunnels!r}",
                              field="tunnels")
    candidates, _, _, _ = _tunnels_for(topology, tm, paths, k, weight, path_method, failure,
                                       "semi-oblivious")
    obl, hit = _cached(topology, candidates, method)
    support = _support(obl.splits, int(tunnels))
    result = path_lp(topology, tm, paths=support, method=method)
    return Routing.from_splits(
        topology, tm, result.splits, algorithm="semi-oblivious", solve_s=timer(),
        options=_options(k, weight, paths, method, path_method, failure,
                         tunnels=int(tunnels)),
        info={"lp_mlu": result.info["lp_mlu"], "lost_gbps": result.info["lost_gbps"],
              "oblivious_ratio": obl.ratio, "tunnels_kept": support.n_paths,
              "cached": hit})


def _support(splits: PathSet, most: int) -> PathSet:
    """Up to `most` paths of each demand of `splits`, largest fraction first (candidate
    tunnels: no fractions)."""
    order = np.lexsort((-splits.shares, splits.demand_of))
    rank = np.arange(len(order)) - splits.path_ptr[splits.demand_of[order]]
    keep = np.sort(order[rank < most])
    chosen = splits.take(keep)
    return PathSet(chosen.nodes, chosen.src, chosen.dst, chosen.indptr, chosen.arcs,
                   path_ptr=chosen.path_ptr)
