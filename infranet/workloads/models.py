"""Transformer models: the catalogue, a user's own model file, and what their shapes imply.

A model is named from the catalogue (``infranet/data/models.csv``, read into
:class:`infranet.physics.Model` records with their sources) or given as a YAML (or JSON) file
with the same fields (:data:`FIELDS`, documented in ``docs/models.md``); :func:`load_model`
takes either, wherever a model is asked for.

From a model's shape this module derives what the training and inference models count:
parameters (:func:`parameters_of_shape`, checked against the published counts), the parameters a
token uses (:func:`active_parameters_of_shape`), training FLOPs per token
(:func:`flops_per_token`), weight bytes (:func:`weight_bytes`) and the KV cache
(:attr:`Model.kv_bytes_per_token <infranet.physics.Model>`, :func:`kv_cache_bytes`).

Examples
--------
>>> m = load_model("llama3-70b")
>>> m.layers, m.kv_bytes_per_token // 1024  # KiB per token
(80, 320)
>>> parameters_of_shape(m)
70553706496
>>> flops_per_token(load_model("mixtral-8x7b")) / 1e9  # 6 x 12.9 B active
77.4
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infranet.errors import FormatError, UnknownNameError, ValidationError, did_you_mean
from infranet.physics import MODEL_REQUIRED, Model, models

__all__ = [
    "FIELDS",
    "Field",
    "active_parameters_of_shape",
    "flops_per_token",
    "kv_cache_bytes",
    "load_model",
    "models",
    "parameters_of_shape",
    "read_model",
    "reference_markdown",
    "weight_bytes",
]

#: Extensions that make :func:`load_model` read a file rather than look up a name.
MODEL_FILE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Field:
    """A field of a model file (and a column of ``models.csv``): its name, type, default (None:
    required), what it means, and an upper bound with its reason (so that no figure derived
    from it overflows)."""

    name: str
    type: str
    default: str | None
    description: str
    maximum: float | None = None
    maximum_reason: str = ""


#: The fields of a model file, in the order of the documentation; the same as the columns of
#: ``models.csv`` and the fields of :class:`infranet.physics.Model`.
FIELDS: tuple[Field, ...] = (
    Field("name", "text", "the file's name without extension",
          "Name shown in reports."),
    Field("parameters", "count", None,
          "Total parameters, the published count (every expert of a mixture of experts). A "
          "whole number, or with a suffix: `70.6B`, `400M` (YAML reads `70.6e9` as text; it is "
          "accepted too).",
          maximum=1e15, maximum_reason="a thousand times the largest published model"),
    Field("active_parameters", "count", "`parameters` for a dense model; for a mixture of "
          "experts, `parameters` less the routed experts a token does not use (from the shape)",
          "Parameters a token uses: the shared parts and `top_k` routed experts. Training "
          "FLOPs count these (6 per parameter per token).",
          maximum=1e15, maximum_reason="a thousand times the largest published model"),
    Field("layers", "count", None, "Transformer blocks.",
          maximum=1e5, maximum_reason="a thousand times the deepest published model"),
    Field("hidden", "count", None, "Model width (d_model).",
          maximum=1e7, maximum_reason="a thousand times the widest published model"),
    Field("ffn_hidden", "count", None,
          "Inner width of a feed-forward block; of one routed expert for a mixture of experts.",
          maximum=1e8, maximum_reason="a thousand times the widest published model"),
    Field("heads", "count", None, "Attention (query) heads.",
          maximum=1e6, maximum_reason="a thousand times the most published"),
    Field("kv_heads", "count", None,
          "Key/value heads (grouped-query attention; `heads` is a multiple of it; `heads` for "
          "plain multi-head attention).",
          maximum=1e6, maximum_reason="a thousand times the most published"),
    Field("head_dim", "count", "`hidden / heads`", "Width of one attention head.",
          maximum=1e6, maximum_reason="a thousand times the widest published"),
    Field("vocab", "count", None, "Vocabulary size.",
          maximum=1e9, maximum_reason="a thousand times the largest published vocabulary"),
    Field("seq_len", "count", None, "Pre-training sequence length, tokens.",
          maximum=1e9, maximum_reason="a billion tokens, 100 times the longest context published"),
    Field("experts", "count or 0", "`0` (dense)",
          "Routed experts per mixture-of-experts layer; 0 (or 1) for a dense model.",
          maximum=1e6, maximum_reason="a thousand times the most published"),
    Field("top_k", "count or 0", "`0`", "Routed experts each token uses (1 to `experts`).",
          maximum=1e6, maximum_reason="a thousand times the most published"),
    Field("shared_experts", "count or 0", "`0`",
          "Experts every token uses beside its `top_k`, each of `ffn_hidden` (DeepSeek-V3: 1)."),
    Field("dense_layers", "count or 0", "`0`",
          "The first blocks of a mixture of experts that are dense (DeepSeek-V3: 3)."),
    Field("dense_ffn_hidden", "count or 0", "`0`",
          "Feed-forward width of those dense blocks (DeepSeek-V3: 18,432)."),
    Field("q_lora_rank", "count or 0", "`0`",
          "Multi-head latent attention (MLA): rank of the query compression; 0 for none."),
    Field("kv_lora_rank", "count or 0", "`0`",
          "MLA: rank of the key/value compression (the cached latent); 0 for ordinary "
          "attention."),
    Field("rope_head_dim", "count or 0", "`0`", "MLA: width of the decoupled RoPE key."),
    Field("gated_ffn", "true or false", "`true`",
          "A gated feed-forward block (SwiGLU, three matrices) or not (GELU, two)."),
    Field("tied_embeddings", "true or false", "`false`",
          "The output layer shares the input embedding's matrix."),
    Field("kv_bytes_per_token", "count", "from the shape",
          "KV cache per token over all layers in bf16, bytes. Default: "
          "2 x layers x kv_heads x head_dim x 2, or for MLA (kv_lora_rank + rope_head_dim) x "
          "layers x 2. Give the published figure where the architecture caches something "
          "else.",
          maximum=1e12, maximum_reason="a terabyte per token"),
    Field("source", "text", "the file's path", "Where the figures come from."),
)
_KNOWN = tuple(f.name for f in FIELDS)



# ---------------------------------------------------------------------------------------------
# reading


def load_model(name_or_path: str | os.PathLike[str] | Model) -> Model:
    """Return a model: a catalogue name (``llama3-70b``), a model file (``.yaml``, ``.yml``,
    ``.json``, any path to an existing file, ``-`` for standard input), or a
    :class:`~infranet.physics.Model` as it is.

    Raises
    ------
    UnknownNameError
        For a name that is neither in the catalogue nor a file, with the closest name.
    FormatError, ValidationError
        For a file that cannot be read, naming the file and the field (see :func:`read_model`).

    Examples
    --------
    >>> load_model("deepseek-v3").kv_bytes_per_token  # MLA: (512 + 64) x 61 layers x 2 bytes
    70272
    >>> load_model("llama3-7b")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    infranet.errors.UnknownNameError: unknown model 'llama3-7b' (did you mean 'llama3-70b'?); ...
    """
    if isinstance(name_or_path, Model):
        return name_or_path
    text = os.fspath(name_or_path)
    catalogue = models()
    if text in catalogue:
        return catalogue[text]
    if (isinstance(name_or_path, Path) or text == "-"
            or text.lower().endswith(MODEL_FILE_SUFFIXES) or os.sep in text or "/" in text
            or os.path.isfile(text)):
        return read_model(text)
    raise UnknownNameError(
        f"unknown model {text!r}{did_you_mean(text, catalogue)}; known: "
        f"{', '.join(catalogue)}; or give a model file (.yaml) with the fields of "
        "docs/models.md")


def read_model(path: str | os.PathLike[str]) -> Model:
    """Read a user's model file: a YAML (or JSON) mapping of the fields of :data:`FIELDS`.

    Read through :func:`infranet.io.files.read_text` (a regular file of bounded size, UTF-8) and
    YAML's safe loader (:func:`infranet.io.native.load_yaml`).

    Raises
    ------
    FormatError
        For a file that cannot be read or is not a mapping, and for an unknown field (with the
        closest known one).
    ValidationError
        For a field that is missing, not a whole number, negative or out of range, or at odds
        with another; the message names the file and the field.
    """
    from infranet.io.files import read_text
    from infranet.io.native import load_yaml

    file = os.fspath(path)
    data = load_yaml(read_text(file), file=file,
                     expected=f"a mapping of model fields ({', '.join(MODEL_REQUIRED)}, ...)")
    if not isinstance(data, Mapping):
        raise FormatError(f"expected a mapping of model fields ({', '.join(MODEL_REQUIRED)}, "
                          f"...), got {type(data).__name__}", file=file)
    for key in data:
        if str(key) not in _KNOWN:
            raise FormatError(f"unknown field{did_you_mean(str(key), _KNOWN)}; known: "
                              f"{', '.join(_KNOWN)}", file=file, field=str(key))
    row: dict[str, Any] = {str(k): v for k, v in data.items()}
    row.setdefault("name", Path(file).stem)
    row.setdefault("source", f"model file {file}")
    for key in ("name", "source"):
        if not isinstance(row[key], str):
            raise ValidationError(f"expected text, got {row[key]!r}", file=file, field=key)
    try:
        _check_bounds(row)
        if row.get("active_parameters") in (None, "") and _moe(row):
            row["active_parameters"] = _active_from_published(row)
        model = Model.from_row(row)
    except ValidationError as err:
        raise ValidationError(err.detail, file=file, field=err.field) from None
    _warn_if_unlike_its_shape(model, file)
    return model


#: How far a file's `parameters` may stray from what its shape counts before a warning: the
#: catalogue's models agree within 0.3% (biases, position embeddings and rounding of the
#: published counts); a tenth is a field mistyped, not a detail left out.
SHAPE_TOLERANCE = 0.1


def _warn_if_unlike_its_shape(model: Model, file: str) -> None:
    """Warn when the parameters a file states are far from what its shape counts: the FLOPs
    and memory follow the stated count, the traffic of tensor parallelism the shape."""
    import warnings

    from infranet.errors import InfranetWarning

    counted = parameters_of_shape(model)
    if counted > 0 and abs(model.parameters / counted - 1.0) > SHAPE_TOLERANCE:
        warnings.warn(InfranetWarning(
            f"{model.parameters:.4g} parameters, but the shape (layers, hidden, ffn_hidden, "
            f"heads, vocab, experts) counts {counted:.4g}: FLOPs and memory follow the stated "
            "count, traffic the shape; check both", file=file, field="parameters"),
            stacklevel=3)


def _check_bounds(row: Mapping[str, Any]) -> None:
    """Refuse a count above its field's maximum, quoting it short (``1e+308``)."""
    for f in FIELDS:
        value = row.get(f.name)
        if f.maximum is None or value is None or isinstance(value, bool):
            continue
        if isinstance(value, str):  # "70.6B", "7e10": the record reads them; here, the size
            text = value.strip().replace(",", "").replace("_", "").lower()
            scale = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}.get(text[-1:], 1.0)
            try:
                number = float(text[:-1] if scale != 1.0 else text) * scale
            except ValueError:
                continue  # the record says what is wrong with it
        elif isinstance(value, (int, float)):
            number = float(value) if abs(value) < 1e308 else math.inf
        else:
            continue
        if number > f.maximum:
            raise ValidationError(f"must be at most {f.maximum:g} ({f.maximum_reason}), got "
                                  f"{number:g}", field=f.name)


