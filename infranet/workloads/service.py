"""Inference services as data: the SERVICE.yaml schema (one table of fields), its reader and
its reference.

A service file says what is served, to whom and how fast::

    name: chat-70b
    model: llama3-70b              # a catalogue name, or a model YAML file beside the file
    accelerator: H200              # default: the accelerator of the sites that serve it
    precision: fp8                 # bf16 | fp8: bytes of the weights and of the KV cache
    demand: {total_requests_per_s: 400, by: population}   # or regions: {NAME: requests/s}
    prompt_tokens: {mean: 2000, p99: 8000}
    output_tokens: {distribution: lognormal, mean: 250, sigma: 0.8}
    slo: {ttft_p99: 450ms, tpot_p99: 40ms}
    connections: warm              # warm: 1 RTT of the TTFT is network; cold: 3
    survive_site_loss: true

:data:`SERVICE` is the schema: each field's kind, unit, default and description, read by
:func:`service_from_mapping` and :func:`read_service` and written into ``docs/service.md`` by
:func:`reference_markdown` (``python docs/generate_reference.py``; a test holds the two
together). Errors are one line naming the file, the element (``service``) and the field.

**Token counts** are a mean, or a distribution (:class:`Tokens`): a mean and a p99, or a
lognormal of a mean and a sigma (of the log). The mean sets throughput and the KV cache a
request holds; the p99 prompt sets the prefill inside the p99 time to first token; the spread
(squared coefficient of variation) of the prefill time sets the queueing
(:mod:`infranet.workloads.inference`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infranet import physics, units
from infranet.errors import ValidationError, did_you_mean
from infranet.results import FrozenDict
from infranet.workloads.job import JobField, check_fields

__all__ = ["CONNECTIONS", "DEMAND_BY", "PRECISIONS", "SERVICE", "InferenceService", "Tokens",
           "read_service", "reference_markdown", "region_demand", "service_from_mapping"]

#: Serving precisions and the bytes of one weight or one KV value in each.
PRECISIONS: Mapping[str, float] = FrozenDict({"bf16": 2.0, "fp8": 1.0})
#: How the network shares the time to first token (``ttft_rtts_*`` figures).
CONNECTIONS = ("warm", "cold")
#: How a total demand is spread over the regions.
DEMAND_BY = ("population", "equal")
#: The standard normal quantile of 0.99: the p99 of a lognormal is ``exp(mu + Z99·sigma)``.
Z99 = 2.3263478740408408

#: Upper bounds, each with its reason.
_MAX_RATE = 1e9
_MAX_RATE_REASON = "a billion requests a second, beyond any service"
_MAX_TOKENS = 1e7
_MAX_TOKENS_REASON = "ten million tokens, beyond any published context window"
_MAX_SLO_MS = 3.6e6
_MAX_SLO_REASON = "an hour"

#: The schema of a service file: one row per field (kinds as :class:`JobField`'s, plus
#: ``tokens``, ``rates``, ``demand``, ``slo`` and ``flag``).
SERVICE = (
    JobField("name", "str", "name shown in reports; default: the file's name"),
    JobField("model", "str", "a catalogue model (`infranet catalogue models`) or a model YAML "
             "file, relative to the service file", required=True),
    JobField("accelerator", "str", "the accelerator to serve on (a catalogue name); default: "
             "the clusters' own where a topology is given"),
    JobField("precision", "choice", "precision of the weights and of the KV cache: 2 bytes a "
             "value in bf16, 1 in fp8 (compute at that precision's dense peak)",
             default="bf16", choices=tuple(PRECISIONS)),
    JobField("tensor_parallel", "integer", "accelerators per replica, within one scale-up "
             "domain; default: of the powers of two in the domain that hold the weights and "
             "a request's KV cache, the one that serves most requests/s per accelerator within "
             "the SLOs (the smallest on ties)", minimum=1, maximum=9216,
             maximum_reason="the largest scale-up domain (`largest_scale_up_domain`)"),
    JobField("regions", "rates", "demand per user region, requests/s: `{NAME: rate}`; or give "
             "`demand`"),
    JobField("demand", "demand", "a total spread over the topology's regions: "
             "`{total_requests_per_s: R, by: population}` (or `by: equal`)"),
    JobField("prompt_tokens", "tokens", "prompt tokens per request: a mean (`2000`), "
             "`{mean: 2000, p99: 8000}` (a lognormal through both) or `{distribution: "
             "lognormal, mean: 2000, sigma: 0.8}`", default=1024),
    JobField("output_tokens", "tokens", "output tokens per request, as `prompt_tokens`",
             default=256),
    JobField("slo", "slo", "p99 targets `{ttft_p99: 450ms, tpot_p99: 40ms}` (time to first "
             "token, time per output token); default: MLPerf Inference's interactive "
             "Llama-2-70B targets, 450 ms and 40 ms", default="{ttft_p99: 450ms, tpot_p99: "
             "40ms}"),
    JobField("connections", "choice", "`warm`: the network adds 1 RTT to the time to first "
             "token; `cold` (TCP and TLS 1.3 handshakes): 3 RTT", default="warm",
             choices=CONNECTIONS),
    JobField("survive_site_loss", "flag", "serve every region after the loss of any one site "
             "(N+1)", default="false"),
    JobField("disaggregate", "flag", "prefill and decode on different sites: the prompt's KV "
             "cache crosses the DCI, in the time to first token and in WAN bandwidth",
             default="false"),
    JobField("max_batch", "integer", "most requests a replica decodes at once (the engine's "
             "limit); default: what the KV cache and the TPOT SLO allow", minimum=1,
             maximum=1e6, maximum_reason="a million requests in one batch"),
)


@dataclass(frozen=True)
class Tokens:
    """Tokens per request: the ``mean``, the ``p99`` and the squared coefficient of variation
    ``cv2`` (variance / mean², 0 for a fixed count).

    Examples
    --------
    >>> round(Tokens.lognormal(1000, 0.5).p99 / 1000, 4)  # exp(Z99·0.5 − 0.5²/2)
    2.8241
    >>> t = Tokens.from_mean_p99(1000, 3000)
    >>> round(t.sigma, 4), round(t.p99)
    (0.5334, 3000)
    """

    mean: float
    p99: float
    cv2: float = 0.0

    @property
    def sigma(self) -> float:
        """The sigma (of the log) of the lognormal with this spread (0 for a fixed count)."""
        return math.sqrt(math.log1p(self.cv2))

    @classmethod
    def fixed(cls, mean: float) -> Tokens:
        return cls(float(mean), float(mean), 0.0)

    @classmethod
    def lognormal(cls, mean: float, sigma: float) -> Tokens:
        """A lognormal of `mean` whose log has standard deviation `sigma`."""
        p99 = mean * math.exp(Z99 * sigma - sigma * sigma / 2.0)
        return cls(float(mean), p99, math.expm1(sigma * sigma))

    @classmethod
    def from_mean_p99(cls, mean: float, p99: float) -> Tokens:
        """The lognormal through `mean` and `p99` (the smaller of the two sigmas that fit).

        Raises
        ------
        ValueError
            When `p99` is below the mean or above what a lognormal of that mean reaches
            (``exp(Z99²/2)`` ≈ 14.9 times the mean).
        """
        ratio = p99 / mean
        if ratio < 1.0:
            raise ValueError(f"p99 ({p99:g}) is below the mean ({mean:g})")
        if math.log(ratio) > Z99 * Z99 / 2.0:
            raise ValueError(f"p99 ({p99:g}) is more than {math.exp(Z99 * Z99 / 2):.1f} times "
                             f"the mean ({mean:g}): no lognormal has that tail; give "
                             "{distribution: lognormal, mean, sigma}")
        sigma = Z99 - math.sqrt(Z99 * Z99 - 2.0 * math.log(ratio))
        return cls(float(mean), float(p99), math.expm1(sigma * sigma))

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "p99": self.p99, "sigma": self.sigma}


@dataclass(frozen=True)
class InferenceService:
    """An inference service's options, checked (see :data:`SERVICE`). Times in ms."""

    model: str
    name: str = "service"
    accelerator: str | None = None
    precision: str = "bf16"
    tensor_parallel: int | None = None
    regions: Mapping[str, float] = field(default_factory=FrozenDict)
    total_requests_per_s: float | None = None
    by: str = "population"
    prompt_tokens: Tokens = Tokens(1024.0, 1024.0)
    output_tokens: Tokens = Tokens(256.0, 256.0)
    ttft_p99_ms: float = 450.0
    tpot_p99_ms: float = 40.0
    connections: str = "warm"
    survive_site_loss: bool = False
    disaggregate: bool = False
    max_batch: int | None = None
    file: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regions", FrozenDict(dict(self.regions)))

    @property
    def bytes_per_value(self) -> float:
        """Bytes of one weight or KV value at the service's precision."""
        return PRECISIONS[self.precision]

    @property
    def network_rtts(self) -> float:
        """Round trips of the network in the time to first token (1 warm, 3 cold)."""
        return physics.figure(f"ttft_rtts_{self.connections}")

    def model_path(self) -> str:
        """The model as :func:`infranet.workloads.models.load_model` takes it: a file
        relative to the service file when it names one that exists there, else as given."""
        if self.file and self.file != "-" and self.model.endswith((".yaml", ".yml", ".json")):
            beside = Path(self.file).parent / self.model
            if beside.exists():
                return str(beside)
        return self.model


