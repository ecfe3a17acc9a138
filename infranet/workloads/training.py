"""The step time of a training job, computed on arrays: one call evaluates many configurations.

A configuration is a model, an accelerator, the parallelism degrees (TP, PP with its schedule,
DP with ZeRO / FSDP sharding, EP, CP), the microbatch, global batch and sequence length, the
activation recomputation, and the network the job's groups see: a scale-up tier, a scale-out tier
and the DCI between sites (:class:`Network`). Every numeric input may be a numpy array; they
broadcast, so a sweep over degrees, bandwidths and distances is one call (:func:`step`).

**FLOPs.** Per token, the forward pass costs ``2·N_active`` (every matmul weight once, the
output projection included; the input embedding counted too, as in the usual ``6·N``) plus
``4·L·s·h_q`` for attention scores and values (counted without a causal saving, as Megatron-LM
does, so that hardware FLOP/s compare with published figures). Backward costs twice the forward.
Recomputation (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
Models") adds a forward (``full``), the attention core's forward (``selective``) or nothing.
The **MFU** counts model FLOPs only, ``6·N_active·tokens`` per step (dense: all parameters;
MoE: the active ones), over the job's peak; ``hfu`` counts every FLOP computed (attention and
recomputation included).

**Compute time** is the FLOPs at ``compute_fraction`` of the accelerator's dense bf16 peak (the
catalogue's figure ``training_compute_fraction``, with its source; overridable).

**Traffic per step** (bytes per rank, bf16 activations and gradients):

- TP (Megatron-LM with sequence parallelism): per layer and microbatch, 4 all-reduce-sized
  collectives (all-gather + reduce-scatter pairs) of ``b·s·h·2/cp`` bytes, 6 under full
  recomputation; in the scale-up domain when ``tp`` fits in it.
- PP: per microbatch and stage boundary, the activations ``b·s·h·2/(cp·tp)`` forward and their
  gradients backward (one per tensor-parallel rank, scatter-gather).
- DP: the gradients of each rank's parameters, ``2·N/(tp·pp)`` bytes, reduce-scattered and
  all-gathered (ZeRO 0-2: the volume of one all-reduce; ZeRO-3 / FSDP: the parameters are
  gathered forward and backward too, 1.5 times that), hierarchically: inside the scale-up
  domain, across the scale-out tier, across the sites.
- EP: per MoE layer and microbatch, a dispatch and a combine all-to-all forward and again
  backward, of ``b·s·top_k·h·2/cp`` bytes (``/tp`` with sequence parallelism).
- CP (ring attention): per layer and microbatch, the keys and values all-gathered forward and
  their gradients reduce-scattered backward, ``2·b·s·kv_heads·head_dim·2/tp`` bytes.

**Overlap model.** TP, EP and CP collectives are on the critical path of every microbatch
(exposed). Pipeline sends are asynchronous: a microbatch's slot costs the larger of the stage's
work and its transfer, and the fill and drain pay every boundary's latency once each way. DP
gradient synchronisation hides behind the backward pass of the last microbatch (ZeRO 0-2) or
behind the whole step's compute (ZeRO-3 / FSDP, which prefetches); what does not fit is
exposed, and the exposed part is charged to the slowest tiers first (the DCI, then scale-out).
DiLoCo-style outer synchronisation every ``sync_every`` steps (Douillard et al. 2023) is not
overlapped: its time, divided by ``sync_every``, adds to every step. Gradient compression
(``compression``) divides the gradient bytes that cross the DCI, of every step's
synchronisation or of the outer one (ZeRO-3's parameter gathers cross uncompressed); the
scale-up and scale-out tiers carry them uncompressed.

**Pipeline.** 1F1B: ``(m + pp − 1)`` slots of one microbatch each, a bubble of
``(pp − 1)/m``; interleaved with ``v`` chunks per rank: ``(pp − 1)/(v·m)`` (Narayanan et al.,
SC21).

**Memory per accelerator** (mixed-precision Adam, ZeRO paper, Rajbhandari et al. 2020):
weights 2 bytes, gradients 2 bytes, optimizer state 12 bytes (fp32 master weights, two moments)
per local parameter, sharded over DP by ZeRO stage 1 (optimizer), 2 (and gradients), 3 (and
weights); activations per layer and microbatch from Korthikanti et al. 2022 with sequence
parallelism: ``s·b·h·(34 + 5·a·s/h)/tp`` without recomputation, ``34·s·b·h/tp`` with
selective, ``2·s·b·h/tp`` with full, ``s`` divided by ``cp``; the first stage holds ``pp``
microbatches in flight (``× (1 + (pp − 1)/(pp·v))`` interleaved). DiLoCo adds the outer
optimizer's fp32 anchor and momentum (8 bytes per local parameter, sharded over the site's
data-parallel ranks from ZeRO stage 1 as the inner optimizer's state is). Left out: the embedding's
own activations, framework workspace and fragmentation, grouped-query attention's smaller K/V
activations (the 34 assumes multi-head attention), MoE's top-k larger expert activations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from infranet import physics
from infranet.errors import ValidationError
from infranet.results import Binding, FrozenState, freeze

__all__ = [
    "ACROSS",
    "RECOMPUTE",
    "SCHEDULES",
    "GenerationsStep",
    "ModelLike",
    "Network",
    "SiteShare",
    "StepModel",
    "TrainingStep",
    "check_config",
    "collective_s",
    "collective_terms",
    "flops_per_token",
    "memory_bytes",
    "min_max_split",
    "require_fit",
    "split_batch",
    "step",
    "step_across_generations",
]

#: Activation recomputation choices.
RECOMPUTE = ("none", "selective", "full")
#: Pipeline schedules.
SCHEDULES = ("1f1b", "interleaved")
#: What crosses the DCI when a job spans sites.
ACROSS = ("dp", "pp")

#: Bytes of a bf16 value: weights, gradients and activations in flight.
BF16_BYTES = 2
#: Optimizer state per parameter, bytes: fp32 master weights and Adam's two moments (ZeRO paper).
ADAM_STATE_BYTES = 12
#: DiLoCo's outer optimizer per parameter, bytes: fp32 anchor weights and Nesterov momentum.
OUTER_STATE_BYTES = 8
#: Activation bytes per ``s·b·h`` per layer (Korthikanti et al. 2022, eq. 1, 16-bit activations).
ACTIVATION_COEFFICIENT = 34
#: Attention-score activation bytes per ``a·s²·b`` per layer (same source).
ATTENTION_COEFFICIENT = 5


class ModelLike(Protocol):
    """What the step model reads of a model (:class:`infranet.physics.Model`); it also reads,
    where given, ``active_parameters``, ``kv_heads``, ``head_dim``, ``seq_len``, ``experts``
    and ``top_k``."""

    @property
    def name(self) -> str: ...

    @property
    def parameters(self) -> float: ...

    @property
    def layers(self) -> int: ...

    @property
    def hidden(self) -> int: ...

    @property
    def heads(self) -> int: ...


@dataclass(frozen=True)
class Network:
    """The tiers a job's groups see; every field array-like (they broadcast).

    Attributes
    ----------
    scale_up_gbps, scale_out_gbps : array-like
        Per accelerator per direction, Gb/s.
    scale_up_domain : array-like
        Accelerators per scale-up domain.
    scale_up_alpha_s, scale_out_alpha_s, dci_alpha_s : array-like
        Latency of one step of a collective on that tier, s.
    dci_gbps : array-like
        The DCI capacity between two sites per direction, Gb/s, shared by every rank that
        crosses it (``inf``: unlimited).
    dci_latency_s : array-like
        One-way latency between the sites, s (propagation and equipment).
    window_bytes : array-like or None
        A cap on each flow's rate across the DCI at window / RTT (SimGrid CM02); None: no cap.
    collective_base_s : array-like
        Fixed latency of launching one collective, s, paid by each TP, CP and EP collective of
        a microbatch (NCCL's base latency, ``infranet/data/collectives.csv``; the DP
        synchronisation's few large bucketed collectives are bandwidth-bound and leave it out).
    """

    scale_up_gbps: ArrayLike
    scale_out_gbps: ArrayLike
    scale_up_domain: ArrayLike = 8
    scale_up_alpha_s: ArrayLike = 0.0
    scale_out_alpha_s: ArrayLike = 0.0
    dci_gbps: ArrayLike = math.inf
    dci_latency_s: ArrayLike = 0.0
    dci_alpha_s: ArrayLike = 0.0
    window_bytes: ArrayLike | None = None
    collective_base_s: ArrayLike = 0.0

    def unlimited_dci(self) -> Network:
        """The same tiers with an unlimited DCI at zero distance (the efficiency baseline)."""
        return replace(self, dci_gbps=math.inf, dci_latency_s=0.0, window_bytes=None)


def collective_s(op: str, size_bytes: ArrayLike, ranks: ArrayLike, gbps: ArrayLike,
                 alpha_s: ArrayLike, *, latency_s: ArrayLike = 0.0) -> np.ndarray:
    """Time of one collective of a training step, s, by the collective kernel
    (:func:`infranet.workloads.collectives.time_s`): ring for all-reduce, reduce-scatter and
    all-gather (NCCL's choice for large messages), direct for all-to-all and send/recv.

    Examples
    --------
    >>> float(collective_s("allreduce", 1e9, 8, 8.0, 0.0))  # 2·7/8 s of 1 GB at 1 GB/s
    1.75
    """
    from infranet.workloads.collectives import time_s

    algorithm = "direct" if op in ("alltoall", "sendrecv") else "ring"
    return time_s(op, algorithm, size_bytes, ranks, gbps, alpha_s, latency_s=latency_s)


def collective_terms(op: str, size_bytes: ArrayLike, ranks: ArrayLike
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The two terms of :func:`collective_s` by the collective kernel: the number of steps
    (each costs α plus the path's latency) and the seconds at 8 Gb/s (1 GB/s) per rank, so
    that ``time = steps·(α + ℓ) + seconds·8/gbps``; a sweep over bandwidths and distances is
    then two multiplications.

    Examples
    --------
    >>> steps, seconds = collective_terms("allreduce", 1e9, 8)
    >>> float(steps), float(seconds)  # 2(p − 1) steps; 2·7/8 of 1 GB at 1 GB/s
    (14.0, 1.75)
    """
    steps = collective_s(op, 0.0, ranks, 8.0, 1.0)
    seconds = collective_s(op, size_bytes, ranks, 8.0, 0.0)
    return steps, seconds


def flops_per_token(model: ModelLike, seq_len: ArrayLike, recompute: str = "selective"
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Hardware and model FLOPs per token of a training step: ``(hardware, model)``.

    Hardware FLOPs: forward ``2·N_active + 4·L·s·h_q``, backward twice that, plus the
    recomputation (a forward for ``full``, the attention core's for ``selective``). Model FLOPs:
    ``6·N_active``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(name="m", parameters=1e9, layers=10, hidden=1000, heads=10)
    >>> hw, mf = flops_per_token(m, 1000, "full")
    >>> float(hw), float(mf)  # 4 passes of 2e9 + 4e7
    (8160000000.0, 6000000000.0)
    """
    if recompute not in RECOMPUTE:
        raise ValidationError(f"must be one of {', '.join(RECOMPUTE)}, got {recompute!r}",
                              field="recompute")
    n = active_parameters(model)
    attention = 4.0 * model.layers * np.asarray(seq_len, dtype=float) * _q_width(model)
    forward = 2.0 * n + attention
    extra: np.ndarray = {"none": 0.0 * attention, "selective": attention,
                         "full": forward}[recompute]
    return 3.0 * forward + extra, np.full(np.shape(attention), 6.0 * n)


def active_parameters(model: ModelLike) -> float:
    """Parameters one token goes through (all of them for a dense model)."""
    active = getattr(model, "active_parameters", None)
    return float(active) if active else float(model.parameters)


def expert_parameters(model: ModelLike) -> float:
    """Parameters in routed experts: ``E·(N − N_active)/(E − top_k)`` (0 for a dense model),
    from the published total and active counts."""
    experts = int(getattr(model, "experts", 0) or 0)
    top_k = int(getattr(model, "top_k", 0) or 0)
    if experts <= 1 or experts <= top_k:
        return 0.0
    return experts * (float(model.parameters) - active_parameters(model)) / (experts - top_k)


def _q_width(model: ModelLike) -> float:
    head_dim = getattr(model, "head_dim", None) or model.hidden / model.heads
    return float(model.heads * head_dim)


def memory_bytes(model: ModelLike, *, tp: ArrayLike = 1, pp: ArrayLike = 1, dp: ArrayLike = 1,
                 ep: ArrayLike = 1, cp: ArrayLike = 1, microbatch: ArrayLike = 1,
                 seq_len: ArrayLike, microbatches: ArrayLike | None = None,
                 recompute: str = "selective", zero: ArrayLike = 1, chunks: ArrayLike = 1,
                 outer_state: ArrayLike = False, outer_shards: ArrayLike = 1
                 ) -> dict[str, np.ndarray]:
    """Memory per accelerator, bytes, by part: ``weights``, ``gradients``, ``optimizer``,
    ``activations`` (and their ``total``); see the module's documentation for the model.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(name="m", parameters=7e9, layers=32, hidden=4096, heads=32)
    >>> parts = memory_bytes(m, tp=1, seq_len=2048, recompute="full", zero=0)
    >>> float(parts["weights"]) / 1e9, float(parts["optimizer"]) / 1e9
    (14.0, 84.0)
    """
    if recompute not in RECOMPUTE:
        raise ValidationError(f"must be one of {', '.join(RECOMPUTE)}, got {recompute!r}",
                              field="recompute")
    tp, pp, dp, ep, cp = (np.asarray(x, dtype=float) for x in (tp, pp, dp, ep, cp))
    zero = np.asarray(zero)
    experts = expert_parameters(model)
    local = (float(model.parameters) - experts) / (tp * pp) + experts / (tp * pp * ep)
    weights = BF16_BYTES * local / np.where(zero >= 3, dp, 1.0)
    gradients = BF16_BYTES * local / np.where(zero >= 2, dp, 1.0)
    optimizer = ADAM_STATE_BYTES * local / np.where(zero >= 1, dp, 1.0)
    optimizer = optimizer + (OUTER_STATE_BYTES * local * np.asarray(outer_state, dtype=float)
                             / np.where(zero >= 1, np.asarray(outer_shards, dtype=float), 1.0))
    s = np.asarray(seq_len, dtype=float) / cp
    b = np.asarray(microbatch, dtype=float)
    h = float(model.hidden)
    sbh = s * b * h
    per_layer = {
        "none": sbh * (ACTIVATION_COEFFICIENT + ATTENTION_COEFFICIENT * model.heads * s / h) / tp,
        "selective": ACTIVATION_COEFFICIENT * sbh / tp,
        "full": BF16_BYTES * sbh / tp,
    }[recompute]
    v = np.asarray(chunks, dtype=float)
    in_flight = pp if microbatches is None else np.minimum(pp, np.asarray(microbatches, float))
    activations = (model.layers / pp) * per_layer * in_flight * (1.0 + (pp - 1.0) / (pp * v)
                                                                  * (v > 1))
    total = weights + gradients + optimizer + activations
    return {"weights": weights, "gradients": gradients, "optimizer": optimizer,
            "activations": activations, "total": total}


def _level_split(stride: np.ndarray, size: np.ndarray, domain: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Ranks of a group (``size`` ranks, ``stride`` apart) inside one scale-up domain, and the
    number of domains it spans."""
    inside = np.clip(np.floor(domain / stride), 1.0, None)
    inside = np.minimum(inside, size)
    return inside, np.maximum(size / inside, 1.0)


@dataclass(frozen=True)
class StepModel(FrozenState):
    """Step times of many training configurations (result protocol); every array has the
    broadcast shape of the inputs.

    Seconds per step: ``step_s`` (inf where the configuration is invalid), ``compute_s``
    (FLOPs at the achievable rate, no bubble), ``bubble_s``, ``exposed_comm_s`` (communication
    on the critical path: TP, EP, CP, pipeline transfers not hidden, DP not hidden, outer
    synchronisation), and its parts ``tp_s``, ``pp_s``, ``dp_s`` (the whole DP synchronisation,
    hidden or not), ``ep_s``, ``cp_s``, ``dci_s`` (exposed time on the DCI). Memory per
    accelerator in bytes (``memory_*``, ``fits``); ``tokens_per_s``, ``mfu``, ``hfu``,
    ``power_mw`` (facility) and ``it_power_mw`` (IT: the accelerators' systems, before the
    PUE), ``dci_bytes`` per step each way across a site boundary (the
    average over outer steps), ``valid``.
    """

    model: str
    accelerator: str
    recompute: str
    schedule: str
    across: str
    step_s: np.ndarray
    compute_s: np.ndarray
    bubble_s: np.ndarray
    exposed_comm_s: np.ndarray
    tp_s: np.ndarray
    pp_s: np.ndarray
    dp_s: np.ndarray
    dp_exposed_s: np.ndarray
    outer_sync_s: np.ndarray
    ep_s: np.ndarray
    cp_s: np.ndarray
    dci_s: np.ndarray
    dci_latency_part_s: np.ndarray
    scale_up_exposed_s: np.ndarray
    scale_out_exposed_s: np.ndarray
    dci_bytes: np.ndarray
    tokens_per_s: np.ndarray
    mfu: np.ndarray
    hfu: np.ndarray
    memory_bytes: np.ndarray
    memory_weights_bytes: np.ndarray
    memory_gradients_bytes: np.ndarray
    memory_optimizer_bytes: np.ndarray
    memory_activations_bytes: np.ndarray
    hbm_bytes: float
    fits: np.ndarray
    valid: np.ndarray
    power_mw: np.ndarray
    accelerators: np.ndarray
    it_power_mw: np.ndarray
    options: Mapping[str, Any] = field(default_factory=dict)
    binding: Binding = field(default_factory=Binding.nothing)

    def __post_init__(self) -> None:
        for f in self.__dataclass_fields__:
            value = getattr(self, f)
            if isinstance(value, np.ndarray) and value.flags.writeable:
                object.__setattr__(self, f, freeze(value))  # views handed in read-only stay
        object.__setattr__(self, "options", freeze(dict(self.options)))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.step_s.shape)

    @property
    def dci_share(self) -> np.ndarray:
        """The DCI's exposed share of the step."""
        with np.errstate(invalid="ignore"):
            return self.dci_s / self.step_s

    def best(self) -> tuple[int, ...]:
        """The index of the fastest valid configuration that fits in memory."""
        ok = np.where(self.valid & self.fits, self.step_s, np.inf)
        return tuple(int(i) for i in np.unravel_index(int(np.argmin(ok)), ok.shape))

    def at(self, index: tuple[int, ...] | int = ()) -> TrainingStep:
        """One configuration as a :class:`TrainingStep`."""
        idx = (index,) if isinstance(index, int) else tuple(index)
        values: dict[str, Any] = {f: float(getattr(self, f)[idx]) for f in _ARRAY_SCALARS}
        return TrainingStep(model=self.model, accelerator=self.accelerator,
                            recompute=self.recompute, schedule=self.schedule, across=self.across,
                            hbm_bytes=self.hbm_bytes, fits=bool(self.fits[idx]),
                            valid=bool(self.valid[idx]),
                            options=self.options, **values)

    def to_dict(self) -> dict[str, Any]:
        """Headline: the fastest configuration's scalars and the count; then every array."""
        best = self.at(self.best()).to_dict()
        out = {"configurations": int(np.prod(self.shape)) if self.shape else 1, **best,
               "binding": self.binding.to_dict()}
        out["arrays"] = {f: getattr(self, f).tolist() for f in _ARRAY_SCALARS}
        return out


_ARRAY_SCALARS = ("step_s", "compute_s", "bubble_s", "exposed_comm_s", "tp_s", "pp_s", "dp_s",
                  "dp_exposed_s", "outer_sync_s", "ep_s", "cp_s", "dci_s",
                  "dci_latency_part_s", "scale_up_exposed_s",
                  "scale_out_exposed_s", "dci_bytes", "tokens_per_s", "mfu", "hfu",
                  "memory_bytes", "memory_weights_bytes", "memory_gradients_bytes",
                  "memory_optimizer_bytes", "memory_activations_bytes", "power_mw",
                  "accelerators", "it_power_mw")


@dataclass(frozen=True)
class TrainingStep:
    """One training configuration's step (result protocol): the scalars of :class:`StepModel`
    at one index, with its ``binding``."""

    model: str
    accelerator: str
    recompute: str
    schedule: str
    across: str
    step_s: float
    compute_s: float
    bubble_s: float
    exposed_comm_s: float
    tp_s: float
    pp_s: float
    dp_s: float
    dp_exposed_s: float
    outer_sync_s: float
    ep_s: float
    cp_s: float
    dci_s: float
    dci_latency_part_s: float
    scale_up_exposed_s: float
    scale_out_exposed_s: float
    dci_bytes: float
    tokens_per_s: float
    mfu: float
    hfu: float
    memory_bytes: float
    memory_weights_bytes: float
    memory_gradients_bytes: float
    memory_optimizer_bytes: float
    memory_activations_bytes: float
    power_mw: float
    accelerators: float
    it_power_mw: float
    hbm_bytes: float
    fits: bool
    valid: bool
    options: Mapping[str, Any] = field(default_factory=dict)
    efficiency: float | None = None
    dci_gbps_needed: float | None = None
    max_efficiency: float | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", freeze(dict(self.options)))
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def dci_share(self) -> float:
        return self.dci_s / self.step_s if self.step_s > 0 else 0.0

    @property
    def binding(self) -> Binding:
        return step_binding(self)

    def to_dict(self) -> dict[str, Any]:
        """Headline scalars (``step_s``, ``compute_s``, ``exposed_comm_s``, ``dci_s``,
        ``dci_share``, ``efficiency``, ``mfu``, ``tokens_per_s``,
        ``memory_gb_per_accelerator``, ``power_mw``), then ``breakdown_s`` (parts that add up
        to the step: compute, bubble, the exposed TP, CP, EP, pipeline and DP communication,
        the outer synchronisation), ``exposed_by_tier_s``, ``dp_sync_s`` (the whole DP
        synchronisation, hidden or not) and memory by part."""
        out: dict[str, Any] = {
            "step_s": self.step_s, "compute_s": self.compute_s,
            "exposed_comm_s": self.exposed_comm_s, "dci_s": self.dci_s,
            "dci_share": self.dci_share, "efficiency": self.efficiency, "mfu": self.mfu,
            "hfu": self.hfu, "tokens_per_s": self.tokens_per_s,
            "memory_gb_per_accelerator": self.memory_bytes / 1e9,
            "power_mw": self.power_mw, "it_power_mw": self.it_power_mw,
            "accelerators": int(self.accelerators),
        }
        if self.dci_gbps_needed is not None:
            out["dci_gbps_needed"] = self.dci_gbps_needed
        if self.max_efficiency is not None:
            out["max_efficiency"] = self.max_efficiency
        out.update({
            "model": self.model, "accelerator": self.accelerator,
            "binding": self.binding.to_dict(),
            "breakdown_s": {"compute": self.compute_s, "bubble": self.bubble_s,
                            "tp": self.tp_s, "cp": self.cp_s, "ep": self.ep_s,
                            "pp": self.pp_s, "dp_exposed": self.dp_exposed_s,
                            "outer_sync": self.outer_sync_s},
            "exposed_by_tier_s": {"scale_up": self.scale_up_exposed_s,
                                  "scale_out": self.scale_out_exposed_s,
                                  "dci": self.dci_s},
            "dp_sync_s": self.dp_s,
            "dci_gb_per_step": self.dci_bytes / 1e9,
            "memory_gb": {"weights": self.memory_weights_bytes / 1e9,
                          "gradients": self.memory_gradients_bytes / 1e9,
                          "optimizer": self.memory_optimizer_bytes / 1e9,
                          "activations": self.memory_activations_bytes / 1e9,
                          "capacity": self.hbm_bytes / 1e9},
            "options": dict(self.options),
            "notes": list(self.notes),
        })
        return out


def step_binding(s: TrainingStep) -> Binding:
    """What limits one configuration: memory when it does not fit, else the largest of the
    compute (with its bubble) and each tier's exposed communication."""
    if not s.fits:
        return Binding("memory", s.accelerator,
                       f"needs {s.memory_bytes / 1e9:,.1f} GB per accelerator, "
                       f"{s.accelerator} holds {s.hbm_bytes / 1e9:,.0f} GB")
    parts = {"compute": s.compute_s + s.bubble_s, "scale_up": s.scale_up_exposed_s,
             "scale_out": s.scale_out_exposed_s, "dci": s.dci_s}
    name = max(parts, key=lambda k: parts[k])
    share = parts[name] / s.step_s if s.step_s > 0 else 0.0
    if name == "compute":
        bubble = f" and the pipeline bubble {s.bubble_s:.3g} s are" if s.bubble_s else " is"
        return Binding("compute", s.accelerator,
                       f"compute {s.compute_s:.3g} s{bubble} {share:.0%} of a "
                       f"{s.step_s:.3g} s step (MFU {s.mfu:.0%})")
    if name == "dci" and s.dci_latency_part_s > s.dci_s / 2:
        return Binding("propagation", "dci",
                       f"latency across the DCI is {s.dci_latency_part_s:.3g} s of the "
                       f"{s.dci_s:.3g} s the step waits on it ({share:.0%} of the step)")
    return Binding("tier", name, f"exposed communication on {name} is {parts[name]:.3g} s, "
                                 f"{share:.0%} of a {s.step_s:.3g} s step")


def check_config(model: ModelLike, *, tp: int = 1, pp: int = 1, dp: int = 1, ep: int = 1,
                 cp: int = 1, microbatch: int = 1, global_batch: int = 1024,
                 schedule: str = "1f1b", chunks: int = 1, sites: int = 1, across: str = "dp",
                 file: str | None = None) -> None:
    """Raise, naming the field, when one configuration breaks a rule :func:`step` marks
    invalid (degrees that do not divide the heads, layers or replicas; a batch that does not
    split into whole microbatches).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(name="m", parameters=7e9, layers=61, hidden=4096, heads=32)
    >>> try:
    ...     check_config(m, pp=8)
    ... except ValidationError as err:
    ...     print(err)
    job: parallelism: pp = 8 does not divide the 61 layers of m
    """
    def fail(field_name: str, message: str) -> ValidationError:
        return ValidationError(message, file=file, element="job", field=field_name)

    v = chunks if schedule == "interleaved" else 1
    if model.heads % tp:
        raise fail("parallelism", f"tp = {tp} does not divide the {model.heads} attention "
                                  f"heads of {model.name}")
    if model.layers % (pp * v):
        what = f"pp = {pp}" if v == 1 else f"pp × chunks = {pp} × {v}"
        raise fail("parallelism", f"{what} does not divide the {model.layers} layers of "
                                  f"{model.name}")
    experts = int(getattr(model, "experts", 0) or 0)
    if ep > 1 and experts <= 1:
        raise fail("parallelism", f"ep = {ep} but {model.name} is dense (no experts to "
                                  "shard): give ep = 1")
    if ep > 1 and experts % ep:
        raise fail("parallelism", f"ep = {ep} does not divide the {experts} experts of "
                                  f"{model.name}")
    if (dp * cp) % ep:
        raise fail("parallelism", f"ep = {ep} does not divide dp·cp = {dp * cp:,}")
    if global_batch % (dp * microbatch):
        raise fail("global_batch", f"{global_batch:,} sequences do not split into whole "
                                   f"microbatches of {microbatch} over dp = {dp:,}; use a "
                                   f"multiple of {dp * microbatch:,}")
    degree = dp if across == "dp" else pp
    if degree % sites:
        raise fail("across", f"{across} = {degree:,} does not split over {sites} sites; "
                             f"{'give pp a multiple of the sites' if across == 'pp' else ''}"
                             .rstrip("; "))


def require_fit(s: TrainingStep, *, file: str | None = None) -> TrainingStep:
    """Return `s` when its memory fits; else raise, naming the parts and the shortfall.

    Raises
    ------
    InfeasibleError
        ``memory: needs 97.1 GB per accelerator (weights ..., ...) but H100 holds 80 GB: 17.1 GB
        short``, with what would help.
    """
    from infranet.errors import InfeasibleError

    if s.fits:
        return s
    parts = ", ".join(f"{name} {value / 1e9:,.1f}" for name, value in (
        ("weights", s.memory_weights_bytes), ("gradients", s.memory_gradients_bytes),
        ("optimizer", s.memory_optimizer_bytes), ("activations", s.memory_activations_bytes)))
    raise InfeasibleError(
        f"{s.model} needs {s.memory_bytes / 1e9:,.1f} GB per accelerator ({parts}) but "
        f"{s.accelerator} holds {s.hbm_bytes / 1e9:,.0f} GB: "
        f"{(s.memory_bytes - s.hbm_bytes) / 1e9:,.1f} GB short; shard more (tp, pp, a higher "
        "ZeRO stage) or recompute more", file=file, field="memory")


def step(model: ModelLike, accelerator: str | physics.Accelerator, *, network: Network,
         tp: ArrayLike = 1, pp: ArrayLike = 1, dp: ArrayLike = 1, ep: ArrayLike = 1,
         cp: ArrayLike = 1, microbatch: ArrayLike = 1, global_batch: ArrayLike = 1024,
         seq_len: ArrayLike | None = None, recompute: str = "selective",
         schedule: str = "1f1b", chunks: ArrayLike = 1, zero: ArrayLike = 1,
         sites: ArrayLike = 1, across: str = "dp", sync_every: ArrayLike = 1,
         compression: ArrayLike = 1.0, compute_fraction: ArrayLike | None = None,
         peak_flops_per_s: ArrayLike | None = None, hbm_bytes: float | None = None,
         it_w_per_accelerator: ArrayLike | None = None, pue: ArrayLike | None = None,
         ) -> StepModel:
    """Step time of a training job for every configuration the array inputs broadcast to.

    Parameters
    ----------
    model
        A model record (:class:`infranet.physics.Model`, or anything with its fields).
    accelerator
        A catalogue name or record: its dense bf16 peak, HBM and system power.
    network
        The tiers the job's groups see (:class:`Network`).
    tp, pp, dp, ep, cp
        Parallelism degrees; ``dp`` counts every replica (across sites too); ``ep`` divides
        ``dp·cp`` (experts sharded over data-parallel ranks); accelerators are
        ``tp·pp·dp·cp``.
    microbatch, global_batch, seq_len
        Sequences per microbatch and per step; tokens per sequence (default: the model's).
    recompute
        ``none``, ``selective`` or ``full`` (Korthikanti et al. 2022).
    schedule, chunks
        ``1f1b`` or ``interleaved`` with ``chunks`` model chunks per rank.
    zero
        ZeRO stage 0-3 (3: FSDP).
    sites, across
        Sites the job spans and what crosses the DCI: ``dp`` (``sites`` divides ``dp``) or
        ``pp`` (``sites`` divides ``pp``).
    sync_every, compression
        DiLoCo-style outer synchronisation every H steps (across ``dp`` only; 1: every step is
        synchronised across sites), and the ratio the gradients crossing the DCI are
        compressed by (every step's synchronisation or the outer one; ZeRO-3's parameter
        gathers are not).
    compute_fraction
        Fraction of peak the compute reaches (default: figure ``training_compute_fraction``).
    peak_flops_per_s, hbm_bytes, it_w_per_accelerator, pue
        Overrides of the accelerator's figures and of the PUE (default: figure ``pue``).

    Returns
    -------
    StepModel
        Invalid configurations (degrees that do not divide, a batch that does not split) have
        ``valid`` False and an infinite ``step_s``; ``fits`` says whether memory holds.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> gpt = SimpleNamespace(name="gpt", parameters=175e9, layers=96, hidden=12288, heads=96,
    ...                       vocab=51200, seq_len=2048)
    >>> net = Network(scale_up_gbps=2400.0, scale_out_gbps=200.0)
    >>> r = step(gpt, "A100-80GB", network=net, tp=8, pp=[8, 16], dp=12, global_batch=1536,
    ...          recompute="full")
    >>> r.accelerators.tolist(), bool(r.step_s[1] < r.step_s[0])  # twice the GPUs: faster
    ([768.0, 1536.0], True)
    """
    if schedule not in SCHEDULES:
        raise ValidationError(f"must be one of {', '.join(SCHEDULES)}, got {schedule!r}",
                              field="schedule")
    if across not in ACROSS:
        raise ValidationError(f"must be one of {', '.join(ACROSS)}, got {across!r}",
                              field="across")
    record = (accelerator if isinstance(accelerator, physics.Accelerator)
              else physics.accelerator(accelerator))
    peak = (record.bf16_flops_per_s if peak_flops_per_s is None else peak_flops_per_s)
    if peak is None:
        raise ValidationError(f"{record.name} has no published bf16 peak; give "
                              "peak_flops_per_s", field="accelerator")
    peak = np.asarray(peak, dtype=float)
    capacity = record.hbm_bytes if hbm_bytes is None else hbm_bytes
    hbm = math.inf if capacity is None else float(capacity)
    fraction = np.asarray(physics.figure("training_compute_fraction")
                          if compute_fraction is None else compute_fraction, dtype=float)
    s_len = np.asarray(getattr(model, "seq_len", None) if seq_len is None else seq_len,
                       dtype=float)
    if np.isnan(s_len).any():
        raise ValidationError(f"{model.name} gives no sequence length; give seq_len",
                              field="seq_len")
    tp, pp, dp, ep, cp, b, batch, v, n_sites, h_sync, ratio = (
        np.asarray(x, dtype=float) for x in (tp, pp, dp, ep, cp, microbatch, global_batch,
                                              chunks, sites, sync_every, compression))
    v = v if schedule == "interleaved" else np.ones_like(v)
    zero = np.asarray(zero, dtype=float)
    n_acc = tp * pp * dp * cp

    # Validity: degrees divide, the batch splits into whole microbatches, ep shards experts.
    layers = float(model.layers)
    n_experts = float(getattr(model, "experts", 0) or 0)
    m = batch / (dp * b)
    valid = ((m >= 1) & (np.mod(m, 1.0) == 0) & (np.mod(layers, pp * v) == 0)
             & (np.mod(dp * cp, ep) == 0) & (np.mod(model.heads, tp) == 0)
             & ((ep == 1) | ((n_experts > 1) & (np.mod(n_experts, ep) == 0)))
             & (tp >= 1) & (pp >= 1) & (dp >= 1) & (ep >= 1) & (cp >= 1) & (n_sites >= 1)
             & (h_sync >= 1) & (ratio >= 1))
    valid &= np.mod(dp if across == "dp" else pp, n_sites) == 0
    tp, pp, dp, ep, cp, n_sites = (np.asarray(np.maximum(x, 1.0), dtype=float)
                                   for x in (tp, pp, dp, ep, cp, n_sites))
    m = np.maximum(np.floor(m), 1.0)

    # FLOPs and compute time.
    hw_per_token, model_per_token = flops_per_token(model, s_len, recompute)
    tokens = batch * s_len
    compute_s = hw_per_token * tokens / (n_acc * fraction * peak)
    t_mb = compute_s / m  # one microbatch through one stage (all its chunks), fwd + bwd

    # Placement of the groups: tp innermost, then cp, ep/dp, pp outermost.
    su_gbps = np.asarray(network.scale_up_gbps, dtype=float)
    so_gbps = np.asarray(network.scale_out_gbps, dtype=float)
    domain = np.asarray(network.scale_up_domain, dtype=float)
    a_up = np.asarray(network.scale_up_alpha_s, dtype=float)
    a_out = np.asarray(network.scale_out_alpha_s, dtype=float)
    a_dci = np.asarray(network.dci_alpha_s, dtype=float)
    dci_gbps = np.asarray(network.dci_gbps, dtype=float)
    dci_lat = np.asarray(network.dci_latency_s, dtype=float)

    def tier(extent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # inside one domain only when the groups pack into the domains (64 in 72 do not)
        inside = (extent <= domain) & (np.mod(domain, extent) == 0)
        return np.where(inside, su_gbps, so_gbps), np.where(inside, a_up, a_out)

    h = float(model.hidden)
    act = b * s_len * h * BF16_BYTES / cp  # one microbatch's activations per rank
    tp_gbps, tp_alpha = tier(tp)
    per_layer_tp = 6.0 if recompute == "full" else 4.0
    base = np.asarray(network.collective_base_s, dtype=float)
    tp_mb = (layers / pp) * per_layer_tp * (collective_s("allreduce", act, tp, tp_gbps,
                                                          tp_alpha) + base * (tp > 1))
    cp_gbps, cp_alpha = tier(tp * cp)
    kv_width = float(getattr(model, "kv_heads", None) or model.heads) * (_q_width(model)
                                                                         / model.heads)
    kv = 2.0 * b * s_len * kv_width * BF16_BYTES / tp
    cp_rounds = 1.5 if recompute == "full" else 1.0
    cp_mb = (layers / pp) * cp_rounds * (collective_s("allgather", kv, cp, cp_gbps, cp_alpha)
                                         + collective_s("reduce_scatter", kv, cp, cp_gbps,
                                                        cp_alpha) + 2.0 * base * (cp > 1))
    experts = int(getattr(model, "experts", 0) or 0)
    top_k = float(getattr(model, "top_k", 0) or 1)
    ep_gbps, ep_alpha = tier(tp * cp * ep)
    per_layer_ep = (6.0 if recompute == "full" else 4.0) if experts > 1 else 0.0
    ep_mb = (layers / pp) * per_layer_ep * (collective_s("alltoall", act * top_k / tp, ep,
                                                         ep_gbps, ep_alpha) + base * (ep > 1))
    stage_mb = t_mb + tp_mb + cp_mb + ep_mb

    # Pipeline: boundaries on scale-out, (sites - 1) of them across the DCI when across == pp.
    ranks_per_site = n_acc / n_sites
    window_cap: Any = np.inf
    if network.window_bytes is not None:
        with np.errstate(divide="ignore", over="ignore"):  # a huge window: no cap
            window_cap = np.where(dci_lat > 0, np.asarray(network.window_bytes, float) * 8.0
                                  / (2.0 * dci_lat) / 1e9, np.inf)
    p2p = act / tp
    pp_out = collective_s("sendrecv", p2p, 2, so_gbps, a_out)
    dci_pp = across == "pp"
    crossing = dp * tp * cp  # ranks that send across one site boundary at once
    pp_dci_gbps = np.minimum(np.minimum(dci_gbps / crossing, so_gbps), window_cap)
    pp_dci = (np.where(n_sites > 1, collective_s("sendrecv", p2p, 2, pp_dci_gbps, a_dci,
                                                 latency_s=dci_lat), 0.0)
              if dci_pp else np.zeros(()))
    transfer_bw = np.maximum(np.where(pp > 1, p2p * 8 / (so_gbps * 1e9), 0.0),
                             np.where(dci_pp & (n_sites > 1),
                                      p2p * 8 / (pp_dci_gbps * 1e9), 0.0))
    slot = np.maximum(stage_mb, transfer_bw)
    dci_boundaries = np.where(dci_pp, n_sites - 1.0, 0.0)
    out_boundaries = np.maximum(pp - 1.0 - dci_boundaries, 0.0)
    fill = 2.0 * (out_boundaries * pp_out + dci_boundaries * pp_dci)
    pipeline_s = (m + (pp - 1.0) / v) * slot + np.where(pp > 1, fill, 0.0)
    bubble_s = (pp - 1.0) / v * t_mb
    scale = m + (pp - 1.0) / v  # slots of the schedule
    pp_s = scale * (slot - stage_mb) + np.where(pp > 1, fill, 0.0)
    dci_pp_s = np.where(dci_pp, scale * np.maximum(slot - stage_mb, 0.0) * (n_sites > 1)
                        + 2.0 * dci_boundaries * pp_dci, 0.0)

    # DP: hierarchical reduce-scatter / all-gather over scale-up, scale-out and sites.
    grads = BF16_BYTES * (float(model.parameters) - expert_parameters(model)) / (tp * pp) \
        + BF16_BYTES * expert_parameters(model) / (tp * pp * ep)
    volume = np.where(zero >= 3, 1.5, 1.0)
    dp_sites = np.where(across == "dp", n_sites, 1.0)
    dp_local = np.maximum(dp / dp_sites, 1.0)  # invalid splits are marked, not priced
    dp_up, dp_out = _level_split(tp * cp, dp_local, domain)
    dp_up_s = volume * collective_s("allreduce", grads, dp_up, su_gbps, a_up)
    dp_out_s = volume * collective_s("allreduce", grads / dp_up, dp_out, so_gbps, a_out)
    # Every rank of a site crosses the DCI at once on its shard: the DCI is shared by them.
    dci_rank_gbps = np.minimum(np.minimum(dci_gbps / ranks_per_site, so_gbps), window_cap)
    shard = grads / dp_local
    outer = h_sync > 1
    # Gradient compression shrinks the gradients crossing the DCI, every step's or the outer
    # synchronisation's; ZeRO-3's parameter gathers (half its 1.5 volume) cross as they are.
    dci_volume = volume - 1.0 + 1.0 / ratio
    sync_bytes = np.where(outer, shard / ratio, shard * dci_volume)
    # The kernel's step count and volume on the (small) shape of the degrees, then the
    # (large) sweep of bandwidths and distances by α-β arithmetic: the same ring, priced once.
    ring_steps, ring_bytes_s = collective_terms("allreduce", sync_bytes, dp_sites)
    dci_sync_latency = ring_steps * (a_dci + dci_lat)
    dci_sync = dci_sync_latency + ring_bytes_s * (8.0 / dci_rank_gbps)
    dp_inner_dci = np.where(outer, 0.0, dci_sync)
    outer_s = np.where(outer, dci_sync / h_sync, 0.0)
    dp_s = dp_up_s + dp_out_s + dp_inner_dci
    window = np.where(zero >= 3, compute_s, t_mb * 2.0 / 3.0 / v)
    dp_exposed = np.maximum(dp_s - window, 0.0)
    dci_dp_exposed = np.minimum(dp_exposed, dp_inner_dci)
    out_dp_exposed = np.minimum(dp_exposed - dci_dp_exposed, dp_out_s)
    up_dp_exposed = dp_exposed - dci_dp_exposed - out_dp_exposed

    step_s = pipeline_s + dp_exposed + outer_s
    comm_in_stage = m * (tp_mb + cp_mb + ep_mb) + (pp - 1.0) / v * (tp_mb + cp_mb + ep_mb)
    exposed = step_s - compute_s - bubble_s
    exposed = np.maximum(exposed, 0.0)
    dci_s = dci_dp_exposed + outer_s + dci_pp_s
    latency_share = np.where(dci_sync > 0, dci_sync_latency / np.where(dci_sync > 0, dci_sync,
                                                                        1.0), 0.0)
    dci_latency_part = ((dci_dp_exposed + outer_s) * latency_share
                        + np.where(dci_pp, 2.0 * dci_boundaries * (a_dci + dci_lat), 0.0))

    # a group is inside one scale-up domain only when the groups pack into the domains: a TP
    # group of 64 in a domain of 72 leaves groups that straddle two, and the slowest sets the pace
    tp_up = (tp <= domain) & (np.mod(domain, tp) == 0)
    cp_up = (tp * cp <= domain) & (np.mod(domain, tp * cp) == 0)
    ep_up = (tp * cp * ep <= domain) & (np.mod(domain, tp * cp * ep) == 0)
    up_exposed = (scale * (tp_mb * tp_up + cp_mb * cp_up + ep_mb * ep_up) + up_dp_exposed)
    out_exposed = (scale * (tp_mb * ~tp_up + cp_mb * ~cp_up + ep_mb * ~ep_up) + out_dp_exposed
                   + np.maximum(pp_s - dci_pp_s, 0.0))
    del comm_in_stage

    dci_bytes = np.where(n_sites > 1, np.where(
        across == "dp",
        np.where(outer, 2.0 * (dp_sites - 1) / dp_sites * shard / ratio * ranks_per_site
                 / h_sync, 2.0 * (dp_sites - 1) / dp_sites * shard * dci_volume * ranks_per_site),
        m * p2p * crossing), 0.0)  # each way, over one site boundary

    # ZeRO shards over the ranks that synchronise every step: the site's alone under an outer
    # synchronisation.
    shard_dp = np.where(outer & (n_sites > 1), dp_local, dp)
    mem = memory_bytes(model, tp=tp, pp=pp, dp=shard_dp, ep=ep, cp=cp, microbatch=b, seq_len=s_len,
                       microbatches=m, recompute=recompute, zero=zero, chunks=v,
                       outer_state=outer & (n_sites > 1), outer_shards=dp_local)
    fits = mem["total"] <= hbm

    step_s = np.where(valid, step_s, np.inf)
    tokens_per_s = tokens / step_s
    mfu = model_per_token * tokens_per_s / (n_acc * peak)
    hfu = hw_per_token * tokens_per_s / (n_acc * peak)
    it_w = (record.it_power_w if it_w_per_accelerator is None else it_w_per_accelerator)
    factor = physics.figure("pue") if pue is None else pue
    it_power_mw = n_acc * np.asarray(np.nan if it_w is None else it_w, dtype=float) / 1e6
    power_mw = it_power_mw * np.asarray(factor, dtype=float)

    shape = np.broadcast_shapes(*(np.shape(x) for x in (
        step_s, compute_s, dci_s, mem["total"], power_mw, fits, valid)))

    def full(x: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=float), shape)  # a read-only view

    result = StepModel(
        model=str(model.name), accelerator=record.name, recompute=recompute,
        schedule=schedule, across=across,
        step_s=full(step_s), compute_s=full(compute_s), bubble_s=full(bubble_s),
        exposed_comm_s=full(exposed), tp_s=full(scale * tp_mb), pp_s=full(pp_s),
        dp_s=full(dp_s), dp_exposed_s=full(dp_exposed),
        outer_sync_s=full(outer_s), ep_s=full(scale * ep_mb), cp_s=full(scale * cp_mb),
        dci_s=full(dci_s),
        dci_latency_part_s=full(dci_latency_part), scale_up_exposed_s=full(up_exposed),
        scale_out_exposed_s=full(out_exposed), dci_bytes=full(dci_bytes),
        tokens_per_s=full(tokens_per_s), mfu=full(mfu), hfu=full(hfu),
        memory_bytes=full(mem["total"]), memory_weights_bytes=full(mem["weights"]),
        memory_gradients_bytes=full(mem["gradients"]),
        memory_optimizer_bytes=full(mem["optimizer"]),
        memory_activations_bytes=full(mem["activations"]), hbm_bytes=hbm,
        fits=np.broadcast_to(fits, shape), valid=np.broadcast_to(valid, shape),
        power_mw=full(power_mw), accelerators=full(n_acc), it_power_mw=full(it_power_mw),
        options={"compute_fraction": float(np.mean(fraction)), "zero": _scalar(zero),
                 "sync_every": _scalar(h_sync), "compression": _scalar(ratio)})
    if result.step_s.size:
        object.__setattr__(result, "binding", result.at(result.best()).binding)
    return result


def _scalar(x: np.ndarray) -> float | None:
    return float(x) if np.ndim(x) == 0 else None


@dataclass(frozen=True)
class SiteShare:
    """One site of a job across accelerator generations: its accelerator, the tiers its groups
    see, its data-parallel replicas and (in the result) the batch it gets."""

    site: str
    accelerator: str | physics.Accelerator
    network: Network
    dp: int
    it_w_per_accelerator: float | None = None
    pue: float | None = None


@dataclass(frozen=True)
class GenerationsStep:
    """A data-parallel job across sites of different accelerators (result protocol).

    ``sites`` has one row per site: its batch share (sequences), its own step (inside the site,
    its DP synchronisation included), MFU and memory; ``step_s`` is the slowest site's step
    plus the exposed synchronisation across the DCI (``dci_s``, ``dci_latency_part_s`` of it
    latency; divided by ``sync_every`` with an outer synchronisation). ``it_power_mw`` and
    ``power_mw`` (facility) add up the sites'.
    """

    model: str
    step_s: float
    compute_s: float
    exposed_comm_s: float
    dci_s: float
    tokens_per_s: float
    mfu: float
    power_mw: float
    memory_gb_per_accelerator: float
    sites: tuple[Mapping[str, Any], ...]
    binding: Binding
    efficiency: float | None = None
    it_power_mw: float = math.nan
    dci_latency_part_s: float = 0.0
    dci_gbps_needed: float | None = None
    max_efficiency: float | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "sites", freeze(list(self.sites)))
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def dci_share(self) -> float:
        return self.dci_s / self.step_s if self.step_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"step_s": self.step_s, "compute_s": self.compute_s,
                "exposed_comm_s": self.exposed_comm_s, "dci_s": self.dci_s,
                "dci_share": self.dci_share, "efficiency": self.efficiency, "mfu": self.mfu,
                "tokens_per_s": self.tokens_per_s,
                "memory_gb_per_accelerator": self.memory_gb_per_accelerator,
                "power_mw": self.power_mw, "it_power_mw": self.it_power_mw,
                **({"dci_gbps_needed": self.dci_gbps_needed}
                   if self.dci_gbps_needed is not None else {}),
                **({"max_efficiency": self.max_efficiency}
                   if self.max_efficiency is not None else {}),
                "model": self.model, "binding": self.binding.to_dict(),
                "sites": [dict(s) for s in self.sites], "notes": list(self.notes)}


def split_batch(model: ModelLike, shares: Sequence[SiteShare], *, global_batch: int,
                microbatch: int = 1, **config: Any) -> tuple[int, ...]:
    """The split of `global_batch` sequences over sites of different accelerators that
    minimises the slowest site's step: whole microbatches per replica, at least one each.

    Each site's step is evaluated, with the real step model (its pipeline bubble at the
    microbatch count it would run), at every batch it could take, in one vectorised call per
    site; the split is then the min-max allocation, solved exactly by dynamic programming over
    the batch (a site's step grows with its batch; those that do not fit in memory are taken
    only when no split fits).

    Raises
    ------
    ValidationError
        When the batch does not split into whole microbatches over the sites' replicas.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(name="m", parameters=7e9, layers=32, hidden=4096, heads=32,
    ...                     seq_len=4096)
    >>> new = SiteShare("a", "H100", Network(3600.0, 400.0), dp=8)
    >>> old = SiteShare("b", "A100-80GB", Network(2400.0, 200.0), dp=8)
    >>> split_batch(m, [new, old], global_batch=512, tp=8)  # the H100 site takes 2.8 times
    (376, 136)
    """
    if len(shares) < 1:
        raise ValidationError("give at least one site", field="sites")
    b = int(microbatch)
    quanta = [int(s.dp) * b for s in shares]
    unit = math.gcd(*quanta)
    if global_batch % unit or global_batch < sum(quanta):
        raise ValidationError(
            f"{global_batch:,} sequences do not split into whole microbatches of {b} over the "
            f"sites' replicas (dp {', '.join(str(s.dp) for s in shares)}); use a multiple of "
            f"{unit:,} of at least {sum(quanta):,}", field="global_batch")
    costs, fitting = [], []
    for s, q in zip(shares, quanta, strict=True):
        most = (global_batch - (sum(quanta) - q)) // q
        batches = q * np.arange(1, most + 1)
        run = step(model, s.accelerator, network=s.network, dp=s.dp, microbatch=b,
                   global_batch=batches, **config)
        costs.append(np.asarray(run.step_s, dtype=float).reshape(-1))
        fitting.append(np.asarray(run.fits, dtype=bool).reshape(-1))
    split = min_max_split(costs, fitting, [q // unit for q in quanta], global_batch // unit)
    return tuple(int(k) * q for k, q in zip(split, quanta, strict=True))


def min_max_split(costs: Sequence[np.ndarray], fitting: Sequence[np.ndarray],
                  steps: Sequence[int], total: int) -> list[int]:
    """Counts ``k_i`` (1-based) with ``Σ k_i·steps_i = total`` minimising ``max costs_i[k_i − 1]``
    (fitting choices first), by dynamic programming over the sum: the min-max allocation of
    whole units to parts whose cost depends on their own count only. ``costs[i][k − 1]`` is part
    ``i``'s cost with ``k`` units (inf: not allowed).

    Examples
    --------
    >>> a, b = np.array([1.0, 2.0, 3.0]), np.array([1.5, 1.6, 9.0])
    >>> min_max_split([a, b], [a > 0, b > 0], [1, 1], 4)  # 2 + 2 beats 3 + 1 and 1 + 3
    [2, 2]
    """
    for only_fitting in (True, False):
        best = np.full(total + 1, np.inf)
        best[0] = 0.0
        picks = []
        for cost, fits, d in zip(costs, fitting, steps, strict=True):
            c = np.where(fits, cost, np.inf) if only_fitting else cost
            c = np.where(np.isnan(c), np.inf, c)
            ks = np.arange(1, c.size + 1)
            new = np.full(total + 1, np.inf)
            pick = np.zeros(total + 1, dtype=np.int64)
            block = max(1, 4_000_000 // max(c.size, 1))
            for lo in range(0, total + 1, block):
                sums = np.arange(lo, min(lo + block, total + 1))
                before = sums[:, None] - ks[None, :] * d
                value = np.maximum(best[np.clip(before, 0, None)], c[None, :])
                value = np.where(before >= 0, value, np.inf)
                at = np.argmin(value, axis=1)
                new[sums] = value[np.arange(sums.size), at]
                pick[sums] = ks[at]
            best = new
            picks.append(pick)
        if np.isfinite(best[total]) or not only_fitting:
            break
    out = []
    left = total
    for pick, d in zip(reversed(picks), reversed(list(steps)), strict=True):
        out.append(int(pick[left]))
        left -= out[-1] * d
    return out[::-1]


def step_across_generations(model: ModelLike, shares: Sequence[SiteShare], *,
                            dci_gbps: float, dci_latency_s: float = 0.0,
                            dci_alpha_s: float = 0.0, global_batch: int = 1024,
                            microbatch: int = 1, sync_every: int = 1,
                            compression: float = 1.0, batches: Sequence[int] | None = None,
                            **config: Any) -> GenerationsStep:
    """Step of a data-parallel job over sites of different accelerator generations.

    The global batch is split to minimise the slowest site's step (:func:`split_batch`), or
    as `batches` says; each site runs its share with its own tiers; the step waits for the
    slowest site, then for the synchronisation across the DCI: an all-reduce of the gradients
    (``2·N`` bytes, bf16, divided by `compression`) among the sites, each site's ranks sharing
    ``dci_gbps`` (and each rank's flow capped by its NIC and by window / RTT, as in
    :func:`step`), hidden behind the slowest site's last backward pass as in :func:`step` (or,
    every ``sync_every`` steps, an outer synchronisation, not hidden).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(name="m", parameters=7e9, layers=32, hidden=4096, heads=32,
    ...                     seq_len=4096)
    >>> new = SiteShare("a", "H100", Network(3600.0, 400.0), dp=8)
    >>> old = SiteShare("b", "A100-80GB", Network(2400.0, 200.0), dp=8)
    >>> r = step_across_generations(m, [new, old], dci_gbps=400.0, tp=8, global_batch=512)
    >>> [row["batch"] for row in r.sites]  # the H100 site takes 2.8 times the A100's
    [376, 136]
    """
    if len(shares) < 1:
        raise ValidationError("give at least one site", field="sites")
    b = int(microbatch)
    records = [s.accelerator if isinstance(s.accelerator, physics.Accelerator)
               else physics.accelerator(s.accelerator) for s in shares]
    shares = [replace(s, accelerator=rec) for s, rec in zip(shares, records, strict=True)]
    if batches is None:
        batches = list(split_batch(model, shares, global_batch=global_batch, microbatch=b,
                                   **config))
    else:
        batches = [int(x) for x in batches]
        if (len(batches) != len(shares) or sum(batches) != global_batch
                or any(x < s.dp * b or x % (s.dp * b)
                       for x, s in zip(batches, shares, strict=True))):
            raise ValidationError(f"{batches} must give each site whole microbatches of {b} "
                                  f"per replica, {global_batch:,} in all", field="batches")
    rows: list[dict[str, Any]] = []
    runs = []
    for s, rec, bt in zip(shares, records, batches, strict=True):
        run = step(model, rec, network=s.network, dp=s.dp, microbatch=b, global_batch=bt,
                   it_w_per_accelerator=s.it_w_per_accelerator, pue=s.pue, **config).at()
        runs.append(run)
        rows.append({"site": s.site, "accelerator": rec.name, "dp": s.dp, "batch": bt,
                     "accelerators": int(run.accelerators), "step_s": run.step_s,
                     "mfu": run.mfu, "memory_gb_per_accelerator": run.memory_bytes / 1e9,
                     "fits": run.fits, "power_mw": run.power_mw,
                     "it_power_mw": run.it_power_mw})
    slowest = max(range(len(runs)), key=lambda k: runs[k].step_s)
    inside = runs[slowest].step_s
    n = len(shares)
    grads = BF16_BYTES * float(model.parameters)
    sync_bytes = grads / compression
    ring = 2.0 * (n - 1) / n if n > 1 else 0.0
    # The ring runs at its slowest site's rate: the DCI, or all its ranks' flows at once, each
    # capped by its NIC and by window / RTT.
    rate = float(dci_gbps)
    for s, r in zip(shares, runs, strict=True):
        flow = float(np.min(np.asarray(s.network.scale_out_gbps, dtype=float)))
        if s.network.window_bytes is not None and dci_latency_s > 0:
            flow = min(flow, float(np.min(np.asarray(s.network.window_bytes, dtype=float)))
                       * 8.0 / (2.0 * dci_latency_s) / 1e9)
        rate = min(rate, r.accelerators * flow)
    latency_s = 2.0 * (n - 1) * (dci_alpha_s + dci_latency_s) if n > 1 else 0.0
    dci_time = ring * sync_bytes * 8.0 / (rate * 1e9) + latency_s if n > 1 else 0.0
    if sync_every > 1:
        dci_exposed = dci_time / sync_every
    else:
        last = runs[slowest]
        m = batches[slowest] / (shares[slowest].dp * b)
        window = last.compute_s / m * 2.0 / 3.0
        hidden = max(window - last.dp_s, 0.0)
        dci_exposed = max(dci_time - hidden, 0.0)
    step_s = inside + dci_exposed
    latency_part = dci_exposed * (latency_s / dci_time if dci_time > 0 else 0.0)
    seq = float(config.get("seq_len") or getattr(model, "seq_len", 0) or 0)
    tokens = global_batch * seq
    _, model_flops = flops_per_token(model, seq)
    peak = sum(float(r.accelerators) * float(rec.bf16_flops_per_s or 0.0)
               for r, rec in zip(runs, records, strict=True))
    mfu = float(model_flops) * tokens / step_s / peak if peak else math.nan
    if not all(r.fits for r in runs):
        bad = next(r for r in rows if not r["fits"])
        binding = Binding("memory", bad["site"], f"{bad['site']} needs "
                          f"{bad['memory_gb_per_accelerator']:,.1f} GB per accelerator")
    elif dci_exposed > inside - runs[slowest].compute_s - runs[slowest].bubble_s:
        binding = Binding("tier", "dci", f"the synchronisation across the DCI adds "
                          f"{dci_exposed:.3g} s to a {step_s:.3g} s step")
    else:
        binding = Binding("site", rows[slowest]["site"],
                          f"{rows[slowest]['site']} ({rows[slowest]['accelerator']}) is the "
                          f"slowest site: {inside:.3g} s for {batches[slowest]} sequences")
    return GenerationsStep(
        model=str(model.name), step_s=step_s, compute_s=runs[slowest].compute_s,
        exposed_comm_s=step_s - runs[slowest].compute_s - runs[slowest].bubble_s,
        dci_s=dci_exposed, dci_latency_part_s=latency_part, tokens_per_s=tokens / step_s,
        mfu=mfu,
        power_mw=sum(r.power_mw for r in runs), it_power_mw=sum(r.it_power_mw for r in runs),
        memory_gb_per_accelerator=max(r.memory_bytes for r in runs) / 1e9,
        sites=tuple(rows), binding=binding)