def _moe(row: Mapping[str, Any]) -> bool:
    experts = row.get("experts")
    return isinstance(experts, (int, float)) and not isinstance(experts, bool) and experts > 1


def _active_from_published(row: dict[str, Any]) -> int:
    """The active parameters of a mixture of experts whose file gives none: the published total
    less the routed experts a token does not use, from the shape."""
    shape = Model.from_row({**row, "active_parameters": row.get("parameters")})
    unused = (shape.experts - shape.top_k) * _expert(shape) * shape.moe_layers
    return max(shape.parameters - unused, 1)


# ---------------------------------------------------------------------------------------------
# what a shape implies


def _ffn(model: Model, width: int) -> int:
    return (3 if model.gated_ffn else 2) * model.hidden * width


def _expert(model: Model) -> int:
    """Parameters of one routed (or shared) expert."""
    return _ffn(model, model.ffn_hidden)


def _attention(model: Model) -> int:
    """Parameters of one attention block (projections and, for MLA, the latent norms)."""
    h, heads, d = model.hidden, model.heads, model.head_dim
    if model.kv_lora_rank:
        qk = d + model.rope_head_dim
        q = (h * model.q_lora_rank + model.q_lora_rank + model.q_lora_rank * heads * qk
             if model.q_lora_rank else h * heads * qk)
        kv = (h * (model.kv_lora_rank + model.rope_head_dim) + model.kv_lora_rank
              + model.kv_lora_rank * heads * 2 * d)
        return q + kv + heads * d * h
    return 2 * h * heads * d + 2 * h * model.kv_heads * d


