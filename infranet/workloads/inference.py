"""What one inference replica serves within its SLOs, and the latency each part adds.

A **replica** is ``tp`` accelerators of one scale-up domain holding the weights (tensor
parallel) and serving requests by continuous batching. Its figures come from the accelerator
catalogue (dense peak at the serving precision, HBM capacity and bandwidth, scale-up bandwidth)
and the model catalogue (parameters, shape, KV cache per token); three named figures with their
sources set what the hardware reaches (``infranet catalogue figures``):
``inference_compute_fraction`` of the peak, ``inference_memory_fraction`` of the HBM bandwidth
and ``inference_hbm_fraction`` of the HBM given to weights and KV cache.

**Prefill** of a prompt of ``P`` tokens is compute-bound: ``2·N_active·P`` FLOPs plus the
causal attention ``2·L·P²·h_q`` (``h_q`` = heads × head width), at the compute fraction of the
replica's peak, but never faster than reading the weights once.

**A decode step** of a batch of ``b`` requests at context ``c`` is the slower of its compute,
``b·(2·N_active + 4·L·c·h_q)`` FLOPs, and its memory traffic, the weights (all of them: a
mixture of experts at a serving batch touches every expert) and the batch's KV cache
``b·c·kv_bytes_per_token``, at the memory fraction of the HBM bandwidth (a roofline).

**Tensor parallelism** adds two all-reduces per layer of the step's activations (``tokens ×
hidden × 2`` bytes, bf16) over the scale-up domain, priced by
:func:`infranet.workloads.collectives.time_s` with NCCL's step and launch latencies.

**The batch** is limited by the KV cache left in HBM after the weights (each request holds its
prompt and, on average, half its output) and by the TPOT SLO. Prefill and decode share the
replica (continuous batching, prefills first): a replica serving ``λ`` requests/s spends
``λ·T_prefill`` of its time on prefills, so with ``b`` requests decoding (Little's law,
``b = λ·o·TPOT`` for ``o`` output tokens)::

    TPOT(b) = step(b) + b·T_prefill / o        λ(b) = b / (o·step(b) + b·T_prefill)

A larger batch serves more requests/s and each of them more slowly.

**Queueing.** A request waits for the prefills ahead of it: an M/G/1 queue (Poisson arrivals,
prefill times whose spread follows the prompt lengths'), mean wait by Pollaczek–Khinchine and
an exponential tail, so that the p99 wait is ``S·(1 + cs²) / (2·(1 − ρ)) · ln(100·ρ)`` for a
mean prefill ``S`` at utilisation ``ρ = λ·S`` (exact for M/M/1; for fixed prompt lengths,
M/D/1, it halves the M/M/1 wait, as Kingman's approximation does). An M/M/c model of a whole
replica would count a batch slot as a server; prefills run one at a time, so the prefill is
the queue that waits.

**Time to first token** (p99) = network (``k·RTT``: ``k`` = 1 warm, 3 cold) + the p99 wait +
the prefill of the p99 prompt (+ the KV cache's transfer when prefill and decode are on
different sites): a sum of p99s, an upper bound of the p99 of the sum. The load per replica is
the largest ``λ`` that keeps TTFT and TPOT within their SLOs; :class:`ReplicaModel` says which
limit binds.

Examples
--------
>>> from infranet.workloads.service import service_from_mapping
>>> svc = service_from_mapping({"model": "llama3-70b", "precision": "fp8",
...                             "prompt_tokens": 2000, "output_tokens": 250})
>>> r = replica_model(svc, accelerator="H200", rtt_ms=[20.0, 80.0])
>>> r.tensor_parallel, r.requests_per_s.round(2).tolist(), r.binding.name
(8, [10.36, 9.41], 'ttft_p99')
>>> r.ttft_ms.round(0).tolist(), r.tpot_ms.round(1).tolist()  # p99 within 450 ms, 40 ms
([450.0, 450.0], [16.5, 13.5])
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from infranet import physics
from infranet.errors import InfeasibleError, UnknownNameError, ValidationError
from infranet.results import Binding, FrozenDict, FrozenState, freeze
from infranet.workloads.service import PRECISIONS, InferenceService, Tokens

__all__ = ["ACTIVATION_BYTES", "Replica", "ReplicaModel", "ServiceSizing", "batch_throughput",
           "decode_step_s", "kv_bytes_per_token", "kv_transfer_s", "prefill_s", "replica",
           "replica_model", "request_bytes", "size_service", "wan_gbps"]

#: Bytes of one activation value crossing the tensor-parallel all-reduces (bf16).
ACTIVATION_BYTES = 2.0
#: The p99 of a quantity: P(W > t) = 1%.
_TAIL = 0.01


def kv_bytes_per_token(model: Any, precision: str = "bf16") -> float:
    """KV cache per token over all layers at `precision`, bytes: the model's bf16 figure
    (2·layers·kv_heads·head_dim·2 for grouped-query attention, the stored figure for MLA)
    scaled to the precision's bytes per value.

    Examples
    --------
    >>> from infranet.workloads.models import load_model
    >>> [kv_bytes_per_token(load_model(m)) / 1024 for m in ("llama3-8b", "llama3-70b")]
    [128.0, 320.0]
    >>> kv_bytes_per_token(load_model("deepseek-v3"), "fp8")  # MLA: (512 + 64) x 61 x 1
    35136.0
    """
    return float(model.kv_bytes_per_token) * PRECISIONS[precision] / 2.0


def kv_transfer_s(tokens: ArrayLike, gbps: ArrayLike, *, model: Any,
                  precision: str = "bf16") -> np.ndarray:
    """Seconds to move the KV cache of `tokens` tokens at `gbps` Gb/s (prefill to decode
    across sites).

    Examples
    --------
    >>> from infranet.workloads.models import load_model
    >>> m = load_model("llama3-70b")  # an 8k-token prompt, 2.5 GiB (FIGURES.md)
    >>> (kv_transfer_s(8192, [400.0, 10.0], model=m) * 1e3).round(1).tolist()
    [53.7, 2147.5]
    """
    size = np.asarray(tokens, dtype=float) * kv_bytes_per_token(model, precision)
    with np.errstate(divide="ignore"):
        return size * 8.0 / (np.asarray(gbps, dtype=float) * 1e9)


def request_bytes(service: InferenceService, model: Any) -> Mapping[str, float]:
    """Mean bytes a request moves: ``request`` (the prompt's text), ``response`` (the output's
    text), both at ``text_bytes_per_token``, and ``kv`` (the prompt's KV cache, which crosses
    the DCI when prefill and decode are on different sites).

    Examples
    --------
    >>> from infranet.workloads.service import service_from_mapping
    >>> from infranet.workloads.models import load_model
    >>> svc = service_from_mapping({"model": "llama3-70b", "prompt_tokens": 1000,
    ...                             "output_tokens": 200})
    >>> dict(request_bytes(svc, load_model("llama3-70b")))
    {'request': 4000.0, 'response': 800.0, 'kv': 327680000.0}
    """
    text = physics.figure("text_bytes_per_token")
    return FrozenDict({"request": service.prompt_tokens.mean * text,
                       "response": service.output_tokens.mean * text,
                       "kv": service.prompt_tokens.mean * kv_bytes_per_token(
                           model, service.precision)})


def wan_gbps(service: InferenceService, model: Any, requests_per_s: ArrayLike
             ) -> Mapping[str, np.ndarray]:
    """WAN bandwidth of `requests_per_s` requests/s, Gb/s: ``request`` (users to the site),
    ``response`` (the site to users) and ``kv`` (prefill site to decode site, with
    ``disaggregate``; else 0), each per direction, from :func:`request_bytes`.

    Examples
    --------
    >>> from infranet.workloads.service import service_from_mapping
    >>> from infranet.workloads.models import load_model
    >>> svc = service_from_mapping({"model": "llama3-70b", "prompt_tokens": 1000,
    ...                             "disaggregate": True})
    >>> {k: float(v) for k, v in wan_gbps(svc, load_model("llama3-70b"), 100.0).items()}
    {'request': 0.0032, 'response': 0.0008192, 'kv': 262.144}
    """
    rate = np.asarray(requests_per_s, dtype=float)
    sizes = request_bytes(service, model)
    return FrozenDict({k: freeze(rate * v * 8.0 / 1e9 * (k != "kv" or service.disaggregate))
                       for k, v in sizes.items()})


# ---------------------------------------------------------------------------------------------
# one replica's hardware and its times


@dataclass(frozen=True)
class Replica:
    """The hardware of one replica: `tp` accelerators of one scale-up domain and the rates
    its work runs at (after the achievable fractions).

    Attributes
    ----------
    flops_per_s : float
        Achievable FLOP/s of the replica at the precision.
    bytes_per_s : float
        Achievable HBM bytes/s of the replica.
    memory_bytes : float
        HBM given to weights and KV cache.
    weight_bytes, kv_bytes_per_token : float
        The weights and the KV cache of a token at the precision.
    """

    model: Any
    accelerator: Any
    tp: int
    precision: str
    flops_per_s: float
    bytes_per_s: float
    memory_bytes: float
    weight_bytes: float
    kv_bytes_per_token: float

    @property
    def kv_tokens(self) -> float:
        """Tokens of KV cache that fit beside the weights (negative: the weights do not fit)."""
        return (self.memory_bytes - self.weight_bytes) / self.kv_bytes_per_token

    def allreduce_s(self, tokens: ArrayLike) -> np.ndarray:
        """The tensor-parallel all-reduces of one forward pass over `tokens` tokens, s: two
        per layer of ``tokens × hidden × 2`` bytes, each with NCCL's launch latency."""
        from infranet.workloads.collectives import base_latency_s, tier_alpha_s, time_s

        tokens = np.asarray(tokens, dtype=float)
        if self.tp <= 1:
            return np.zeros_like(tokens)
        size = tokens * self.model.hidden * ACTIVATION_BYTES
        gbps = self.accelerator.scale_up_gbps
        one = time_s("allreduce", "auto", size, self.tp, gbps, tier_alpha_s("scale_up"))
        return 2.0 * self.model.layers * (one + base_latency_s())


