"""Physical constants and catalogues the model is grounded in, each with its source.

Propagation per km comes from the media catalogue (``infranet/data/media.csv``); equipment terms
(in-line amplifiers, terminals/FEC) are defaults that every link may override. Distances on the
Earth come from :func:`geodesic_km` (WGS84 ellipsoid, pyproj), never from planar maths on degrees.

The catalogues of ``infranet/data`` (media, accelerators, switches, optics, models, and the named
figures of fabrics and facilities) are read by one reader, :func:`read_catalogue`, into frozen
records whose field names carry their units (:class:`Accelerator`, :class:`Switch`,
:class:`Optic`, :class:`Model`, :class:`Figure`, :class:`Medium`). Every row names its source;
a figure that is not published is ``None``, never 0.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from infranet.errors import FormatError, UnknownNameError, ValidationError, did_you_mean
from infranet.results import FrozenDict

__all__ = [
    "AMPLIFIER_LATENCY_MS",
    "AMPLIFIER_SPACING_KM",
    "MODEL_REQUIRED",
    "ROUTE_FACTOR",
    "SCALE_UP_KINDS",
    "TERMINAL_LATENCY_MS",
    "Accelerator",
    "Cell",
    "Figure",
    "Medium",
    "Model",
    "Optic",
    "Switch",
    "accelerator",
    "accelerators",
    "figure",
    "figures",
    "geodesic_km",
    "kv_bytes_per_token_of_shape",
    "media",
    "medium",
    "model",
    "models",
    "optic",
    "optics",
    "path_length_km",
    "read_catalogue",
    "switch",
    "switches",
]

#: Fiber route length over great-circle length, median US conduit
#: (Bozkurt et al., "Dissecting Latency in the Internet's Fiber Infrastructure", 2018).
ROUTE_FACTOR = 1.3
#: In-line amplifier spacing on long-haul fiber, line-system rule of thumb (80-100 km).
AMPLIFIER_SPACING_KM = 80.0
#: Latency of one in-line amplifier site, about 0.1 µs (operator latency notes).
AMPLIFIER_LATENCY_MS = 0.0001
#: Terminal latency of a link: transponder plus advanced FEC, 60-120 µs (operator latency notes);
#: infranet takes the low end, as coherent DCI pluggables (400ZR/800ZR) do.
TERMINAL_LATENCY_MS = 0.06

#: A parsed catalogue cell: text, a number, a published range ``(low, high)``, or None (empty).
Cell = str | float | tuple[float, float] | None
Row = Mapping[str, Cell]
T = TypeVar("T")

#: Columns that hold text in every catalogue; any other column is a number, or a range when its
#: name is ``range`` or contains ``_range``.
_TEXT_COLUMNS = frozenset({"name", "vendor", "kind", "form_factor", "source", "system", "unit",
                           "description", "amplified", "scale_up_kind", "gated_ffn",
                           "tied_embeddings"})
#: How an accelerator's own scale-up domain is joined, as a cluster's ``scale_up.kind`` models
#: it: NVLink switches (``nvswitch``) or direct links in a torus (``torus``, TPU ICI).
SCALE_UP_KINDS = ("nvswitch", "torus")


# ---------------------------------------------------------------------------------------------
# the one catalogue reader


def _is_range(column: str) -> bool:
    return column == "range" or "_range" in column


def _cell(file: str, name: str, column: str, text: str, text_columns: frozenset[str]) -> Cell:
    """Return one catalogue cell as str, float, ``(low, high)`` or None (empty)."""
    text = text.strip()
    if column in text_columns:
        return text
    if not text:
        return None
    try:
        if _is_range(column):
            low, high = (float(part) for part in text.split("-"))
            return (low, high)
        return float(text)
    except ValueError:
        shape = "a range 'low-high'" if _is_range(column) else "a number"
        raise FormatError(f"expected {shape} or an empty cell, got {text!r}",
                          file=file, element=f"row {name!r}", field=column) from None


def _read_csv(name: str) -> list[dict[str, str]]:
    with resources.files("infranet.data").joinpath(name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_catalogue(file: str, record: Callable[[Row], T], *,
                   text: Iterable[str] = ()) -> dict[str, T]:
    """Read a catalogue CSV of ``infranet/data`` into typed records, by name.

    The one reader of infranet's catalogues. Each row has a unique ``name`` and a ``source``
    (where its figures come from); cells are text (the columns ``name, vendor, kind, form_factor,
    source, system, unit, description`` and those in `text`), numbers, published ranges written
    ``low-high`` (columns named ``range`` or containing ``_range``), or empty (None: not
    published). `record` turns a parsed row into the record kept.

    Raises
    ------
    FormatError
        Naming the file, row and column of a bad cell, a duplicate or missing name, a missing
        source, or a figure the record refuses.

    Examples
    --------
    >>> read_catalogue("media.csv", Medium.from_row)["smf"].us_per_km
    4.8974
    """
    text_columns = _TEXT_COLUMNS | frozenset(text)
    out: dict[str, T] = {}
    for i, raw in enumerate(_read_csv(file)):
        name = (raw.get("name") or "").strip()
        if not name:
            raise FormatError("a row without a name", file=file, element=f"row {i + 1}")
        if name in out:
            raise FormatError(f"duplicate name {name!r}; names must be unique", file=file)
        if "source" in raw and not (raw["source"] or "").strip():
            raise FormatError("no source; every row says where its figures come from",
                              file=file, element=f"row {name!r}", field="source")
        row = {column: _cell(file, name, column, value or "", text_columns)
               for column, value in raw.items()}
        try:
            out[name] = record(row)
        except ValidationError as err:
            raise FormatError(err.detail, file=file, element=f"row {name!r}",
                              field=err.field) from None
    return out


def _lookup(table: Mapping[str, T], name: str, noun: str) -> T:
    if name not in table:
        raise UnknownNameError(
            f"unknown {noun} {name!r}{did_you_mean(name, table)}; known: {', '.join(table)}")
    return table[name]


def _number(row: Row, column: str) -> float | None:
    value = row.get(column)
    if value is None or value == "":
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) \
            or not math.isfinite(value):
        raise ValidationError(f"expected a number, got {value!r}", field=column)
    return float(value)


def _integer(row: Row, column: str) -> int | None:
    value = _number(row, column)
    if value is None:
        return None
    if value != int(value) or value < 1:
        raise ValidationError(f"expected a whole number >= 1, got {value:g}", field=column)
    return int(value)


def _range(row: Row, column: str) -> tuple[float, float] | None:
    value = row.get(column)
    if value is None or value == "":
        return None
    if not isinstance(value, tuple):
        raise ValidationError(f"expected a range (low, high), got {value!r}", field=column)
    return (float(value[0]), float(value[1]))


def _text(row: Row, column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value)


def _scaled(value: float | None, factor: float) -> float | None:
    """`value` x `factor` to 15 significant digits (2.039 TB/s is 2.039e12 B/s, not
    2039000000000.0002)."""
    return None if value is None else float(f"{value * factor:.15g}")


# ---------------------------------------------------------------------------------------------
# media


@dataclass(frozen=True)
class Medium:
    """A transmission medium: propagation per km, whether it is amplified, and its source."""

    name: str
    us_per_km: float
    loss_db_per_km: float | None
    amplified: bool
    description: str
    source: str

    @classmethod
    def from_row(cls, row: Row) -> Medium:
        """Build the record from a row of ``media.csv``."""
        us_per_km = _number(row, "us_per_km")
        if us_per_km is None or us_per_km <= 0:
            raise ValidationError("expected a propagation delay > 0", field="us_per_km")
        return cls(name=_text(row, "name"), us_per_km=us_per_km,
                   loss_db_per_km=_number(row, "loss_db_per_km"),
                   amplified=_text(row, "amplified") == "true",
                   description=_text(row, "description"), source=_text(row, "source"))


@functools.cache
def media() -> Mapping[str, Medium]:
    """Return the media catalogue by name (µs/km of propagation, with sources)."""
    return MappingProxyType(read_catalogue("media.csv", Medium.from_row))


def medium(name: str) -> Medium:
    """Return the medium called `name`.

    Examples
    --------
    >>> medium("smf").us_per_km
    4.8974
    """
    return _lookup(media(), name, "medium")


# ---------------------------------------------------------------------------------------------
# accelerators


@dataclass(frozen=True)
class Accelerator:
    """An accelerator and the system it ships in, in infranet's units.

    Attributes
    ----------
    dense_flops_per_s : mapping of precision to FLOP/s
        Dense (no sparsity) peak per precision the vendor gives (``bf16``, ``fp8``).
    hbm_bytes, hbm_bytes_per_s : float or None
        Memory capacity (bytes) and bandwidth (bytes/s).
    power_w : float or None
        The accelerator's own power (chip or board), W.
    scale_up_gbps : float or None
        Scale-up bandwidth per accelerator per direction, Gb/s (NVLink, ICI).
    scale_up_domain : int or None
        Accelerators per default scale-up domain (8 for HGX, 72 for NVL72, a TPU pod).
    scale_up_kind : str
        How that domain is joined (:data:`SCALE_UP_KINDS`): ``nvswitch`` or ``torus``; empty
        when not given.
    nic_gbps : float or None
        Scale-out NIC rate per accelerator, Gb/s.
    system, system_accelerators, system_power_w, system_power_range_w
        The published system (server or rack) the accelerator's power share comes from: its
        name, how many accelerators it holds, its maximum power (W) and the published range the
        default was picked from.
    """

    name: str
    vendor: str = ""
    dense_flops_per_s: Mapping[str, float] = field(default_factory=dict)
    hbm_bytes: float | None = None
    hbm_bytes_per_s: float | None = None
    power_w: float | None = None
    scale_up_gbps: float | None = None
    scale_up_domain: int | None = None
    scale_up_kind: str = ""
    nic_gbps: float | None = None
    system: str = ""
    system_accelerators: int | None = None
    system_power_w: float | None = None
    system_power_range_w: tuple[float, float] | None = None
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "dense_flops_per_s", FrozenDict(dict(self.dense_flops_per_s)))

    @property
    def bf16_flops_per_s(self) -> float | None:
        """Dense bf16 FLOP/s (None when not published)."""
        return self.dense_flops_per_s.get("bf16")

    @property
    def it_power_w(self) -> float | None:
        """IT power per accelerator, W: its share of the whole system (CPUs, memory, NICs, fans,
        conversion, in-rack switches), or None when the system's power is not published.

        Examples
        --------
        >>> accelerator("H100").it_power_w  # DGX H100: 10.2 kW over 8 GPUs
        1275.0
        """
        if self.system_power_w is None or not self.system_accelerators:
            return None
        return self.system_power_w / self.system_accelerators

    @classmethod
    def from_row(cls, row: Row) -> Accelerator:
        """Build the record from a row of ``accelerators.csv`` or of a topology file's
        ``catalogue.accelerators`` (the same keys: ``bf16_tflops``, ``fp8_tflops``, ``hbm_gb``,
        ``hbm_tbytes_per_s``, ``power_w``, ``scale_up_gbytes_per_s``, ``scale_up_domain``,
        ``scale_up_kind``, ``nic_gbps``, ``system``, ``system_accelerators``, ``system_power_kw``,
        ``system_power_range_kw``).

        Examples
        --------
        >>> row = {"name": "MyChip", "bf16_tflops": 500, "hbm_tbytes_per_s": 4,
        ...        "scale_up_gbytes_per_s": 100, "source": "vendor sheet"}
        >>> chip = Accelerator.from_row(row)
        >>> chip.bf16_flops_per_s, chip.hbm_bytes_per_s, chip.scale_up_gbps
        (500000000000000.0, 4000000000000.0, 800.0)
        """
        flops = {column[:-len("_tflops")]: value * 1e12
                 for column in row if column.endswith("_tflops")
                 if (value := _number(row, column)) is not None}
        for column in ("power_w", "nic_gbps", "system_power_kw", "hbm_gb",
                       "hbm_tbytes_per_s", "scale_up_gbytes_per_s"):
            value = _number(row, column)
            if value is not None and value < 0:
                raise ValidationError(f"must be >= 0, got {value:g}", field=column)
        power_range = _range(row, "system_power_range_kw")
        kind = _text(row, "scale_up_kind")
        if kind and kind not in SCALE_UP_KINDS:
            raise ValidationError(f"expected one of {', '.join(SCALE_UP_KINDS)}, got {kind!r}",
                                  field="scale_up_kind")
        return cls(
            name=_text(row, "name"), vendor=_text(row, "vendor"), dense_flops_per_s=flops,
            hbm_bytes=_scaled(_number(row, "hbm_gb"), 1e9),
            hbm_bytes_per_s=_scaled(_number(row, "hbm_tbytes_per_s"), 1e12),
            power_w=_number(row, "power_w"),
            scale_up_gbps=_scaled(_number(row, "scale_up_gbytes_per_s"), 8.0),
            scale_up_domain=_integer(row, "scale_up_domain"),
            scale_up_kind=kind,
            nic_gbps=_number(row, "nic_gbps"),
            system=_text(row, "system"),
            system_accelerators=_integer(row, "system_accelerators"),
            system_power_w=_scaled(_number(row, "system_power_kw"), 1e3),
            system_power_range_w=(None if power_range is None
                                  else (power_range[0] * 1e3, power_range[1] * 1e3)),
            source=_text(row, "source"),
        )


@functools.cache
def accelerators() -> Mapping[str, Accelerator]:
    """Return the accelerator catalogue by name (``infranet/data/accelerators.csv``).

    Examples
    --------
    >>> accelerators()["H100"].bf16_flops_per_s
    989000000000000.0
    """
    return MappingProxyType(read_catalogue("accelerators.csv", Accelerator.from_row))


def accelerator(name: str, catalogue: Mapping[str, Accelerator] | None = None) -> Accelerator:
    """Return the accelerator called `name`, from `catalogue` or the packaged one.

    `catalogue` is a topology's own view (:meth:`infranet.model.Topology.accelerators`: the
    packaged rows and the file's own).

    Examples
    --------
    >>> gpu = accelerator("H100")
    >>> gpu.hbm_bytes_per_s, gpu.scale_up_gbps, gpu.nic_gbps
    (3350000000000.0, 3600.0, 400.0)
    >>> accelerator("H10")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    infranet.errors.UnknownNameError: unknown accelerator 'H10' (did you mean 'H100'?); known: ...
    """
    return _lookup(accelerators() if catalogue is None else catalogue, name, "accelerator")


# ---------------------------------------------------------------------------------------------
# switches and optics


@dataclass(frozen=True)
class Switch:
    """A switch: ports, port rate (Gb/s per direction), hop latency (µs), power without optics
    (W), with the published hop-latency range the default was picked from."""

    name: str
    vendor: str
    kind: str
    radix: int | None
    port_gbps: float | None
    hop_latency_us: float | None
    hop_latency_range_us: tuple[float, float] | None
    power_w: float | None
    source: str

    @classmethod
    def from_row(cls, row: Row) -> Switch:
        """Build the record from a row of ``switches.csv``."""
        return cls(name=_text(row, "name"), vendor=_text(row, "vendor"), kind=_text(row, "kind"),
                   radix=_integer(row, "radix"), port_gbps=_number(row, "port_gbps"),
                   hop_latency_us=_number(row, "hop_latency_us"),
                   hop_latency_range_us=_range(row, "hop_latency_range_us"),
                   power_w=_number(row, "power_w"), source=_text(row, "source"))


@dataclass(frozen=True)
class Optic:
    """An optical module or cable: rate (Gb/s), reach (km), power (W), intra-dc or dci."""

    name: str
    rate_gbps: float | None
    reach_km: float | None
    reach_range_km: tuple[float, float] | None
    power_w: float | None
    kind: str
    form_factor: str
    source: str

    @classmethod
    def from_row(cls, row: Row) -> Optic:
        """Build the record from a row of ``optics.csv``."""
        return cls(name=_text(row, "name"), rate_gbps=_number(row, "rate_gbps"),
                   reach_km=_number(row, "reach_km"),
                   reach_range_km=_range(row, "reach_range_km"),
                   power_w=_number(row, "power_w"), kind=_text(row, "kind"),
                   form_factor=_text(row, "form_factor"), source=_text(row, "source"))


@functools.cache
def switches() -> Mapping[str, Switch]:
    """Return the switch catalogue by name (``infranet/data/switches.csv``).

    ``kind`` is one of infiniband, ethernet, nvswitch, ocs; ``power_w`` excludes optics (see
    :func:`optics`).

    Examples
    --------
    >>> switches()["QM9700"].radix, switches()["QM9700"].hop_latency_range_us
    (64, (0.15, 0.35))
    """
    return MappingProxyType(read_catalogue("switches.csv", Switch.from_row))


def switch(name: str) -> Switch:
    """Return the switch called `name`.

    Examples
    --------
    >>> switch("QM970")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    infranet.errors.UnknownNameError: unknown switch 'QM970' (did you mean 'QM9700'?); known: ...
    """
    return _lookup(switches(), name, "switch")


@functools.cache
def optics() -> Mapping[str, Optic]:
    """Return the optics and cable catalogue by name (``infranet/data/optics.csv``).

    Examples
    --------
    >>> optics()["400ZR"].reach_km
    120.0
    """
    return MappingProxyType(read_catalogue("optics.csv", Optic.from_row))


def optic(name: str) -> Optic:
    """Return the optical module or cable called `name`.

    Examples
    --------
    >>> optic("800ZR").rate_gbps
    800.0
    """
    return _lookup(optics(), name, "optic")


# ---------------------------------------------------------------------------------------------
# models

#: Suffixes a parameter count may carry in a user's file ("70.6B"): thousand, million, billion,
#: trillion. Only parameter counts take them: "8K" tokens is ambiguous (8,000 or 8,192).
_COUNT_SUFFIXES = {"k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}
_COUNT_COLUMNS = frozenset({"parameters", "active_parameters"})


def _whole(row: Row, column: str, *, minimum: int) -> int | None:
    """A whole number >= `minimum` from a catalogue cell or a user's file, or None when absent.

    Parameter counts may also be written ``"70.6B"`` or ``"7.06e10"`` (YAML reads ``70.6e9``,
    without a dot before ``e`` and a sign after it, as text).
    """
    value: Any = row.get(column)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        factor = 1
        if column in _COUNT_COLUMNS and text[-1:].lower() in _COUNT_SUFFIXES:
            factor, text = _COUNT_SUFFIXES[text[-1].lower()], text[:-1]
        try:
            # in decimal, so that 8.03B is 8,030,000,000 (a float makes it 8,029,999,999.99)
            exact = Decimal(text) * factor
            if exact.is_nan():
                value = math.nan
            elif not exact.is_finite() or abs(exact) > 10**30:  # beyond any count: refused
                value = math.inf
            else:
                value = int(exact) if exact == exact.to_integral_value() else float(exact)
        except (InvalidOperation, ValueError):
            example = "70.6B or 70600000000" if column in _COUNT_COLUMNS else "80"
            raise ValidationError(f"expected a whole number, e.g. {example}, got {value!r}",
                                  field=column) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise ValidationError(f"expected a whole number >= {minimum}, got {value!r}",
                              field=column)
    if value != round(value) or value < minimum:
        raise ValidationError(f"expected a whole number >= {minimum}, got {value:g}",
                              field=column)
    return round(value)


def _flag(row: Row, column: str, default: bool) -> bool:
    value = row.get(column)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ValidationError(f"expected true or false, got {value!r}", field=column)
    return text == "true"


#: The fields of :class:`Model` a user's file (and a row of ``models.csv``) must give.
MODEL_REQUIRED = ("parameters", "layers", "hidden", "ffn_hidden", "heads", "kv_heads", "vocab",
                  "seq_len")


@dataclass(frozen=True, kw_only=True)
class Model:
    """A transformer's published shape: what the training and inference models count.

    Attributes
    ----------
    parameters : int
        Total parameters, the published count (all experts of a mixture of experts).
    active_parameters : int
        Parameters used per token: all of them for a dense model; for a mixture of experts the
        published count (shared parts and ``top_k`` routed experts).
    layers, hidden, heads, kv_heads, head_dim, vocab : int
        Transformer blocks, model width, attention heads, key/value heads (grouped-query
        attention: ``heads`` is a multiple), width of a head, vocabulary.
    ffn_hidden : int
        Inner width of a feed-forward block; of one routed expert for a mixture of experts.
    seq_len : int
        Pre-training sequence length, tokens.
    experts, top_k : int
        Routed experts per MoE layer and how many each token uses; 0 for a dense model.
    shared_experts : int
        Experts every token uses beside its ``top_k`` (DeepSeek-V3: 1), each of ``ffn_hidden``.
    dense_layers, dense_ffn_hidden : int
        The first ``dense_layers`` blocks of a mixture of experts are dense, with a
        feed-forward block of ``dense_ffn_hidden`` (DeepSeek-V3: 3 of 18,432); 0 otherwise.
    q_lora_rank, kv_lora_rank, rope_head_dim : int
        Multi-head latent attention (MLA, DeepSeek-V2/V3): rank of the query and key/value
        compressions and the width of the decoupled RoPE key; 0 for ordinary attention.
    gated_ffn : bool
        A gated feed-forward block (SwiGLU: three matrices) rather than two (GELU).
    tied_embeddings : bool
        The output layer shares the input embedding's matrix.
    kv_bytes_per_token : int
        KV cache per token over all layers in bf16, bytes: the published figure where the
        architecture gives one (MLA: the compressed latent and the RoPE key), else
        2 (K and V) x layers x kv_heads x head_dim x 2 bytes.
    source : str
        Where the figures come from.
    """

    name: str
    parameters: int
    active_parameters: int
    layers: int
    hidden: int
    ffn_hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    seq_len: int
    experts: int = 0
    top_k: int = 0
    kv_bytes_per_token: int
    shared_experts: int = 0
    dense_layers: int = 0
    dense_ffn_hidden: int = 0
    q_lora_rank: int = 0
    kv_lora_rank: int = 0
    rope_head_dim: int = 0
    gated_ffn: bool = True
    tied_embeddings: bool = False
    source: str = ""

    @property
    def is_moe(self) -> bool:
        """True for a mixture of experts (more than one routed expert)."""
        return self.experts > 1

    @property
    def moe_layers(self) -> int:
        """Blocks whose feed-forward part is a mixture of experts (0 for a dense model).

        Examples
        --------
        >>> model("deepseek-v3").moe_layers, model("llama3-70b").moe_layers
        (58, 0)
        """
        return self.layers - self.dense_layers if self.is_moe else 0

    @classmethod
    def from_row(cls, row: Row) -> Model:
        """Build the record from a row of ``models.csv`` or a user's model file (the same
        keys: the fields of the record; ``head_dim`` defaults to ``hidden / heads``,
        ``active_parameters`` to ``parameters`` for a dense model, ``kv_bytes_per_token`` to the
        formula of the attention in use).

        Raises
        ------
        ValidationError
            Naming the field that is missing, not a whole number, out of range, or at odds with
            another.

        Examples
        --------
        >>> tiny = Model.from_row({"name": "tiny", "parameters": "1.2B", "layers": 16,
        ...                        "hidden": 2048, "ffn_hidden": 8192, "heads": 16,
        ...                        "kv_heads": 4, "vocab": 32000, "seq_len": 4096})
        >>> tiny.parameters, tiny.head_dim, tiny.kv_bytes_per_token  # 2 x 16 x 4 x 128 x 2
        (1200000000, 128, 32768)
        >>> Model.from_row({**tiny.__dict__, "layers": 2.5})
        Traceback (most recent call last):
        ...
        infranet.errors.ValidationError: layers: expected a whole number >= 1, got 2.5
        """
        values: dict[str, Any] = {}
        for column in MODEL_REQUIRED:
            number = _whole(row, column, minimum=1)
            if number is None:
                raise ValidationError("missing; a model gives " + ", ".join(MODEL_REQUIRED),
                                      field=column)
            values[column] = number
        for column in ("experts", "top_k", "shared_experts", "dense_layers",
                       "dense_ffn_hidden", "q_lora_rank", "kv_lora_rank", "rope_head_dim"):
            values[column] = _whole(row, column, minimum=0) or 0
        for column in ("head_dim", "active_parameters", "kv_bytes_per_token"):
            values[column] = _whole(row, column, minimum=1)
        heads, kv_heads = values["heads"], values["kv_heads"]
        if heads % kv_heads:
            raise ValidationError(f"heads ({heads}) must be a multiple of kv_heads "
                                  f"({kv_heads})", field="kv_heads")
        if values["head_dim"] is None:
            if values["hidden"] % heads:
                raise ValidationError(f"hidden ({values['hidden']}) is not a multiple of heads "
                                      f"({heads}); give head_dim", field="head_dim")
            values["head_dim"] = values["hidden"] // heads
        experts, top_k = values["experts"], values["top_k"]
        if experts > 1 and not 1 <= top_k <= experts:
            raise ValidationError(f"a mixture of {experts} experts needs 1 <= top_k <= "
                                  f"{experts}, got {top_k}", field="top_k")
        if experts <= 1 and (top_k > 1 or values["shared_experts"] or values["dense_layers"]):
            field_ = next(c for c in ("top_k", "shared_experts", "dense_layers")
                          if values[c] > (1 if c == "top_k" else 0))
            raise ValidationError("only a mixture of experts (experts >= 2) has it",
                                  field=field_)
        if values["dense_layers"] >= values["layers"]:
            raise ValidationError(f"must be fewer than layers ({values['layers']}), got "
                                  f"{values['dense_layers']}", field="dense_layers")
        if values["dense_layers"] and not values["dense_ffn_hidden"]:
            raise ValidationError("dense_layers need their feed-forward width",
                                  field="dense_ffn_hidden")
        if values["rope_head_dim"] and not values["kv_lora_rank"]:
            raise ValidationError("a decoupled RoPE key belongs to latent attention; give "
                                  "kv_lora_rank", field="rope_head_dim")
        if values["active_parameters"] is None:
            if experts > 1:
                raise ValidationError("a mixture of experts gives the parameters each token "
                                      "uses", field="active_parameters")
            values["active_parameters"] = values["parameters"]
        if values["active_parameters"] > values["parameters"]:
            raise ValidationError(f"{values['active_parameters']:,} is more than parameters "
                                  f"({values['parameters']:,})", field="active_parameters")
        if values["kv_bytes_per_token"] is None:
            values["kv_bytes_per_token"] = kv_bytes_per_token_of_shape(
                layers=values["layers"], kv_heads=kv_heads, head_dim=values["head_dim"],
                kv_lora_rank=values["kv_lora_rank"], rope_head_dim=values["rope_head_dim"])
        return cls(name=_text(row, "name"), source=_text(row, "source"),
                   gated_ffn=_flag(row, "gated_ffn", True),
                   tied_embeddings=_flag(row, "tied_embeddings", False), **values)


def kv_bytes_per_token_of_shape(*, layers: int, kv_heads: int, head_dim: int,
                                kv_lora_rank: int = 0, rope_head_dim: int = 0,
                                bytes_per_value: float = 2.0) -> int:
    """KV cache per token over all layers, bytes, from the attention's shape.

    Ordinary (grouped-query) attention caches a key and a value per KV head:
    ``2 x layers x kv_heads x head_dim x bytes``. Latent attention (MLA, ``kv_lora_rank > 0``)
    caches the compressed latent and the decoupled RoPE key:
    ``(kv_lora_rank + rope_head_dim) x layers x bytes``.

    Examples
    --------
    >>> kv_bytes_per_token_of_shape(layers=80, kv_heads=8, head_dim=128) // 1024  # KiB
    320
    >>> kv_bytes_per_token_of_shape(layers=61, kv_heads=128, head_dim=128, kv_lora_rank=512,
    ...                             rope_head_dim=64)
    70272
    """
    if kv_lora_rank:
        return round((kv_lora_rank + rope_head_dim) * layers * bytes_per_value)
    return round(2 * layers * kv_heads * head_dim * bytes_per_value)


@functools.cache
def models() -> Mapping[str, Model]:
    """Return the model catalogue by name (``infranet/data/models.csv``).

    Examples
    --------
    >>> models()["llama3-70b"].layers
    80
    """
    return MappingProxyType(read_catalogue("models.csv", Model.from_row))


def model(name: str) -> Model:
    """Return the catalogue model called `name`.

    Examples
    --------
    >>> model("mixtral-8x7b").experts, model("mixtral-8x7b").top_k
    (8, 2)
    >>> model("llama3-7b")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    infranet.errors.UnknownNameError: unknown model 'llama3-7b' (did you mean 'llama3-70b'?); ...
    """
    return _lookup(models(), name, "model")


# ---------------------------------------------------------------------------------------------
# named figures of fabrics and facilities


@dataclass(frozen=True)
class Figure:
    """A named figure (a hop latency, a cable length, a PUE): value, unit, the published range
    the value was picked from, and its source."""

    name: str
    value: float
    unit: str
    range: tuple[float, float] | None
    source: str

    @classmethod
    def from_row(cls, row: Row) -> Figure:
        """Build the record from a row of ``figures.csv``."""
        value = _number(row, "value")
        if value is None:
            raise ValidationError("a figure needs a value", field="value")
        return cls(name=_text(row, "name"), value=value, unit=_text(row, "unit"),
                   range=_range(row, "range"), source=_text(row, "source"))


@functools.cache
def figures() -> Mapping[str, Figure]:
    """Return the named figures of fabrics and facilities (``infranet/data/figures.csv``): the
    one home of each hop latency, cable length, power rule and default PUE.

    Examples
    --------
    >>> figures()["switch_hop_us"].range
    (0.15, 0.35)
    """
    return MappingProxyType(read_catalogue("figures.csv", Figure.from_row))


def figure(name: str) -> float:
    """Return the value of the named figure (in the unit its name carries).

    Examples
    --------
    >>> figure("ici_hop_us"), figure("cable_m")
    (1.0, 10.0)
    """
    return _lookup(figures(), name, "figure").value


@functools.cache
def _geod() -> Any:
    from pyproj import Geod

    return Geod(ellps="WGS84")


def geodesic_km(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike,
                lat2: ArrayLike) -> np.ndarray:
    """Return geodesic distances on the WGS84 ellipsoid in km (vectorised over arrays).

    Examples
    --------
    >>> round(float(geodesic_km(-77.49, 39.04, -82.80, 40.08)), 1)  # Ashburn to Columbus
    470.6
    """
    _, _, metres = _geod().inv(
        np.asarray(lon1, dtype=float), np.asarray(lat1, dtype=float),
        np.asarray(lon2, dtype=float), np.asarray(lat2, dtype=float),
    )
    return np.asarray(metres) / 1000.0


def path_length_km(points: ArrayLike) -> float:
    """Return the geodesic length in km of a polyline of ``(lon, lat)`` points.

    Examples
    --------
    >>> round(path_length_km([(0, 0), (1, 0), (1, 1)]), 1)
    221.9
    """
    coords = np.asarray(points, dtype=float)
    if len(coords) < 2:
        return 0.0
    return float(np.sum(geodesic_km(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])))