def _blocks(model: Model, routed: int) -> int:
    """Parameters of every block, with `routed` routed experts per MoE layer."""
    norms = 2 * model.hidden
    if not model.is_moe:
        return model.layers * (_attention(model) + _ffn(model, model.ffn_hidden) + norms)
    dense = model.dense_layers * (_attention(model) + _ffn(model, model.dense_ffn_hidden) + norms)
    moe = model.moe_layers * (_attention(model) + (routed + model.shared_experts) * _expert(model)
                              + model.hidden * model.experts + norms)
    return dense + moe


def _embeddings(model: Model) -> int:
    return model.vocab * model.hidden * (1 if model.tied_embeddings else 2) + model.hidden


def parameters_of_shape(model: Model) -> int:
    """Total parameters from the shape: embeddings (input and output, once when tied), each
    block's attention, feed-forward (every expert and the router for a mixture of experts) and
    norm weights, and the final norm. Biases and learned position embeddings are left out
    (GPT-3's are 0.02% of it).

    Examples
    --------
    >>> parameters_of_shape(load_model("llama3-8b"))
    8030261248
    >>> round(parameters_of_shape(load_model("deepseek-v3")) / 1e9, 1)  # published: 671 B
    671.0
    """
    return _blocks(model, model.experts) + _embeddings(model)