def replica(model: Any, accelerator: Any, *, tp: int = 1, precision: str = "bf16",
            compute_fraction: float | None = None, memory_fraction: float | None = None,
            hbm_fraction: float | None = None) -> Replica:
    """The :class:`Replica` of `tp` `accelerator` s serving `model` at `precision`.

    Raises
    ------
    ValidationError
        For an accelerator without a published peak at the precision, HBM or scale-up
        bandwidth, or a `tp` beyond its scale-up domain.

    Examples
    --------
    >>> from infranet.workloads.models import load_model
    >>> r = replica(load_model("llama3-70b"), physics.accelerator("H100"), tp=2)
    >>> round(r.weight_bytes / 1e9, 1), round(r.kv_tokens)  # bf16: 141 GB of 144 usable
    (141.2, 8545)
    """
    peak = accelerator.dense_flops_per_s.get(precision)
    if peak is None:
        raise ValidationError(f"{accelerator.name} publishes no dense {precision} peak; serve "
                              f"in {', '.join(p for p in accelerator.dense_flops_per_s)}",
                              element="service", field="precision")
    for what, value in (("HBM capacity", accelerator.hbm_bytes),
                        ("HBM bandwidth", accelerator.hbm_bytes_per_s)):
        if not value:
            raise ValidationError(f"{accelerator.name} gives no {what}", element="service",
                                  field="accelerator")
    domain = accelerator.scale_up_domain or 1
    if tp < 1:
        raise ValidationError(f"tensor_parallel must be >= 1, got {tp}", element="service",
                              field="tensor_parallel")
    if tp > domain:
        raise ValidationError(f"tensor_parallel {tp} is more than {accelerator.name}'s "
                              f"scale-up domain of {domain}", element="service",
                              field="tensor_parallel")
    if tp > 1 and not accelerator.scale_up_gbps:
        raise ValidationError(f"{accelerator.name} gives no scale-up bandwidth for tensor "
                              "parallelism", element="service", field="tensor_parallel")
    fc = physics.figure("inference_compute_fraction") if compute_fraction is None \
        else compute_fraction
    fm = physics.figure("inference_memory_fraction") if memory_fraction is None \
        else memory_fraction
    fh = physics.figure("inference_hbm_fraction") if hbm_fraction is None else hbm_fraction
    return Replica(model=model, accelerator=accelerator, tp=int(tp), precision=precision,
                   flops_per_s=tp * peak * fc, bytes_per_s=tp * accelerator.hbm_bytes_per_s * fm,
                   memory_bytes=tp * accelerator.hbm_bytes * fh,
                   weight_bytes=model.parameters * PRECISIONS[precision],
                   kv_bytes_per_token=kv_bytes_per_token(model, precision))


