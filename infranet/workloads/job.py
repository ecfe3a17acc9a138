"""Training jobs as data: the JOB.yaml schema (one table of fields), its reader and its reference.

A job file holds the options of ``infranet size training`` with the same names (underscores for
the command's dashes)::

    model: llama3-70b            # a catalogue name, or a model YAML file beside the job file
    accelerators: 16384
    parallelism: {tp: 8, pp: 16, dp: 128}   # or "tp=8,pp=16,dp=128"; dp may be left out
    global_batch: 2048
    seq_len: 8192
    recompute: selective
    sites: [abilene, temple]
    across: dp
    sync_every: 100

:data:`JOB` is the schema: each field's type, unit, default and description, read by the
reader (:func:`read_job`, :func:`job_from_mapping`) and written into ``docs/job.md`` by
:func:`reference_markdown` (``python docs/generate_reference.py``; a test holds the two
together). Errors are one line naming the file, the element (``job``) and the field.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infranet import units
from infranet.errors import ValidationError, did_you_mean
from infranet.results import FrozenDict
from infranet.workloads.training import ACROSS, RECOMPUTE, SCHEDULES

__all__ = ["DEGREES", "JOB", "SEARCHES", "SOLVES", "JobField", "TrainingJob", "check_fields",
           "job_from_mapping",
           "parse_parallelism", "read_job", "reference_markdown"]

#: The parallelism degrees a job names.
DEGREES = ("tp", "pp", "dp", "ep", "cp")
#: What ``solve`` can solve for, and what ``search`` can search.
SOLVES = ("dci-bandwidth",)
SEARCHES = ("parallelism",)



@dataclass(frozen=True)
class JobField:
    """One field of a job file: `kind` is ``str``, ``choice``, ``strings``, ``integer``,
    ``number`` or a quantity of :data:`infranet.units.QUANTITIES` (parsed with its unit).

    (The topology schema's ``Attr`` has the same shape; it lives with the model, whose import
    brings the Topology and pandas: the job's table is read by ``infranet size --help``.)
    """

    name: str
    kind: str
    description: str
    default: Any = None
    required: bool = False
    unit: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    exclusive_minimum: bool = False
    maximum: float | None = None
    maximum_reason: str = ""

    def bound(self) -> str:
        """The maximum as messages and the reference write it (``1 GiB``, ``1e+09``)."""
        assert self.maximum is not None
        if self.kind in units.QUANTITIES:
            return units.format_quantity(self.maximum, self.kind)
        return f"{self.maximum:g}"

    def describe_type(self) -> str:
        """The type as the reference says it."""
        if self.kind == "choice":
            return " \\| ".join(f"`{c}`" for c in self.choices)
        kind = f"{self.kind} ({self.unit})" if self.kind in units.QUANTITIES else {
            "strings": "list of strings"}.get(self.kind, self.kind)
        if self.maximum is not None:
            return f"{kind}, at most {self.bound()}"
        return kind




#: The schema of a job file: one row per field.
JOB = (
    JobField("model", "str", "a catalogue model (`infranet catalogue models`) or a model YAML "
         "file, relative to the job file", required=True),
    JobField("accelerators", "integer", "accelerators the job runs on (over every site)",
         required=True, minimum=1, maximum=1e9,
         maximum_reason="more accelerators than have ever been made"),
    JobField("parallelism", "str", "degrees `tp`, `pp`, `dp`, `ep`, `cp` as a mapping or as "
         "`tp=8,pp=16,dp=128`; missing degrees are 1, a missing `dp` is what the "
         "accelerators leave; tp·pp·dp·cp must be the accelerators; required unless the job "
         "searches"),
    JobField("microbatch", "integer", "sequences per microbatch", default=1, minimum=1,
         maximum=1e9, maximum_reason="a billion sequences, beyond any published batch"),
    JobField("global_batch", "integer", "sequences per step", default=1024, minimum=1,
         maximum=1e9, maximum_reason="a billion sequences, beyond any published batch"),
    JobField("seq_len", "integer", "tokens per sequence (default: the model's)", minimum=1,
         maximum=1e9, maximum_reason="a billion tokens, 100 times the longest context "
         "published"),
    JobField("recompute", "choice", "activation recomputation (Korthikanti et al. 2022)",
         default="selective", choices=RECOMPUTE),
    JobField("schedule", "choice", "pipeline schedule", default="1f1b", choices=SCHEDULES),
    JobField("chunks", "integer", "model chunks per rank in the interleaved schedule", default=1,
         minimum=1, maximum=1e6, maximum_reason="more chunks than any model has layers"),
    JobField("zero", "integer", "ZeRO stage: 0 none, 1 optimizer state, 2 and gradients, 3 and "
         "weights (FSDP)", default=1, minimum=0, maximum=3, maximum_reason="ZeRO has 3 stages"),
    JobField("accelerator", "str", "the accelerator (a catalogue name); default: the clusters' "
         "own"),
    JobField("sites", "strings", "datacenters the job spans, `SITE` or `SITE/CLUSTER`; default: "
         "the one datacenter that can hold it"),
    JobField("across", "choice", "what crosses the DCI between sites", default="dp",
         choices=ACROSS),
    JobField("sync_every", "integer", "DiLoCo-style outer synchronisation across sites every H "
         "steps (1: every step); an outer synchronisation waits for the step's end (it cannot "
         "overlap the backward pass as every step's does), so a small H needs more DCI "
         "bandwidth than 1: about 5 times at H = 2 for Llama 3 70B over two sites, the same "
         "at H = 10", default=1, minimum=1, maximum=1e9,
         maximum_reason="a billion steps, beyond any training run"),
    JobField("compression", "number", "ratio the gradients crossing the DCI are compressed by, "
         "every step's synchronisation or the outer one alike; ZeRO-3's "
         "parameter gathers are not compressed",
         default=1.0, minimum=1.0, maximum=1e6,
         maximum_reason="a millionth of the bytes; published compressors reach about 1,000"),
    JobField("window", "size", "transport window of DCI flows (caps each at window / RTT; at "
         "least one 1,500-byte frame)",
         unit="B", minimum=1500.0, maximum=2.0**30,
         maximum_reason="TCP's window scaling stops at 1 GiB, RFC 7323"),
    JobField("compute_fraction", "number", "fraction of peak the compute reaches (default: the "
         "catalogue figure `training_compute_fraction`; at least 1%: below, no training "
         "runs)", minimum=0.01, maximum=1.0, maximum_reason="a fraction of peak"),
    JobField("target_efficiency", "number", "efficiency the DCI must allow (step time with an "
         "unlimited DCI at zero distance ÷ step time)", default=0.95, minimum=0.0,
         exclusive_minimum=True, maximum=1.0, maximum_reason="an efficiency"),
    JobField("solve", "choice", "solve for the DCI bandwidth that reaches `target_efficiency`",
         choices=SOLVES),
    JobField("search", "choice", "rank the parallelism mappings of the accelerators by step time",
         choices=SEARCHES),
)


@dataclass(frozen=True)
class TrainingJob:
    """A training job's options, checked (see :data:`JOB`)."""

    model: str
    accelerators: int
    parallelism: Mapping[str, int]
    microbatch: int = 1
    global_batch: int = 1024
    seq_len: int | None = None
    recompute: str = "selective"
    schedule: str = "1f1b"
    chunks: int = 1
    zero: int = 1
    accelerator: str | None = None
    sites: tuple[str, ...] = ()
    across: str = "dp"
    sync_every: int = 1
    compression: float = 1.0
    window: float | None = None
    compute_fraction: float | None = None
    target_efficiency: float = 0.95
    solve: str | None = None
    search: str | None = None
    file: str | None = field(default=None, compare=False)
    given: frozenset[str] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parallelism", FrozenDict(dict(self.parallelism)))

    def conflicts(self, spell: Callable[[str], str] = str) -> list[tuple[str, str]]:
        """Fields given that this job would ignore: ``(field, why)``, `why` naming the other
        fields through `spell` (``--sync-every`` for the command, ``sync_every`` for a file).

        Examples
        --------
        >>> job = job_from_mapping({"model": "m", "accelerators": 8, "parallelism": "tp=8",
        ...                         "chunks": 2}, check=False)
        >>> job.conflicts()
        [('chunks', 'chunks goes with schedule interleaved')]
        """
        out: list[tuple[str, str]] = []
        if self.search:
            for name in ("microbatch", "recompute", "zero", "across"):
                if name in self.given:
                    out.append((name, f"{spell(name)} does not go with {spell('search')} "
                                      "parallelism, which searches it"))
            if "solve" in self.given:
                out.append(("solve", f"{spell('solve')} does not go with {spell('search')}"))
        if len(self.sites) <= 1:
            for name in ("across", "sync_every", "compression", "window"):
                if name in self.given:
                    out.append((name, f"{spell(name)} goes with a job over two or more "
                                      f"{spell('sites')}; this one runs on one site"))
        elif self.across == "pp":
            for name in ("sync_every", "compression"):
                if name in self.given:
                    out.append((name, f"{spell(name)} goes with {spell('across')} dp: an "
                                      "across pp job sends activations over the DCI, not "
                                      "gradients"))
        if "chunks" in self.given and self.schedule != "interleaved":
            out.append(("chunks", f"{spell('chunks')} goes with {spell('schedule')} "
                                  "interleaved"))
        if "target_efficiency" in self.given and self.solve is None:
            out.append(("target_efficiency", f"{spell('target_efficiency')} goes with "
                                              f"{spell('solve')} dci-bandwidth"))
        return out

    def degrees(self) -> dict[str, int]:
        """Every degree, 1 where not given."""
        return {k: int(self.parallelism.get(k, 1)) for k in DEGREES}

    def model_path(self) -> str:
        """The model as :func:`infranet.workloads.models.load_model` takes it: a file
        relative to the job file when it names one that exists there, else as given.

        Raises
        ------
        ValidationError
            For a model file found neither beside the job file nor in the working directory,
            naming the path tried.
        """
        if self.file and self.file != "-" and self.model.endswith((".yaml", ".yml", ".json")):
            beside = Path(self.file).parent / self.model
            if beside.exists():
                return str(beside)
            if not Path(self.model).exists():
                raise ValidationError(f"{self.model}: no such file beside the job file "
                                      f"({beside}) or in the working directory",
                                      file=self.file, element="job", field="model")
        return self.model


def parse_parallelism(raw: Any, *, accelerators: int, file: str | None = None,
                      element: str = "job") -> dict[str, int]:
    """Degrees from ``"tp=8,pp=16,dp=128"`` or a mapping; a missing ``dp`` is what the
    accelerators leave; checked against `accelerators`.

    Examples
    --------
    >>> parse_parallelism("tp=8,pp=16", accelerators=16384)
    {'tp': 8, 'pp': 16, 'dp': 128, 'ep': 1, 'cp': 1}
    """
    def fail(message: str) -> ValidationError:
        return ValidationError(message, file=file, element=element, field="parallelism")

    if isinstance(raw, str):
        pairs: dict[str, Any] = {}
        for part in (p for p in raw.replace(" ", "").split(",") if p):
            key, eq, value = part.partition("=")
            if not eq:
                raise fail(f"expected NAME=DEGREE pairs such as tp=8,pp=16, got {part!r}")
            if key in pairs:
                raise fail(f"{key} given twice ({pairs[key]} and {value}); give each degree "
                           "once")
            pairs[key] = value
    elif isinstance(raw, Mapping):
        pairs = dict(raw)
    else:
        raise fail(f"expected a mapping or tp=8,pp=16,dp=128, got {type(raw).__name__}")
    out: dict[str, int] = {}
    for key, value in pairs.items():
        if key not in DEGREES:
            raise fail(f"unknown degree {key!r}{did_you_mean(str(key), DEGREES)}; allowed: "
                       f"{', '.join(DEGREES)}")
        try:
            degree = int(str(value))
        except ValueError:
            raise fail(f"{key} must be a whole number, got {value!r}") from None
        if degree < 1:
            raise fail(f"{key} must be >= 1, got {degree}")
        out[key] = degree
    fixed = out.get("tp", 1) * out.get("pp", 1) * out.get("cp", 1)
    if "dp" not in out:
        if accelerators % fixed:
            raise fail(f"tp·pp·cp = {fixed:,} does not divide {accelerators:,} accelerators")
        out["dp"] = accelerators // fixed
    total = fixed * out["dp"]
    if total != accelerators:
        raise fail(f"tp·pp·dp·cp = {total:,} but the job has {accelerators:,} accelerators")
    if (out["dp"] * out.get("cp", 1)) % out.get("ep", 1):
        raise fail(f"ep = {out.get('ep', 1)} must divide dp·cp = "
                   f"{out['dp'] * out.get('cp', 1):,}")
    return {k: out.get(k, 1) for k in DEGREES}


def _short(raw: Any) -> str:
    """A value as a message quotes it: large numbers short (``1e+308``, not 309 digits)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and abs(raw) >= 1e15:
        return f"{float(raw):g}" if abs(raw) < 1e308 or isinstance(raw, float) else "over 1e+308"
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."


def _value(raw: Any, attr: JobField, file: str | None) -> Any:
    def fail(message: str) -> ValidationError:
        return ValidationError(message, file=file, element="job", field=attr.name)

    kind = attr.kind
    if kind in ("str", "choice"):
        if not isinstance(raw, str) or not raw.strip():
            raise fail(f"expected text, got {raw!r}")
        if kind == "choice" and raw not in attr.choices:
            raise fail(f"must be one of {', '.join(attr.choices)}, got {raw!r}"
                       f"{did_you_mean(raw, attr.choices)}")
        return raw.strip()
    if kind == "strings":
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, (list, tuple)) or not all(isinstance(x, str) and x.strip()
                                                           for x in items):
            raise fail(f"expected a list of names, got {raw!r}")
        return tuple(x.strip() for x in items)
    if kind == "integer":
        if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, float)
                                                                  and raw.is_integer())):
            raise fail(f"expected a whole number, got {_short(raw)}")
        value: float = int(raw) if abs(raw) < 10**18 else (1e300 if raw > 0 else -1e300)
    elif kind in units.QUANTITIES:
        try:
            value = units.parse(raw, kind)
        except ValidationError as err:
            raise fail(err.detail) from None
    else:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise fail(f"expected a number, got {_short(raw)}")
        value = float(raw)
    if not math.isfinite(value):
        raise fail(f"must be finite, got {_short(raw)}")
    if attr.minimum is not None:
        low = attr.minimum
        if value < low or (attr.exclusive_minimum and value == low):
            raise fail(f"must be {'>' if attr.exclusive_minimum else '>='} {low:g}, "
                       f"got {_short(raw)}")
    if attr.maximum is not None and value > attr.maximum:
        raise fail(f"must be at most {attr.bound()} ({attr.maximum_reason}), "
                   f"got {_short(raw)}")
    return value


def check_fields(raw: Any, fields: Sequence[JobField], *, element: str,
                 file: str | None = None) -> None:
    """Check that `raw` is a mapping whose keys are all among `fields` (a spec's schema).

    Raises
    ------
    ValidationError
        For something other than a mapping, or an unknown field (with the closest name and the
        allowed ones).

    Examples
    --------
    >>> try:
    ...     check_fields({"modle": "m"}, JOB[:2], element="job", file="j.yaml")
    ... except ValidationError as err:
    ...     print(err)
    j.yaml: job: modle: unknown field (did you mean 'model'?); allowed: model, accelerators
    """
    if not isinstance(raw, Mapping):
        raise ValidationError(f"expected a mapping of the {element}'s fields, got "
                              f"{type(raw).__name__}", file=file, element=element)
    known = {a.name: a for a in fields}
    for key in raw:
        if key not in known:
            raise ValidationError(f"unknown field{did_you_mean(str(key), known)}; allowed: "
                                  f"{', '.join(known)}", file=file, element=element,
                                  field=str(key))


def job_from_mapping(raw: Any, *, file: str | None = None, check: bool = True) -> TrainingJob:
    """A :class:`TrainingJob` from a mapping of the job schema's fields (a parsed JOB.yaml,
    or the command's options), checked; with `check`, a field the job would ignore
    (:meth:`TrainingJob.conflicts`) is an error too.

    Examples
    --------
    >>> job = job_from_mapping({"model": "llama3-70b", "accelerators": 1024,
    ...                         "parallelism": "tp=8,pp=4", "sites": "abilene,temple"})
    >>> job.degrees()["dp"], job.sites
    (32, ('abilene', 'temple'))
    >>> try:
    ...     job_from_mapping({"model": "m", "accelerators": 8, "parallelism": "tp=8",
    ...                       "recompute": "most"}, file="job.yaml")
    ... except ValidationError as err:
    ...     print(err)
    job.yaml: job: recompute: must be one of none, selective, full, got 'most'
    """
    check_fields(raw, JOB, element="job", file=file)
    values: dict[str, Any] = {}
    for attr in JOB:
        given = raw.get(attr.name)
        if given is None:
            if attr.required:
                raise ValidationError(f"missing; {attr.description}", file=file,
                                      element="job", field=attr.name)
            continue
        if attr.name == "parallelism":
            continue
        values[attr.name] = _value(given, attr, file)
    if raw.get("parallelism") is None and values.get("search") is None:
        raise ValidationError("missing; give the degrees (tp=8,pp=16,dp=128) or search them "
                              "(search: parallelism)", file=file, element="job",
                              field="parallelism")
    values["parallelism"] = parse_parallelism(raw.get("parallelism") or {},
                                              accelerators=int(values["accelerators"]),
                                              file=file)
    job = TrainingJob(**values, file=file,
                      given=frozenset(k for k in raw if raw[k] is not None))
    for name, why in job.conflicts() if check else ():
        raise ValidationError(why, file=file, element="job", field=name)
    return job


def read_job(path: str | Path, *, check: bool = True,
             search_missing: bool = False) -> TrainingJob:
    """Read and check a JOB.yaml file (safe YAML); with `check` False, fields the job would
    ignore are left for the caller to judge (:meth:`TrainingJob.conflicts`); with
    `search_missing`, a job without ``parallelism`` searches it (as a placement does).

    Raises
    ------
    ValidationError, FormatError
        One line naming the file, ``job`` and the field.
    """
    from infranet.io.files import read_text
    from infranet.io.native import load_yaml

    name = str(path)
    raw = load_yaml(read_text(path), file=name, expected="a mapping of the job's fields")
    if search_missing and isinstance(raw, Mapping) and raw.get("parallelism") is None \
            and raw.get("search") is None:
        raw = {**raw, "search": "parallelism"}
    return job_from_mapping(raw, file=name, check=check)


def reference_markdown() -> str:
    """The job file's reference table (Markdown), generated from :data:`JOB`."""
    out = ["| key | type | default | description |", "|---|---|---|---|"]
    for a in JOB:
        default = "**required**" if a.required else ("" if a.default is None
                                                     else f"`{a.default}`")
        out.append(f"| `{a.name}` | {a.describe_type()} | {default} | {a.description} |")
    return "\n".join(out) + "\n"
