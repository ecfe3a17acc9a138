"""``infranet catalogue``: the packaged catalogues, each row with its source."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from importlib import import_module
from typing import Any

import click

from infranet.cli._options import output_format

#: Each catalogue: its file in ``infranet/data``, the public reader of its records, and the
#: noun of one record.
CATALOGUES: dict[str, tuple[str, str, str]] = {
    "accelerators": ("accelerators.csv", "infranet.physics:accelerators", "accelerator"),
    "models": ("models.csv", "infranet.physics:models", "model"),
    "switches": ("switches.csv", "infranet.physics:switches", "switch"),
    "optics": ("optics.csv", "infranet.physics:optics", "optic"),
    "media": ("media.csv", "infranet.physics:media", "medium"),
    "figures": ("figures.csv", "infranet.physics:figures", "figure"),
    "collectives": ("collectives.csv", "infranet.workloads.collectives:step_figures",
                    "collective figure"),
    "rtt-measured": ("rtt_measured.csv", "infranet.algorithms.estimate:measured_pairs",
                     "measured RTT"),
    "rtt-hubs": ("rtt_hubs.csv", "infranet.algorithms.estimate:hubs", "hub"),
    "rtt-corridors": ("rtt_corridors.csv", "infranet.algorithms.estimate:corridors", "corridor"),
}


@click.command()
@click.argument("kind", type=click.Choice(list(CATALOGUES)), metavar="KIND")
@click.argument("name", required=False)
@output_format
def catalogue(kind: str, name: str | None, fmt: str) -> None:
    """List a packaged catalogue with its sources, or show one record (NAME) in full.

    KIND is one of accelerators, models, switches, optics, media, figures (named figures of
    fabrics and facilities), collectives (the latency of a collective's step per tier),
    rtt-measured (the measured RTTs the RTT estimator is fitted to), rtt-hubs or rtt-corridors
    (the estimator's reference long-haul backbone).
    Fields carry their units in their names (scale_up_gbps in Gb/s, hbm_bytes in bytes,
    hop_latency_us in µs); a figure that is not published is '-' in tables, null in JSON and
    empty in CSV. A model shown in full adds what infranet derives from its shape: parameters
    counted from it, training FLOPs per token (6 x active parameters) and bf16 weight bytes.
    A model name is what --model takes; docs/models.md says how to write your own model file.

    \b
    Examples:
      infranet catalogue models
      infranet catalogue models llama3-70b
      infranet catalogue models examples/models/my-13b.yaml
      infranet catalogue accelerators --format csv
      infranet catalogue switches QM9700 --format json
      infranet catalogue figures
    """
    from infranet.errors import UnknownNameError, did_you_mean
    from infranet.output import emit

    file, reader, noun = CATALOGUES[kind]
    module, attr = reader.split(":")
    table: Mapping[str, Any] = getattr(import_module(module), attr)()
    title = (f"{kind} (infranet/data/{file}): units in the field names; '-' where no figure "
             "is published")
    if name is None:
        rows = [record_dict(record) for record in table.values()]
        flat = [_flat(r) for r in rows]
        emit(rows, fmt, rows=flat, columns=_columns(rows, flat), title=title)
        return
    if kind == "models":  # a name of the catalogue or a model file, as --model takes
        from infranet.workloads.models import load_model

        model = load_model(name)
        data = record_dict(model)
        data["derived"] = _derived(model)
        where = title if name in table else f"the model file {name}"
        emit(data, fmt, rows=[_flat(data)], transpose=True, title=f"{noun} {model.name}: {where}")
        return
    if name not in table:
        raise UnknownNameError(f"unknown {noun} {name!r}{did_you_mean(name, table)}; known: "
                               f"{', '.join(table)}")
    data = record_dict(table[name])
    emit(data, fmt, rows=[_flat(data)], transpose=True, title=f"{noun} {name}: {title}")


def record_dict(record: Any) -> dict[str, Any]:
    """A catalogue record as plain data: its fields in order, mappings as dicts, ranges as
    ``[low, high]``."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _flat(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row for a table or CSV: nested mappings as ``parent.child`` columns, a range as
    ``low-high`` text as the catalogue writes it."""
    from infranet.output import flatten
    from infranet.output.values import text

    flat = flatten({k: (v if not isinstance(v, list) else "-".join(text(x, k) for x in v))
                    for k, v in row.items()})
    return flat


def _columns(rows: list[dict[str, Any]], flat: list[dict[str, Any]]) -> list[str]:
    """The flattened columns in the order of the record's fields (a nested mapping's keys
    beside each other, whichever row has them)."""
    seen = {key: None for row in flat for key in row}
    return [key for field in (rows[0] if rows else {}) for key in seen
            if key == field or key.startswith(f"{field}.")]


def _derived(model: Any) -> dict[str, Any]:
    from infranet.workloads import models as wm

    return {
        "parameters_of_shape": wm.parameters_of_shape(model),
        "active_parameters_of_shape": wm.active_parameters_of_shape(model),
        "moe_layers": model.moe_layers,
        "training_flops_per_token": wm.flops_per_token(model),
        "weight_bytes_bf16": wm.weight_bytes(model),
    }