def _q_width(model: Any) -> float:
    return float(model.heads * model.head_dim)


def prefill_s(rep: Replica, prompt_tokens: ArrayLike, *, requests: ArrayLike = 1) -> np.ndarray:
    """Seconds to prefill `requests` prompts of `prompt_tokens` tokens together: their FLOPs
    (``2·N_active`` per token and causal attention ``2·L·P²·h_q`` per prompt) at the
    replica's FLOP/s, at least one read of the weights, plus the all-reduces.

    Examples
    --------
    >>> from infranet.workloads.models import load_model
    >>> r = replica(load_model("llama3-70b"), physics.accelerator("H100"), tp=2,
    ...             precision="fp8")
    >>> round(float(prefill_s(r, 5000)) * 1e3)  # ms; NIM measures 407 ms (2 x H100, fp8)
    445
    """
    p = np.asarray(prompt_tokens, dtype=float)
    n = np.asarray(requests, dtype=float)
    m = rep.model
    flops = n * (2.0 * m.active_parameters * p + 2.0 * m.layers * p * p * _q_width(m))
    compute = flops / rep.flops_per_s
    read = rep.weight_bytes / rep.bytes_per_s
    return np.maximum(compute, read) + rep.allreduce_s(n * p)


def decode_step_s(rep: Replica, batch: ArrayLike, context: ArrayLike) -> np.ndarray:
    """Seconds of one decode step of `batch` requests at `context` tokens each: the slower of
    compute and memory traffic (weights and the batch's KV cache), plus the all-reduces.

    Examples
    --------
    >>> from infranet.workloads.models import load_model
    >>> r = replica(load_model("llama3-70b"), physics.accelerator("H100"), tp=2,
    ...             precision="fp8")
    >>> round(float(decode_step_s(r, 1, 5250)) * 1e3, 1)  # ms; NIM measures 18.6 ms
    19.0
    """
    b = np.asarray(batch, dtype=float)
    c = np.asarray(context, dtype=float)
    m = rep.model
    compute = b * (2.0 * m.active_parameters + 4.0 * m.layers * c * _q_width(m)) \
        / rep.flops_per_s
    memory = (rep.weight_bytes + b * c * rep.kv_bytes_per_token) / rep.bytes_per_s
    return np.maximum(compute, memory) + rep.allreduce_s(b)


