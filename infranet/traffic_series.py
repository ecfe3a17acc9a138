"""Series of traffic matrices: demands in Gb/s per interval, in time order.

A :class:`TrafficSeries` holds ``T`` intervals of demands over a fixed tuple of ordered
``(src, dst)`` pairs: ``volumes[t, p]`` is the rate in Gb/s of pair ``pairs[p]`` during interval
``t`` (interval ``t`` comes right after ``t - 1``), with optional ``timestamps``. It is what the
online traffic-engineering protocol (:func:`infranet.routing.online.run_online`) replays: a
routing configured from intervals ``< t`` is measured on interval ``t``.

Readers take FIGRET ``.hist`` files (one matrix per line, in time order; :func:`read_hist`) and
CSV tables with a time column ``t,src,dst,gbps`` (:func:`read_csv`); :func:`diurnal` draws a
seeded series (a gravity matrix with a daily cycle, noise and bursts).

Examples
--------
>>> from infranet.traffic import TrafficMatrix
>>> a = TrafficMatrix(("x", "y"), [[0, 3], [1, 0]])
>>> series = TrafficSeries.from_matrices([a, a.scaled(2)])
>>> len(series), series.pairs, series.volumes.tolist()
(2, (('x', 'y'), ('y', 'x')), [[3.0, 1.0], [6.0, 2.0]])
>>> series.matrix(1).total_gbps
8.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from infranet.errors import FormatError, UnknownNameError, ValidationError, did_you_mean
from infranet.results import FrozenState
from infranet.traffic import TrafficMatrix

if TYPE_CHECKING:
    from infranet.model import Topology

__all__ = [
    "ROUTABLE_FLOOR",
    "TrafficSeries",
    "diurnal",
    "matrix_of",
    "read_csv",
    "read_hist",
    "read_optima",
    "read_series",
]

#: A pair of zero volume is routed as if it sent this share of the largest volume of its
#: matrix, or the smallest positive volume if that is less (``routable=True``), so that every
#: pair of a series gets a path split: an interval where it sends nothing must not leave it
#: without a route for the next one. At 1e-9 it moves an LP optimum by less than the solver's
#: tolerance; an LP may then leave such a pair's flow at zero, and an algorithm that routes only
#: the flow it finds (``mcf``, ``fptas``) gives it no path: its demand at ``t`` is lost.
ROUTABLE_FLOOR = 1e-9


def matrix_of(nodes: Sequence[str], pairs: Sequence[tuple[str, str]], values: Any, *,
              routable: bool = False, name: str = "", source: str | None = None,
              ) -> TrafficMatrix:
    """Return the traffic matrix over `nodes` with ``values[p]`` Gb/s on ``pairs[p]``.

    Parameters
    ----------
    routable
        Raise zero volumes to :data:`ROUTABLE_FLOOR` times the largest, or the smallest
        positive one if that is less (to :data:`ROUTABLE_FLOOR` Gb/s when all are zero), so
        that a routing of the matrix routes every pair.

    Examples
    --------
    >>> tm = matrix_of(("a", "b"), [("a", "b"), ("b", "a")], [4.0, 0.0], routable=True)
    >>> tm.gbps.tolist()
    [[0.0, 4.0], [4e-09, 0.0]]
    """
    nodes = tuple(nodes)
    index = {x: i for i, x in enumerate(nodes)}
    values = np.asarray(values, dtype=float)
    if routable:
        positive = values[values > 0]
        floor = (min(float(positive.min()), ROUTABLE_FLOOR * float(positive.max()))
                 if positive.size else ROUTABLE_FLOOR)
        values = np.where(values > 0, values, floor)
    s = np.array([index[a] for a, _ in pairs], dtype=np.int64)
    t = np.array([index[b] for _, b in pairs], dtype=np.int64)
    gbps = np.zeros((len(nodes), len(nodes)))
    gbps[s, t] = values
    return TrafficMatrix(nodes, gbps, name=name, source=source)


@dataclass(frozen=True, eq=False)
class TrafficSeries(FrozenState):
    """Demands in Gb/s per interval: ``volumes[t, p]`` on ``pairs[p]`` during interval ``t``.

    Parameters
    ----------
    nodes
        Site names, unique.
    pairs
        Ordered ``(src, dst)`` pairs of distinct names of `nodes`, unique, in a fixed order.
    volumes
        ``T x P`` non-negative finite rates in Gb/s (``T >= 1``); copied and made read-only.
    timestamps
        One label per interval (e.g. ISO times), or None.
    name, source
        A label, and the file the series came from (named in error messages).

    Raises
    ------
    ValidationError
        For a shape that does not match, no interval, a duplicate pair or node, a pair from a
        node to itself, or a negative, NaN or infinite volume (naming the interval and pair).
    UnknownNameError
        For a pair whose end is not one of `nodes`.
    """

    nodes: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    volumes: np.ndarray = field(repr=False)
    timestamps: tuple[str, ...] | None = None
    name: str = ""
    source: str | None = None

    def __post_init__(self) -> None:
        nodes = tuple(str(x) for x in self.nodes)
        pairs = tuple((str(a), str(b)) for a, b in self.pairs)
        if len(set(nodes)) != len(nodes):
            raise ValidationError("a node appears twice; names must be unique",
                                  file=self.source, field="nodes")
        known = set(nodes)
        for a, b in pairs:
            for x in (a, b):
                if x not in known:
                    raise UnknownNameError(f"unknown node {x!r}{did_you_mean(x, nodes)}",
                                           file=self.source, element=f"pair {a!r} -> {b!r}")
            if a == b:
                raise ValidationError(f"a site cannot send to itself ({a!r})",
                                      file=self.source, element=f"pair {a!r} -> {b!r}")
        if len(set(pairs)) != len(pairs):
            raise ValidationError("a pair appears twice; pairs must be unique",
                                  file=self.source, field="pairs")
        volumes = np.array(self.volumes, dtype=float, copy=True)
        if volumes.ndim != 2 or volumes.shape[1] != len(pairs) or volumes.shape[0] < 1:
            raise ValidationError(f"expected volumes of shape (intervals >= 1, {len(pairs)} "
                                  f"pairs), got {volumes.shape}", file=self.source,
                                  field="volumes")
        bad = ~np.isfinite(volumes) | (volumes < 0)
        if bad.any():
            t, p = (int(v) for v in np.argwhere(bad)[0])
            raise ValidationError(f"expected a non-negative finite rate in Gb/s, got "
                                  f"{float(volumes[t, p])!r}", file=self.source,
                                  element=f"interval {t} pair {pairs[p][0]!r} -> "
                                          f"{pairs[p][1]!r}", field="gbps")
        volumes.setflags(write=False)
        stamps = self.timestamps
        if stamps is not None:
            stamps = tuple(str(x) for x in stamps)
            if len(stamps) != len(volumes):
                raise ValidationError(f"expected {len(volumes)} timestamps (one per interval), "
                                      f"got {len(stamps)}", file=self.source,
                                      field="timestamps")
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "pairs", pairs)
        object.__setattr__(self, "volumes", volumes)
        object.__setattr__(self, "timestamps", stamps)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_matrices(cls, matrices: Sequence[TrafficMatrix], *,
                      timestamps: Sequence[str] | None = None, name: str = "",
                      source: str | None = None) -> TrafficSeries:
        """Return the series of `matrices` (same nodes, in time order) over every ordered
        pair of distinct nodes, row-major."""
        if not len(matrices):
            raise ValidationError("a series needs at least one matrix", file=source)
        nodes = matrices[0].nodes
        for i, tm in enumerate(matrices):
            if tm.nodes != nodes:
                raise ValidationError("every matrix of a series has the same nodes in the same "
                                      "order", file=source or tm.source,
                                      element=f"interval {i}", field="nodes")
        n = len(nodes)
        s, t = np.nonzero(~np.eye(n, dtype=bool))
        stack = np.stack([tm.gbps for tm in matrices])
        return cls(nodes, tuple((nodes[a], nodes[b]) for a, b in zip(s, t, strict=True)),
                   stack[:, s, t], None if timestamps is None else tuple(timestamps), name,
                   source or matrices[0].source)

    # ------------------------------------------------------------------ views
    def __len__(self) -> int:
        return len(self.volumes)

    @property
    def n_intervals(self) -> int:
        return len(self.volumes)

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)

    @property
    def total_gbps(self) -> np.ndarray:
        """Total demand of each interval in Gb/s."""
        return self.volumes.sum(axis=1)

    def matrix(self, t: int, *, routable: bool = False) -> TrafficMatrix:
        """Return interval `t` (negative: from the end) as a traffic matrix over `nodes`
        (`routable`: see :func:`matrix_of`).

        Raises
        ------
        ValidationError
            For an interval out of range.
        """
        t = self._index(t)
        return matrix_of(self.nodes, self.pairs, self.volumes[t], routable=routable,
                         name=f"{self.name}:{t}" if self.name else str(t), source=self.source)

    def _index(self, t: int) -> int:
        n = len(self)
        if not isinstance(t, (int, np.integer)) or not -n <= t < n:
            raise ValidationError(f"interval must be between 0 and {n - 1}, got {t!r}",
                                  file=self.source, field="interval")
        return int(t) % n

    def head(self, count: int) -> TrafficSeries:
        """Return the first `count` intervals (all of them when there are fewer)."""
        return self.window(0, count)

    def window(self, start: int, stop: int) -> TrafficSeries:
        """Return intervals ``start .. stop - 1`` as a series (renumbered from 0).

        Raises
        ------
        ValidationError
            When the window holds no interval.
        """
        stop = min(int(stop), len(self))
        if not 0 <= start < stop:
            raise ValidationError(f"the window {start}..{stop - 1} holds no interval of "
                                  f"0..{len(self) - 1}", file=self.source, field="interval")
        stamps = None if self.timestamps is None else self.timestamps[start:stop]
        return TrafficSeries(self.nodes, self.pairs, self.volumes[start:stop], stamps,
                             self.name, self.source)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per interval and pair of non-zero volume: ``t, src, dst, gbps`` (the
        layout :func:`read_csv` reads)."""
        t, p = np.nonzero(self.volumes)
        src = np.array([a for a, _ in self.pairs], dtype=object)
        dst = np.array([b for _, b in self.pairs], dtype=object)
        return pd.DataFrame({"t": t, "src": src[p], "dst": dst[p], "gbps": self.volumes[t, p]})

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no per-interval volumes)."""
        total = self.total_gbps
        return {"name": self.name, "source": self.source, "intervals": len(self),
                "nodes": len(self.nodes), "pairs": self.n_pairs,
                "mean_total_gbps": float(total.mean()), "max_total_gbps": float(total.max())}

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (f"<TrafficSeries{label}: {len(self)} intervals, {self.n_pairs} pairs over "
                f"{len(self.nodes)} nodes>")


# ---------------------------------------------------------------------------- readers


def read_hist(path: str | Path, nodes: Topology | Sequence[str], *,
              unit: str = "bit/s") -> TrafficSeries:
    """Read a FIGRET ``.hist`` file as a series: one matrix per line, in time order (see
    :func:`infranet.traffic.read_hist` for the format, the `unit` and the errors).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.hist"
    >>> _ = path.write_text("0 2e9 1e9 0\\n0 4e9 0 0\\n")
    >>> read_hist(path, ["a", "b"]).volumes.tolist()
    [[2.0, 1.0], [4.0, 0.0]]
    """
    from infranet import traffic

    matrices = traffic.read_hist(path, nodes, unit=unit)
    assert isinstance(matrices, list)  # every line
    return TrafficSeries.from_matrices(matrices, name=Path(path).stem, source=str(path))


def read_csv(path: str | Path, nodes: Topology | Sequence[str] | None = None,
             ) -> TrafficSeries:
    """Read a CSV series with header ``t,src,dst,gbps`` (other columns are ignored).

    ``t`` numbers the intervals with consecutive whole numbers (the first may be any; the
    series is renumbered from 0, the original numbers kept as timestamps); rows may come in
    any order, and repeated ``t, src, dst`` rows add up. A pair absent from an interval sends
    nothing then. The pairs of the series are those that appear in the file, in the order of
    `nodes` (row-major). A ``gbps`` value is a number in Gb/s or a quantity with its unit
    (``"400 Gb/s"``).

    Parameters
    ----------
    nodes
        The node order (names or a Topology, whose sites every name must be); default: order
        of first appearance.

    Raises
    ------
    FormatError
        For an empty file, a header without ``t``, ``src``, ``dst`` or ``gbps``, no rows, a row
        with too few fields, or a ``t`` that is not a whole number.
    ValidationError
        For a negative or non-finite rate, a site sending to itself, or a gap in ``t``
        (naming the row and field).
    UnknownNameError
        For a name that is not one of `nodes` (with the closest).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "series.csv"
    >>> _ = path.write_text("t,src,dst,gbps\\n0,x,y,10\\n1,x,y,12\\n1,y,x,1 Gb/s\\n")
    >>> s = read_csv(path)
    >>> s.pairs, s.volumes.tolist()
    ((('x', 'y'), ('y', 'x')), [[10.0, 0.0], [12.0, 1.0]])
    """
    import csv

    from infranet.io.files import read_text
    from infranet.traffic import parse_rate

    file = str(path)
    text = read_text(path)
    try:
        table = [row for row in csv.reader(text.splitlines()) if any(c.strip() for c in row)]
    except csv.Error as err:
        raise FormatError(f"cannot read CSV: {err}", file=file) from None
    columns = ("t", "src", "dst", "gbps")
    if not table:
        raise FormatError("empty file; expected a header t,src,dst,gbps and one row per "
                          "interval and pair", file=file)
    header = [c.strip() for c in table[0]]
    for name in columns:
        if name not in header:
            raise FormatError(f"no column {name!r}; the header must be t,src,dst,gbps"
                              f"{did_you_mean(name, header)}", file=file)
    if len(table) == 1:
        raise FormatError("no demands: the file has a header and no rows", file=file)
    at = [header.index(name) for name in columns]
    count = len(table) - 1
    stamps = np.empty(count, dtype=np.int64)
    src, dst, gbps = [], [], np.empty(count)
    for i, row in enumerate(table[1:]):
        element = f"row {i + 2}"
        if len(row) != len(header):
            raise FormatError(f"expected {len(header)} fields as in the header, got {len(row)}",
                              file=file, element=element)
        word = row[at[0]].strip()
        try:
            value = float(word)
            whole = math.isfinite(value) and value == int(value)
        except ValueError:
            whole = False
        if not whole:
            raise FormatError(f"expected a whole interval number, got {word!r}", file=file,
                              element=element, field="t")
        stamps[i] = int(value)
        src.append(row[at[1]].strip())
        dst.append(row[at[2]].strip())
        gbps[i] = parse_rate(row[at[3]].strip(), 1.0, file, element)
    if nodes is None:
        names = tuple(pd.unique(np.array(src + dst, dtype=object)))
    else:
        names = _names(nodes)
    index = {x: i for i, x in enumerate(names)}
    for column, values in (("src", src), ("dst", dst)):
        for i, x in enumerate(values):
            if x not in index:
                raise UnknownNameError(f"unknown site {x!r}{did_you_mean(x, names)}",
                                       file=file, element=f"row {i + 2}", field=column)
    s = np.array([index[x] for x in src], dtype=np.int64)
    d = np.array([index[x] for x in dst], dtype=np.int64)
    same = np.flatnonzero(s == d)
    if same.size:
        raise ValidationError(f"a site cannot send to itself ({src[same[0]]!r})", file=file,
                              element=f"row {int(same[0]) + 2}", field="dst")
    seen = np.unique(stamps)
    first = int(seen[0])
    if len(seen) != int(seen[-1]) - first + 1:
        gap = int(seen[np.flatnonzero(np.diff(seen) > 1)[0]])
        following = int(seen[np.searchsorted(seen, gap) + 1])
        at_row = int(np.flatnonzero(stamps == following)[0]) + 2
        raise ValidationError(f"interval {gap + 1} is missing (t jumps from {gap} to "
                              f"{following}); give every interval a row, with gbps 0 if "
                              "nothing is sent", file=file, element=f"row {at_row}",
                              field="t")
    n = len(names)
    key = s * n + d
    pair_keys = np.unique(key)
    volumes = np.zeros((len(seen), len(pair_keys)))
    with np.errstate(over="ignore"):
        np.add.at(volumes, (stamps - first, np.searchsorted(pair_keys, key)), gbps)
    if not np.isfinite(volumes).all():
        t, p = (int(v) for v in np.argwhere(~np.isfinite(volumes))[0])
        raise ValidationError("the rows of this interval and pair add up past the largest "
                              "number; give them in a larger unit", file=file,
                              element=f"interval {t + first} pair {names[pair_keys[p] // n]!r}"
                                      f" -> {names[pair_keys[p] % n]!r}", field="gbps")
    pairs = tuple((names[k // n], names[k % n]) for k in pair_keys.tolist())
    return TrafficSeries(names, pairs, volumes, tuple(str(x) for x in seen.tolist()),
                         Path(path).stem, file)


def _names(nodes: Topology | Sequence[str]) -> tuple[str, ...]:
    names = getattr(nodes, "site_names", None)
    if names is not None:
        return tuple(names)
    return tuple(str(x) for x in nodes)  # type: ignore[union-attr]


def read_series(path: str | Path, topology: Topology, *, unit: str = "bit/s",
                ) -> TrafficSeries:
    """Read a series for `topology`: a FIGRET ``.hist`` file (values in `unit`) or a CSV
    ``t,src,dst,gbps`` table, by the file's suffix.

    Raises
    ------
    FormatError
        For another suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".hist":
        series = read_hist(path, topology, unit=unit)
    elif suffix == ".csv":
        series = read_csv(path, topology)
    else:
        raise FormatError("a series is read from a FIGRET .hist file (one matrix per line) or "
                          "a CSV file with header t,src,dst,gbps", file=str(path))
    _check_range(series, topology, str(path), "line" if suffix == ".hist" else "t")
    return series