def active_parameters_of_shape(model: Model) -> int:
    """Parameters a token uses, from the shape: as :func:`parameters_of_shape` with ``top_k``
    routed experts per mixture-of-experts layer (all of them for a dense model).

    Examples
    --------
    >>> round(active_parameters_of_shape(load_model("mixtral-8x7b")) / 1e9, 2)  # published 12.9
    12.88
    """
    return _blocks(model, model.top_k) + _embeddings(model)


def flops_per_token(model: Model, *, seq_len: int | None = None,
                    attention: bool = False) -> float:
    """Training FLOPs per token, forward and backward: ``6 x active_parameters`` (2 per
    multiply-add forward, 4 backward; Kaplan et al. 2020), the count MFU is stated in.

    With `attention`, adds the attention scores and their weighted sum, ``6 x layers x heads x
    (qk_dim + v_dim) x seq_len`` (``12·L·H·Q·T`` of PaLM, Chowdhery et al. 2022, appendix B,
    without causal masking), at `seq_len` (default the model's).

    Examples
    --------
    >>> flops_per_token(load_model("llama3-70b")) / 1e9  # 6 x 70.6 B
    423.6
    >>> round(flops_per_token(load_model("llama3-70b"), attention=True) / 1e9, 1)
    488.0
    """
    flops = 6.0 * model.active_parameters
    if attention:
        tokens = model.seq_len if seq_len is None else seq_len
        qk = model.head_dim + model.rope_head_dim
        flops += 6.0 * model.layers * model.heads * (qk + model.head_dim) * tokens
    return flops


def weight_bytes(model: Model, *, bytes_per_parameter: float = 2.0) -> float:
    """Bytes of the weights (all parameters; bf16 by default).

    Examples
    --------
    >>> weight_bytes(load_model("llama3-70b")) / 1e9  # GB: 140 GB in bf16
    141.2
    """
    return model.parameters * bytes_per_parameter


def kv_cache_bytes(model: Model, tokens: float, *, bytes_per_value: float = 2.0) -> float:
    """KV cache of `tokens` tokens (all layers), bytes; bf16 by default (``bytes_per_value``
    scales the catalogue's bf16 figure).

    Examples
    --------
    >>> kv_cache_bytes(load_model("llama3-70b"), 8192) / 2**30  # GiB: an 8k-token prompt
    2.5
    """
    return model.kv_bytes_per_token * tokens * bytes_per_value / 2.0


def reference_markdown() -> str:
    """The table of model-file fields for ``docs/models.md``."""
    lines = ["| key | type | default | description |", "|---|---|---|---|"]
    for f in FIELDS:
        default = "**required**" if f.default is None else f.default
        kind = f.type if f.maximum is None else f"{f.type}, at most {f.maximum:g}"
        lines.append(f"| `{f.name}` | {kind} | {default} | {f.description} |")
    return "\n".join(lines) + "\n"