def batch_throughput(rep: Replica, *, batch: int, prompt_tokens: int,
                     output_tokens: int) -> float:
    """Output tokens/s of a static batch (all prompts prefilled together, then decoded
    together to the end), as offline benchmarks run: ``batch·output`` tokens over the prefill
    and ``output − 1`` decode steps (the prefill gives the first token).

    Examples
    --------
    >>> from infranet.workloads.models import load_model
    >>> r = replica(load_model("llama2-70b"), physics.accelerator("H200"), precision="fp8")
    >>> round(batch_throughput(r, batch=32, prompt_tokens=2048, output_tokens=128))
    295
    """
    steps = np.arange(1, output_tokens, dtype=float)
    decode = float(np.sum(decode_step_s(rep, batch, prompt_tokens + steps)))
    total = float(prefill_s(rep, prompt_tokens, requests=batch)) + decode
    return batch * output_tokens / total


# ---------------------------------------------------------------------------------------------
# the replica under load


def _p99_wait_s(rho: np.ndarray, service_s: float, cs2: float) -> np.ndarray:
    """p99 waiting time of an M/G/1 queue at utilisation `rho` (Pollaczek–Khinchine mean and
    an exponential tail; 0 when fewer than 1% of requests wait)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        conditional = service_s * (1.0 + cs2) / (2.0 * (1.0 - rho))
        wait = conditional * np.log(np.maximum(rho, _TAIL) / _TAIL)
    return np.where(rho >= 1.0, np.inf, wait)


def _max_utilisation(budget_s: np.ndarray, service_s: float, cs2: float) -> np.ndarray:
    """The largest utilisation whose p99 wait stays within `budget_s` (bisection, on
    arrays; 0 where the budget is negative)."""
    low = np.zeros_like(budget_s)
    high = np.ones_like(budget_s)
    for _ in range(60):
        mid = (low + high) / 2.0
        ok = _p99_wait_s(mid, service_s, cs2) <= budget_s
        low = np.where(ok, mid, low)
        high = np.where(ok, high, mid)
    return np.where(budget_s >= 0.0, low, 0.0)


@dataclass(frozen=True)
class ReplicaModel(FrozenState):
    """What one replica of a service sustains within its SLOs, per network RTT asked.

    Scalars hold for every RTT; arrays have one entry per RTT of ``rtt_ms``. Times in ms.

    Attributes
    ----------
    tensor_parallel : int
        Accelerators per replica (one scale-up domain).
    requests_per_s : numpy.ndarray
        Requests/s one replica sustains with TTFT and TPOT p99 within the SLOs (0 where the
        SLO cannot hold at that RTT).
    accelerators_per_rps : numpy.ndarray
        Accelerators per request/s of load (inf where the SLO cannot hold).
    feasible : numpy.ndarray
        Whether the SLOs can hold at that RTT.
    network_ms, queue_ms, prefill_ms, kv_transfer_ms, ttft_ms, tpot_ms : numpy.ndarray
        The p99 time to first token, part by part, and the time per output token at the
        load of ``requests_per_s``.
    batch : numpy.ndarray
        Requests decoding at once at that load.
    decode_requests_per_s : float
        What the decode side allows (TPOT SLO, KV cache, batch limit), whatever the RTT.
    limits : tuple of str
        Per RTT, the SLO or resource that binds there.
    by_tp : tuple of FrozenDict
        Every tensor-parallel degree tried: its requests/s and accelerators per request/s at
        the largest RTT, and what binds it.
    """

    service: str
    model: str
    accelerator: str
    precision: str
    tensor_parallel: int
    disaggregate: bool
    rtt_ms: np.ndarray
    requests_per_s: np.ndarray
    accelerators_per_rps: np.ndarray
    feasible: np.ndarray
    network_ms: np.ndarray
    queue_ms: np.ndarray
    prefill_ms: np.ndarray
    kv_transfer_ms: np.ndarray
    ttft_ms: np.ndarray
    tpot_ms: np.ndarray
    batch: np.ndarray
    decode_requests_per_s: float
    max_batch: int
    kv_tokens: float
    weights_gb_per_accelerator: float
    decode_bound: str
    ttft_slo_ms: float
    tpot_slo_ms: float
    limits: tuple[str, ...]
    by_tp: tuple[Any, ...]
    request_bytes: Mapping[str, float]
    binding: Binding

    def to_dict(self) -> dict[str, Any]:
        """JSON: the headline at the largest RTT (the one that binds a site serving every
        region asked) at the top level, and one row per RTT under ``by_rtt``."""
        worst = int(np.argmax(self.rtt_ms)) if self.rtt_ms.size else 0

        def at(values: np.ndarray) -> Any:
            value = float(values[worst])
            return value if math.isfinite(value) else None

        rows = [{"rtt_ms": float(self.rtt_ms[i]), "feasible": bool(self.feasible[i]),
                 "requests_per_s": float(self.requests_per_s[i]),
                 "ttft_ms": float(self.ttft_ms[i]), "tpot_ms": float(self.tpot_ms[i]),
                 "queue_ms": float(self.queue_ms[i]), "limit": self.limits[i]}
                for i in range(self.rtt_ms.size)]
        return {
            "service": self.service, "model": self.model, "accelerator": self.accelerator,
            "precision": self.precision, "tensor_parallel": self.tensor_parallel,
            "accelerators_per_replica": self.tensor_parallel,
            "disaggregate": self.disaggregate,
            "feasible": bool(self.feasible[worst]),
            "requests_per_s": at(self.requests_per_s),
            "accelerators_per_rps": at(self.accelerators_per_rps),
            "rtt_ms": at(self.rtt_ms), "network_ms": at(self.network_ms),
            "queue_ms": at(self.queue_ms), "prefill_ms": at(self.prefill_ms),
            "kv_transfer_ms": at(self.kv_transfer_ms), "ttft_ms": at(self.ttft_ms),
            "tpot_ms": at(self.tpot_ms), "batch": at(self.batch),
            "ttft_slo_ms": self.ttft_slo_ms, "tpot_slo_ms": self.tpot_slo_ms,
            "decode_requests_per_s": self.decode_requests_per_s,
            "max_batch": self.max_batch, "kv_tokens": math.floor(self.kv_tokens),
            "weights_gb_per_accelerator": self.weights_gb_per_accelerator,
            "decode_bound": self.decode_bound,
            "request_bytes": dict(self.request_bytes),
            "by_rtt": rows,
            "by_tp": [dict(r) for r in self.by_tp],
            "binding": self.binding.to_dict(),
        }


_LIMIT_BINDINGS = {
    "tpot_p99": ("slo", "TPOT SLO"),
    "ttft_p99": ("slo", "TTFT SLO"),
    "kv_cache": ("memory", "KV cache in HBM"),
    "max_batch": ("compute", "the engine's batch limit"),
    "weights": ("memory", "memory for the weights"),
    "network": ("propagation", "the network's RTT"),
}


def _evaluate(rep: Replica, service: InferenceService, rtt_ms: np.ndarray,
              dci_gbps: float) -> dict[str, Any]:
    """Everything :class:`ReplicaModel` holds, for one replica."""
    prompt: Tokens = service.prompt_tokens
    out: Tokens = service.output_tokens
    o = max(out.mean, 1.0)
    context = prompt.mean + out.mean / 2.0  # mean tokens a decoding request holds
    n = rtt_ms.size
    kv_tokens = rep.kv_tokens
    largest = prompt.p99 + out.p99
    s_mean = float(prefill_s(rep, prompt.mean))
    s_p99 = float(prefill_s(rep, prompt.p99))
    kv_ms = (float(kv_transfer_s(prompt.p99, dci_gbps, model=rep.model,
                                 precision=rep.precision)) * 1e3
             if service.disaggregate else 0.0)
    network = service.network_rtts * rtt_ms
    empty = dict(requests=np.zeros(n), batch=np.zeros(n), queue=np.full(n, np.nan),
                 tpot=np.full(n, np.nan), decode=0.0, max_batch=0, bound="memory")
    if kv_tokens < largest:
        return {**empty, "limit": ("weights",) * n, "kv_ms": kv_ms, "network": network,
                "prefill": np.full(n, s_p99 * 1e3), "kv_tokens": kv_tokens}
    cap = int(min(kv_tokens // context, service.max_batch or math.inf, 1_000_000))
    b = np.arange(1, cap + 1, dtype=float)
    step = decode_step_s(rep, b, context)
    interleave = 0.0 if service.disaggregate else s_mean
    tpot = step + b * interleave / o
    rate = b / (o * step + b * interleave)
    ok = tpot * 1e3 <= service.tpot_p99_ms
    if not ok.any():
        return {**empty, "limit": ("tpot_p99",) * n, "kv_ms": kv_ms, "network": network,
                "prefill": np.full(n, s_p99 * 1e3), "kv_tokens": kv_tokens,
                "tpot": np.full(n, tpot[0] * 1e3)}
    top = int(np.flatnonzero(ok)[-1])
    decode_rate = float(rate[top])
    if top < cap - 1:
        decode_limit = "tpot_p99"
    elif service.max_batch is not None and cap == service.max_batch:
        decode_limit = "max_batch"
    else:
        decode_limit = "kv_cache"
    # the prefill queue: as many requests/s as the TTFT budget leaves
    budget = (service.ttft_p99_ms - network - s_p99 * 1e3 - kv_ms) / 1e3
    ttft_rate = _max_utilisation(budget, s_mean, prompt.cv2) / s_mean
    if service.disaggregate:  # a prefill replica: the TTFT alone limits it
        rates = ttft_rate
        limit = np.full(n, "ttft_p99", dtype=object)
    else:
        rates = np.minimum(decode_rate, ttft_rate)
        limit = np.where(ttft_rate < decode_rate, "ttft_p99", decode_limit).astype(object)
    limit = np.where(network > service.ttft_p99_ms, "network", limit)
    limit = np.where((budget < 0) & (network <= service.ttft_p99_ms), "ttft_p99", limit)
    rates = np.where(budget < 0, 0.0, rates)
    # the batch at that load, and the TPOT it gives
    at = np.clip(np.searchsorted(rate[: top + 1], rates, side="left"), 0, top)
    if service.disaggregate:  # the decode replica runs at its full batch
        at = np.full(n, top)
    queue = _p99_wait_s(rates * s_mean, s_mean, prompt.cv2) * 1e3
    m = rep.model
    compute_s = b[top] * (2.0 * m.active_parameters + 4.0 * m.layers * context * _q_width(m)) \
        / rep.flops_per_s
    memory_s = (rep.weight_bytes + b[top] * context * rep.kv_bytes_per_token) / rep.bytes_per_s
    bound = "compute" if compute_s > memory_s else "memory"
    return {"requests": rates, "batch": b[at] * (rates > 0), "queue": np.where(
        rates > 0, queue, np.nan), "tpot": tpot[at] * 1e3, "decode": decode_rate,
            "max_batch": top + 1, "bound": bound, "limit": tuple(str(x) for x in limit),
            "kv_ms": kv_ms, "network": network, "prefill": np.full(n, s_p99 * 1e3),
            "kv_tokens": kv_tokens}


def _per_rps(tp: int, ev: Mapping[str, Any], i: int,
             service: InferenceService) -> float | None:
    """Accelerators per request/s of load (with ``disaggregate``, of the prefill and the
    decode replicas together); None where the SLOs cannot hold."""
    rate = float(ev["requests"][i])
    if rate <= 0:
        return None
    return tp / rate + (tp / ev["decode"] if service.disaggregate else 0.0)


def _load(service: InferenceService) -> Any:
    """The service's model, an unknown name reported against the service file's field."""
    from infranet.workloads.models import load_model

    try:
        return load_model(service.model_path())
    except UnknownNameError as err:
        raise UnknownNameError(str(err), file=service.file, element="service",
                               field="model") from None


def _candidates(model: Any, accelerator: Any) -> list[int]:
    domain = accelerator.scale_up_domain or 1
    out = [1]
    while out[-1] * 2 <= min(domain, model.heads):
        out.append(out[-1] * 2)
    return out


def replica_model(service: InferenceService, *, accelerator: str | Any | None = None,
                  tensor_parallel: int | None = None, rtt_ms: ArrayLike = 0.0,
                  dci_gbps: float = math.inf, model: Any = None,
                  catalogue: Mapping[str, Any] | None = None,
                  compute_fraction: float | None = None,
                  memory_fraction: float | None = None) -> ReplicaModel:
    """What one replica of `service` sustains within its SLOs, for each network RTT of
    `rtt_ms` (ms; an array: one per region, as a placement asks).

    Parameters
    ----------
    service : InferenceService
        The service (:func:`infranet.workloads.service.read_service`).
    accelerator : str or Accelerator, optional
        Default: the service's own.
    tensor_parallel : int, optional
        Default: the service's own, else of the powers of two within the scale-up domain, the
        one with the fewest accelerators per request/s at the largest RTT (the smallest on
        ties).
    rtt_ms : array-like
        Round-trip time between users and the replica, ms; the network's share of the TTFT is
        1 RTT on warm connections, 3 on cold ones.
    dci_gbps : float
        With ``disaggregate``, the bandwidth the prompt's KV cache crosses to the decoding
        site at, Gb/s (default: unlimited).
    model : Model, optional
        The model already loaded (default: the service's, loaded).
    catalogue : mapping, optional
        Where to find the accelerator (a topology's catalogue; default the packaged one).
    compute_fraction, memory_fraction : float, optional
        Override ``inference_compute_fraction`` and ``inference_memory_fraction``.

    Raises
    ------
    ValidationError
        For no accelerator, or one without the figures a replica needs.
    InfeasibleError
        When no tensor-parallel degree within the scale-up domain holds the weights and one
        request's KV cache.
    """
    name = accelerator if accelerator is not None else service.accelerator
    if name is None:
        raise ValidationError("no accelerator: give one in the service (accelerator: H100) "
                              "or as an option", file=service.file, element="service",
                              field="accelerator")
    try:
        chip = name if not isinstance(name, str) else physics.accelerator(name, catalogue)
    except UnknownNameError as err:
        raise UnknownNameError(str(err), file=service.file, element="service",
                               field="accelerator") from None
    m = _load(service) if model is None else model
    rtt = np.atleast_1d(np.asarray(rtt_ms, dtype=float))
    if rtt.ndim != 1 or np.any(~np.isfinite(rtt)) or np.any(rtt < 0):
        raise ValidationError("RTTs must be finite and >= 0 ms", element="service",
                              field="rtt_ms")
    fixed = tensor_parallel or service.tensor_parallel
    if fixed and int(getattr(m, "heads", 0) or 0) % int(fixed):
        raise ValidationError(f"tensor parallel {int(fixed)} does not divide the "
                              f"{int(m.heads)} attention heads of {m.name}", file=service.file,
                              element="service", field="tensor_parallel")
    degrees = [int(fixed)] if fixed else _candidates(m, chip)
    tried = []
    for tp in degrees:
        rep = replica(m, chip, tp=tp, precision=service.precision,
                      compute_fraction=compute_fraction, memory_fraction=memory_fraction)
        tried.append((rep, _evaluate(rep, service, rtt, dci_gbps)))
    worst = int(np.argmax(rtt))

    def per_accelerator(item: tuple[Replica, dict[str, Any]]) -> float:
        rep, ev = item
        return float(ev["requests"][worst]) / rep.tp

    best_rep, best = max(tried, key=per_accelerator)  # max keeps the first (smallest) on ties
    if not fixed and per_accelerator((best_rep, best)) == 0.0:
        fitting = [item for item in tried if item[1]["limit"][worst] != "weights"]
        if not fitting:
            raise InfeasibleError(
                f"{m.name} in {service.precision} does not fit a scale-up domain of "
                f"{chip.scale_up_domain or 1} {chip.name} with the KV cache of one request "
                f"({service.prompt_tokens.p99 + service.output_tokens.p99:,.0f} tokens); "
                "use fp8, a larger domain or shorter requests", file=service.file,
                element="service", field="accelerator")
        best_rep, best = fitting[-1]  # the largest: fastest prefill and decode
    tp = best_rep.tp
    requests = np.asarray(best["requests"], dtype=float)
    per_rps = np.array([_per_rps(tp, best, i, service) or np.inf for i in range(rtt.size)])
    network = np.asarray(best["network"], dtype=float)
    queue = np.asarray(best["queue"], dtype=float)
    prefill = np.asarray(best["prefill"], dtype=float)
    kv_ms = np.full(rtt.size, best["kv_ms"])
    ttft = network + queue + prefill + kv_ms
    limits = best["limit"]
    feasible = requests > 0
    by_tp = tuple(FrozenDict({"tensor_parallel": rep.tp,
                              "requests_per_s": float(ev["requests"][worst]),
                              "accelerators_per_rps": _per_rps(rep.tp, ev, worst, service),
                              "limit": ev["limit"][worst]}) for rep, ev in tried)
    kind, what = _LIMIT_BINDINGS[limits[worst]]
    summary = _summary(limits[worst], what, service, tp, chip.name, rtt[worst],
                       float(requests[worst]), best)
    return ReplicaModel(
        service=service.name, model=m.name, accelerator=chip.name,
        precision=service.precision, tensor_parallel=tp, disaggregate=service.disaggregate,
        rtt_ms=freeze(rtt), requests_per_s=freeze(requests),
        accelerators_per_rps=freeze(per_rps), feasible=freeze(feasible),
        network_ms=freeze(network), queue_ms=freeze(queue), prefill_ms=freeze(prefill),
        kv_transfer_ms=freeze(kv_ms), ttft_ms=freeze(ttft),
        tpot_ms=freeze(np.asarray(best["tpot"], dtype=float)),
        batch=freeze(np.asarray(best["batch"], dtype=float)),
        decode_requests_per_s=float(best["decode"]), max_batch=int(best["max_batch"]),
        kv_tokens=float(best["kv_tokens"]),
        weights_gb_per_accelerator=best_rep.weight_bytes / tp / 1e9,
        decode_bound=str(best["bound"]), ttft_slo_ms=service.ttft_p99_ms,
        tpot_slo_ms=service.tpot_p99_ms, limits=tuple(limits), by_tp=by_tp,
        request_bytes=request_bytes(service, m), binding=Binding(kind, limits[worst], summary))


def _summary(limit: str, what: str, service: InferenceService, tp: int, chip: str,
             rtt: float, rate: float, ev: Mapping[str, Any]) -> str:
    replica_text = f"a replica of {tp} {chip}"
    if limit == "weights":
        return (f"{what}: the weights and one request's KV cache do not fit {replica_text}")
    if limit == "network":
        return (f"{what}: {service.network_rtts:g} x {rtt:g} ms RTT is more than the TTFT SLO "
                f"of {service.ttft_p99_ms:g} ms")
    if rate <= 0:
        if limit == "tpot_p99":
            return (f"{what}: one request alone decodes at {float(ev['tpot'][0]):.1f} ms per "
                    f"token on {replica_text}, over the {service.tpot_p99_ms:g} ms SLO")
        return (f"{what}: network ({service.network_rtts:g} x {rtt:g} ms) and the p99 prefill "
                f"({float(ev['prefill'][0]):.0f} ms) leave nothing of the "
                f"{service.ttft_p99_ms:g} ms TTFT SLO")
    return (f"{what} binds: {replica_text} serves {rate:.3g} requests/s "
            f"(TTFT p99 {service.ttft_p99_ms:g} ms, TPOT p99 {service.tpot_p99_ms:g} ms, "
            f"RTT {rtt:g} ms)")


# ---------------------------------------------------------------------------------------------
# a service's demand on replicas, before placement


@dataclass(frozen=True)
class ServiceSizing:
    """A service's replicas before placement: the :class:`ReplicaModel` at one RTT for every
    region, the demand per region, and the replicas and accelerators the whole demand needs
    (at least: a placement adds what distance and N+1 cost), and the WAN bandwidth of the
    whole demand (:func:`wan_gbps`).

    ``replicas`` is ``ceil(demand / requests_per_s)`` (with ``disaggregate``, that many
    prefill replicas and ``ceil(demand / decode_requests_per_s)`` decode replicas; ``+ 1``
    with ``survive_site_loss``, the least a site's loss can cost); 0 without demand.
    """

    replica: ReplicaModel
    regions: Mapping[str, float]
    demand_requests_per_s: float
    replicas: int
    total_accelerators: int
    wan_gbps: Mapping[str, float]
    binding: Binding

    def to_dict(self) -> dict[str, Any]:
        out = self.replica.to_dict()
        by = {k: out.pop(k) for k in ("by_rtt", "by_tp", "request_bytes", "binding")}
        return {**out, "demand_requests_per_s": self.demand_requests_per_s,
                "replicas": self.replicas, "total_accelerators": self.total_accelerators,
                "regions": dict(self.regions), "wan_gbps": dict(self.wan_gbps), **by,
                "binding": self.binding.to_dict()}


def size_service(service: InferenceService, topology: Any = None, *,
                 accelerator: str | None = None, tensor_parallel: int | None = None,
                 rtt_ms: float = 0.0, dci_gbps: float = math.inf) -> ServiceSizing:
    """Size `service` without placing it: one replica at `rtt_ms` (ms), the demand per region
    (on `topology`'s regions when given; without one, a total demand is taken whole) and the
    replicas that demand needs.

    The accelerator is, in order: `accelerator`, the service's own, the one type of the
    topology's clusters.

    Raises
    ------
    ValidationError
        For no accelerator to serve on, or clusters of several types and none chosen.
    UnknownNameError
        For a region the topology does not have.
    InfeasibleError
        When the SLOs cannot hold at `rtt_ms`, naming what cannot be met.

    Examples
    --------
    >>> from infranet.workloads.service import service_from_mapping
    >>> svc = service_from_mapping({"model": "llama3-8b", "regions": {"east": 100}})
    >>> s = size_service(svc, accelerator="H100", rtt_ms=10.0)
    >>> s.replica.tensor_parallel, s.replicas, s.total_accelerators
    (2, 4, 8)
    """
    name = accelerator or service.accelerator
    catalogue = None
    if topology is not None:
        catalogue = topology.accelerators()
        if name is None:
            kinds = sorted(set(topology.clusters["accelerator"]))
            if len(kinds) != 1:
                raise ValidationError(
                    f"the topology's clusters hold {', '.join(kinds) or 'no accelerators'}; "
                    "name the accelerator to serve on", file=service.file, element="service",
                    field="accelerator")
            name = kinds[0]
    from infranet.workloads.service import region_demand

    if topology is None and service.total_requests_per_s is not None:
        rates: dict[str, float] = {}  # no regions to spread the total over: the total alone
        demand = float(service.total_requests_per_s)
    else:
        rates = region_demand(service, topology)
        demand = float(sum(rates.values()))
    rep_model = _load(service)
    rep = replica_model(service, accelerator=name, tensor_parallel=tensor_parallel,
                        rtt_ms=rtt_ms, dci_gbps=dci_gbps, catalogue=catalogue,
                        model=rep_model)
    if not rep.feasible[0]:
        raise InfeasibleError(f"{rep.binding.summary}", file=service.file, element="service",
                              field="slo")
    count = math.ceil(demand / float(rep.requests_per_s[0]) - 1e-9) if demand > 0 else 0
    if service.disaggregate and demand > 0:  # prefill replicas, then decode replicas
        count += math.ceil(demand / rep.decode_requests_per_s - 1e-9)
    if count and service.survive_site_loss:
        count += 1
    return ServiceSizing(replica=rep, regions=FrozenDict(rates), demand_requests_per_s=demand,
                         replicas=count, total_accelerators=count * rep.tensor_parallel,
                         wan_gbps=FrozenDict({k: float(v) for k, v in wan_gbps(
                             service, rep_model, demand).items()}),
                         binding=rep.binding)