def _check_range(series: TrafficSeries, topology: Topology, file: str, where: str) -> None:
    """Refuse a volume past the range an LP solver can hold against the topology's largest
    capacity (:data:`infranet.algorithms.commodities.RANGE` times it), naming the interval
    and pair: a unit mistake, found here rather than at the routing of that interval."""
    from infranet.algorithms.commodities import RANGE

    cap = np.asarray(topology.compile().capacity_gbps, dtype=float)
    cap = cap[np.isfinite(cap) & (cap > 0)]
    if not cap.size or not series.volumes.size:
        return
    limit = RANGE * float(cap.max())
    t, p = np.unravel_index(int(np.argmax(series.volumes)), series.volumes.shape)
    value = float(series.volumes[t, p])
    if value > limit:
        label = (f"line {t + 1}" if where == "line"
                 else f"t {series.timestamps[t]}" if series.timestamps else f"interval {t}")
        a, b = series.pairs[p]
        raise ValidationError(f"{value:.6g} Gb/s is {value / float(cap.max()):.3g} times the "
                              f"largest link capacity, past the range an LP solver can hold "
                              f"({RANGE:.0e} times): check the unit", file=file,
                              element=f"{label} ({a} -> {b})", field="gbps")


def read_optima(path: str | Path, *, count: int | None = None) -> np.ndarray:
    """Read published optimal MLUs, one per interval (a FIGRET ``.opt`` file: whitespace-
    separated numbers in the order of the ``.hist`` lines).

    Parameters
    ----------
    count
        The number of intervals of the series they belong to: another number of values is an
        error (the optima of another series).

    Raises
    ------
    FormatError
        For an empty file, a value that is not a number, or not `count` values.
    ValidationError
        For a negative or non-finite value (naming its line).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.opt"
    >>> _ = path.write_text("0.95 0.98")
    >>> read_optima(path).tolist()
    [0.95, 0.98]
    """
    from infranet.io.files import read_text

    file = str(path)
    words = read_text(path).split()
    if not words:
        raise FormatError("no optimum: the file is empty (expected one number per interval)",
                          file=file)
    values = np.empty(len(words))
    for i, word in enumerate(words):
        try:
            values[i] = float(word)
        except ValueError:
            raise FormatError(f"expected a number (an optimal MLU), got {word!r}", file=file,
                              element=f"value {i + 1}") from None
        if not math.isfinite(values[i]) or values[i] < 0:
            raise ValidationError(f"expected a non-negative finite MLU, got {word!r}",
                                  file=file, element=f"value {i + 1}")
    if count is not None and len(values) != count:
        raise FormatError(f"expected {count} optima (one per interval of the series), got "
                          f"{len(values)}", file=file)
    return values