def _fail(message: str, file: str | None, name: str) -> ValidationError:
    return ValidationError(message, file=file, element="service", field=name)


def _number(raw: Any, name: str, file: str | None, *, maximum: float, reason: str,
            positive: bool = True, what: str = "a number") -> float:
    if isinstance(raw, str):  # YAML 1.1 reads 1e12 (no dot) as text
        try:
            raw = float(raw.strip().replace("_", ""))
        except ValueError:
            raise _fail(f"expected {what}, got {raw!r}", file, name) from None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise _fail(f"expected {what}, got {raw!r}", file, name)
    value = float(raw)
    if not math.isfinite(value):
        raise _fail(f"must be finite, got {raw!r}", file, name)
    if value < 0 or (positive and value == 0):
        raise _fail(f"must be {'> 0' if positive else '>= 0'}, got {raw!r}", file, name)
    if value > maximum:
        raise _fail(f"must be at most {maximum:g} ({reason}), got {value:g}", file, name)
    return value


def _mapping(raw: Any, name: str, file: str | None, example: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise _fail(f"expected a mapping such as {example}, got {raw!r}", file, name)
    return raw


def _keys(raw: Mapping[str, Any], allowed: tuple[str, ...], name: str,
          file: str | None) -> None:
    for key in raw:
        if key not in allowed:
            raise _fail(f"unknown key {key!r}{did_you_mean(str(key), allowed)}; allowed: "
                        f"{', '.join(allowed)}", file, name)


def _tokens(raw: Any, name: str, file: str | None) -> Tokens:
    def count(value: Any, what: str) -> float:
        return _number(value, f"{name}.{what}" if what else name, file, maximum=_MAX_TOKENS,
                       reason=_MAX_TOKENS_REASON, what="a token count")

    if not isinstance(raw, Mapping):
        return Tokens.fixed(count(raw, ""))
    _keys(raw, ("mean", "p99", "distribution", "sigma"), name, file)
    if "mean" not in raw:
        raise _fail("a distribution needs its mean: {mean: 2000, p99: 8000}", file, name)
    mean = count(raw["mean"], "mean")
    kind = raw.get("distribution", "lognormal" if "sigma" in raw else None)
    if kind is not None and kind != "lognormal":
        raise _fail(f"distribution must be lognormal, got {kind!r}", file, name)
    if "sigma" in raw:
        if "p99" in raw:
            raise _fail("give p99 or sigma, not both", file, name)
        sigma = _number(raw["sigma"], f"{name}.sigma", file, maximum=3.0,
                        reason="a lognormal sigma of 3 puts the p99 at 11 times the mean",
                        positive=False)
        tokens = Tokens.lognormal(mean, sigma)
        if tokens.p99 > _MAX_TOKENS:
            raise _fail(f"the p99 ({tokens.p99:.3g}) is more than {_MAX_TOKENS:g} tokens",
                        file, name)
        return tokens
    if "p99" in raw:
        p99 = count(raw["p99"], "p99")
        try:
            return Tokens.from_mean_p99(mean, p99)
        except ValueError as err:
            raise _fail(str(err), file, name) from None
    if kind is not None:
        raise _fail("a lognormal needs its sigma (or a p99)", file, name)
    return Tokens.fixed(mean)


def _rates(raw: Any, file: str | None) -> dict[str, float]:
    raw = _mapping(raw, "regions", file, "{new-york-metro: 120, chicago-metro: 60}")
    if not raw:
        raise _fail("no regions; give at least one {NAME: requests_per_s}", file, "regions")
    out: dict[str, float] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not key.strip():
            raise _fail(f"region names are text, got {key!r}", file, "regions")
        out[key] = _number(value, f"regions.{key}", file, maximum=_MAX_RATE,
                           reason=_MAX_RATE_REASON, positive=False,
                           what="requests per second")
    if not any(out.values()):
        raise _fail("every region asks 0 requests/s; nothing to serve", file, "regions")
    return out


def _slo(raw: Any, file: str | None) -> tuple[float, float]:
    raw = _mapping(raw, "slo", file, "{ttft_p99: 450ms, tpot_p99: 40ms}")
    _keys(raw, ("ttft_p99", "tpot_p99"), "slo", file)
    out = []
    for key, default in (("ttft_p99", 450.0), ("tpot_p99", 40.0)):
        if key not in raw:
            out.append(default)
            continue
        value = raw[key]
        try:
            ms = units.parse(value, "time") if isinstance(value, str) else value
        except ValidationError as err:
            raise _fail(err.detail, file, f"slo.{key}") from None
        out.append(_number(ms, f"slo.{key}", file, maximum=_MAX_SLO_MS,
                           reason=_MAX_SLO_REASON, what="a time (450ms)"))
    return out[0], out[1]


def _scalar(raw: Any, attr: JobField, file: str | None) -> Any:
    name = attr.name
    if attr.kind in ("str", "choice"):
        if not isinstance(raw, str) or not raw.strip():
            raise _fail(f"expected text, got {raw!r}", file, name)
        if attr.kind == "choice" and raw not in attr.choices:
            raise _fail(f"must be one of {', '.join(attr.choices)}, got {raw!r}"
                        f"{did_you_mean(raw, attr.choices)}", file, name)
        return raw.strip()
    if attr.kind == "flag":
        if not isinstance(raw, bool):
            raise _fail(f"expected true or false, got {raw!r}", file, name)
        return raw
    assert attr.kind == "integer" and attr.maximum is not None
    if isinstance(raw, bool) or not (isinstance(raw, int)
                                     or (isinstance(raw, float) and raw.is_integer())):
        raise _fail(f"expected a whole number, got {raw!r}", file, name)
    if raw < (attr.minimum or 0):
        raise _fail(f"must be >= {attr.minimum:g}, got {raw!r}", file, name)
    if raw > attr.maximum:
        raise _fail(f"must be at most {attr.bound()} ({attr.maximum_reason}), got {raw:g}",
                    file, name)
    return int(raw)


def service_from_mapping(raw: Any, *, file: str | None = None) -> InferenceService:
    """An :class:`InferenceService` from a mapping of the service schema's fields (a parsed
    SERVICE.yaml, or a command's options), checked.

    Examples
    --------
    >>> s = service_from_mapping({"model": "llama3-70b", "regions": {"east": 10},
    ...                           "slo": {"ttft_p99": "1s"}, "prompt_tokens": 2000})
    >>> s.ttft_p99_ms, s.tpot_p99_ms, s.prompt_tokens.p99
    (1000.0, 40.0, 2000.0)
    >>> try:
    ...     service_from_mapping({"model": "m", "regions": {"east": -1}}, file="s.yaml")
    ... except ValidationError as err:
    ...     print(err)
    s.yaml: service: regions.east: must be >= 0, got -1
    """
    check_fields(raw, SERVICE, element="service", file=file)
    values: dict[str, Any] = {}
    for attr in SERVICE:
        given = raw.get(attr.name)
        if given is None:
            if attr.required:
                raise _fail(f"missing; {attr.description}", file, attr.name)
            continue
        if attr.kind == "tokens":
            values[attr.name] = _tokens(given, attr.name, file)
        elif attr.kind == "rates":
            values["regions"] = _rates(given, file)
        elif attr.kind == "demand":
            demand = _mapping(given, "demand", file, "{total_requests_per_s: 400, by: "
                              "population}")
            _keys(demand, ("total_requests_per_s", "by"), "demand", file)
            if "total_requests_per_s" not in demand:
                raise _fail("missing total_requests_per_s", file, "demand")
            values["total_requests_per_s"] = _number(
                demand["total_requests_per_s"], "demand.total_requests_per_s", file,
                maximum=_MAX_RATE, reason=_MAX_RATE_REASON, what="requests per second")
            by = demand.get("by", "population")
            if by not in DEMAND_BY:
                raise _fail(f"by must be one of {', '.join(DEMAND_BY)}, got {by!r}"
                            f"{did_you_mean(str(by), DEMAND_BY)}", file, "demand.by")
            values["by"] = by
        elif attr.kind == "slo":
            values["ttft_p99_ms"], values["tpot_p99_ms"] = _slo(given, file)
        else:
            values[attr.name] = _scalar(given, attr, file)
    if "regions" in values and "total_requests_per_s" in values:
        raise _fail("give regions or demand, not both", file, "demand")
    if "name" not in values:
        values["name"] = Path(file).stem if file and file != "-" else "service"
    return InferenceService(**values, file=file)


def read_service(path: str | Path) -> InferenceService:
    """Read and check a SERVICE.yaml file (safe YAML).

    Raises
    ------
    ValidationError, FormatError
        One line naming the file, ``service`` and the field.
    """
    from infranet.io.files import read_text
    from infranet.io.native import load_yaml

    name = str(path)
    raw = load_yaml(read_text(path), file=name, expected="a mapping of the service's fields")
    return service_from_mapping(raw, file=name)


def region_demand(service: InferenceService, topology: Any = None) -> dict[str, float]:
    """Requests/s per user region: the service's ``regions``, or its total spread over the
    topology's ``region`` sites by population (or equally).

    Raises
    ------
    UnknownNameError
        For a region the topology does not have (with the closest name).
    ValidationError
        For a total to spread without a topology, over a topology without regions, or by
        population over regions that give none.

    Examples
    --------
    >>> s = service_from_mapping({"model": "m", "demand": {"total_requests_per_s": 30,
    ...                                                    "by": "equal"}})
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [
    ...     {"name": n, "kind": "region", "location": [0, i]} for i, n in
    ...     enumerate(("a", "b", "c"))], "links": []})
    >>> region_demand(s, topo)
    {'a': 10.0, 'b': 10.0, 'c': 10.0}
    """
    from infranet.errors import UnknownNameError

    if service.total_requests_per_s is None:
        rates = dict(service.regions)
        if topology is not None:
            sites = topology.sites
            regions = list(sites.index[sites["kind"] == "region"])
            for name in rates:
                if name not in regions:
                    raise UnknownNameError(
                        f"unknown region {name!r}{did_you_mean(name, regions)}; the "
                        f"topology's regions: {', '.join(regions) or 'none'}",
                        file=service.file, element="service", field="regions")
        return rates
    if topology is None:
        raise _fail("a total demand is spread over a topology's regions; give the topology "
                    "or the regions", service.file, "demand")
    sites = topology.sites
    table = sites[sites["kind"] == "region"]
    if table.empty:
        raise _fail(f"the topology {topology.name!r} has no region sites to spread the "
                    "demand over; give regions", service.file, "demand")
    total = float(service.total_requests_per_s or 0.0)
    if service.by == "equal":
        return {str(n): total / len(table) for n in table.index}
    people = table["population"].astype(float)
    missing = [str(n) for n, p in people.items() if not math.isfinite(p)]
    if missing or float(people.sum()) <= 0:
        raise _fail(f"by population, but region {(missing or [table.index[0]])[0]!r} gives "
                    "no population; give populations or use by: equal", service.file,
                    "demand.by")
    return {str(n): total * float(p) / float(people.sum()) for n, p in people.items()}


def reference_markdown() -> str:
    """The service file's reference table (Markdown), generated from :data:`SERVICE`."""
    kinds = {"tokens": "tokens", "rates": "mapping of region to requests/s",
             "demand": "mapping", "slo": "mapping of times", "flag": "true \\| false"}
    out = ["| key | type | default | description |", "|---|---|---|---|"]
    for a in SERVICE:
        default = "**required**" if a.required else ("" if a.default is None
                                                     else f"`{a.default}`")
        kind = kinds.get(a.kind) or a.describe_type()
        out.append(f"| `{a.name}` | {kind} | {default} | {a.description} |")
    return "\n".join(out) + "\n"