# ---------------------------------------------------------------------------- generator


def diurnal(topology: Topology, *, intervals: int, total_gbps: float, by: str = "capacity",
            period: int = 288, amplitude: float = 0.5, phase_spread: float = math.pi / 2,
            noise: float = 0.1, burst_rate: float = 0.01, burst_factor: float = 3.0,
            seed: int | np.random.Generator | None = None) -> TrafficSeries:
    """Return a seeded series: a gravity matrix that follows a daily cycle, with noise and
    bursts.

    The volume of pair ``p = (s, d)`` in interval ``t`` is ::

        base[p] * (1 + amplitude * sin(2 pi t / period + phase[s])) * noise[t, p] * burst[t, p]

    where ``base`` is :func:`infranet.traffic.gravity` (by `by`) scaled to `total_gbps`,
    ``phase[s]`` is drawn per source site from U(0, `phase_spread`) (sites in other time zones
    peak at other times), ``noise`` is log-normal with standard deviation `noise`, and
    ``burst`` is `burst_factor` with probability `burst_rate` and 1 otherwise.

    Parameters
    ----------
    topology
        Gives the sites and their gravity weights.
    intervals
        Number of intervals ``T`` (>= 1).
    total_gbps
        Mean total demand of an interval in Gb/s, before noise and bursts.
    by
        The gravity weight (``"capacity"``, ``"degree"``, ``"population"``).
    period
        Intervals per day (288: five-minute intervals).
    amplitude
        Relative swing of the daily cycle, in [0, 1).
    phase_spread
        Largest phase offset of a site's cycle, in radians (0: every site in step).
    noise, burst_rate, burst_factor
        The random parts (0, 0, 1: none).
    seed
        Seed of every random draw.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
    ...     "links": [{"a": "x", "b": "y", "capacity": 100},
    ...               {"a": "y", "b": "z", "capacity": 100}]})
    >>> s = diurnal(topo, intervals=48, total_gbps=60, period=24, seed=7)
    >>> s.volumes.shape, bool((s.volumes > 0).all())
    ((48, 6), True)
    >>> bool((diurnal(topo, intervals=48, total_gbps=60, period=24, seed=7).volumes
    ...       == s.volumes).all())
    True
    """
    from infranet.seeds import generator
    from infranet.traffic import gravity

    if not (isinstance(intervals, (int, np.integer)) and intervals >= 1):
        raise ValidationError(f"intervals must be a whole number >= 1, got {intervals!r}",
                              field="intervals")
    if not (isinstance(period, (int, np.integer)) and period >= 1):
        raise ValidationError(f"period must be a whole number of intervals >= 1, got "
                              f"{period!r}", field="period")
    checks = (("amplitude", amplitude, 0.0 <= amplitude < 1.0, "in [0, 1)"),
              ("phase_spread", phase_spread, math.isfinite(phase_spread) and phase_spread >= 0,
               ">= 0"),
              ("noise", noise, math.isfinite(noise) and noise >= 0, ">= 0"),
              ("burst_rate", burst_rate, 0.0 <= burst_rate <= 1.0, "in [0, 1]"),
              ("burst_factor", burst_factor, math.isfinite(burst_factor) and burst_factor > 0,
               "> 0"))
    for label, value, ok, bound in checks:
        if not ok:
            raise ValidationError(f"{label} must be {bound}, got {value!r}", field=label)
    rng = generator(seed)
    base = gravity(topology, total_gbps=total_gbps, by=by)
    nodes = base.nodes
    n = len(nodes)
    s, d = np.nonzero(~np.eye(n, dtype=bool))
    phase = rng.uniform(0.0, phase_spread, n) if phase_spread > 0 else np.zeros(n)
    t = np.arange(intervals)[:, None]
    cycle = 1.0 + amplitude * np.sin(2 * np.pi * t / period + phase[s][None, :])
    shape = (intervals, len(s))
    factor = rng.lognormal(0.0, noise, shape) if noise > 0 else np.ones(shape)
    bursts = np.where(rng.random(shape) < burst_rate, burst_factor, 1.0)
    volumes = base.gbps[s, d][None, :] * cycle * factor * bursts
    return TrafficSeries(nodes, tuple((nodes[a], nodes[b]) for a, b in zip(s, d, strict=True)),
                         volumes, name=f"diurnal-{by}")
