"""Benchmark the vectorised training step model against a plain Python loop over the same
configurations.

Usage::

    python benchmarks/bench_training.py            # 1,048,576 configurations
    python benchmarks/bench_training.py --quick    # 4,096 configurations, a second

The grid: a Llama-3-70B-shaped model on H100 across 2 sites, data-parallel across the DCI,
over every (tp, pp) pair of {1, 2, 4, 8} × {1, 2, 4, 5, 8, 10, 16, 20} (dp what 8,192
accelerators leave, 32 pairs), 32 microbatch × ZeRO variants (microbatch 1, 2, 4, 8 × ZeRO 0-3 ×
outer sync every 1 or 100 steps), 32 distances (0-4,000 km of fiber) and 32 DCI bandwidths
(10 Gb/s-100 Tb/s): 32⁴ = 1,048,576 configurations in one call of
:func:`infranet.workloads.training.step` (``--quick``: 8 distances × 8 bandwidths × 64).

The baseline calls the same function once per configuration with scalars (a plain Python
loop); it runs on a seeded random sample of the grid (``--sample``, default 400) and is
extrapolated to the whole grid; the sampled step times are checked identical to the
vectorised ones. Printed: configurations per second of each, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]  # the checkout, for runs without installing
sys.path.insert(0, str(ROOT))

from infranet.workloads.sizing import distance_latency_s  # noqa: E402
from infranet.workloads.training import Network, step  # noqa: E402

MODEL = SimpleNamespace(name="llama-70b-shaped", parameters=70.6e9, layers=80, hidden=8192,
                        heads=64, kv_heads=8, head_dim=128, vocab=128256, seq_len=8192)
NETWORK = Network(scale_up_gbps=3600.0, scale_out_gbps=400.0, scale_up_domain=8,
                  scale_up_alpha_s=0.6e-6, scale_out_alpha_s=2.7e-6, dci_alpha_s=2.7e-6)
ACCELERATORS = 8192


def grid(n_distance: int, n_gbps: int, quick: bool) -> dict[str, np.ndarray]:
    """The configurations as broadcastable arrays: axes (parallelism, variant, distance, bw)."""
    pairs = [(tp, pp) for tp in (1, 2, 4, 8) for pp in (1, 2, 4, 5, 8, 10, 16, 20)]
    variants = [(b, z, h) for b in (1, 2, 4, 8) for z in (0, 1, 2, 3) for h in (1, 100)]
    if quick:
        pairs, variants = pairs[::4], variants[::4]
    tp = np.array([p[0] for p in pairs], float)[:, None, None, None]
    pp = np.array([p[1] for p in pairs], float)[:, None, None, None]
    b = np.array([v[0] for v in variants], float)[None, :, None, None]
    zero = np.array([v[1] for v in variants], float)[None, :, None, None]
    h = np.array([v[2] for v in variants], float)[None, :, None, None]
    km = np.linspace(0.0, 4000.0, n_distance)[None, None, :, None]
    gbps = np.geomspace(10.0, 1e5, n_gbps)[None, None, None, :]
    return {"tp": tp, "pp": pp, "dp": ACCELERATORS / (tp * pp), "microbatch": b, "zero": zero,
            "sync_every": h, "latency": distance_latency_s(km), "gbps": gbps}


def vectorised(g: dict[str, np.ndarray]) -> np.ndarray:
    net = replace(NETWORK, dci_gbps=g["gbps"], dci_latency_s=g["latency"])
    return step(MODEL, "H100", network=net, tp=g["tp"], pp=g["pp"], dp=g["dp"],
                microbatch=g["microbatch"], zero=g["zero"], sync_every=g["sync_every"],
                global_batch=2048, sites=2, recompute="selective").step_s


def one(g: dict[str, np.ndarray], index: tuple[int, ...]) -> float:
    def at(name: str) -> float:
        a = g[name]
        return float(a[tuple(i if s > 1 else 0 for i, s in zip(index, a.shape, strict=True))])

    net = replace(NETWORK, dci_gbps=at("gbps"), dci_latency_s=at("latency"))
    return float(step(MODEL, "H100", network=net, tp=at("tp"), pp=at("pp"), dp=at("dp"),
                      microbatch=at("microbatch"), zero=at("zero"),
                      sync_every=at("sync_every"), global_batch=2048, sites=2,
                      recompute="selective").step_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="4,096 configurations")
    parser.add_argument("--sample", type=int, default=400,
                        help="configurations the plain loop runs (extrapolated)")
    args = parser.parse_args(argv)
    n = 8 if args.quick else 32
    g = grid(n, n, args.quick)
    vectorised(g)  # first imports and catalogue reads, not timed
    t0 = time.perf_counter()
    steps = vectorised(g)
    fast = time.perf_counter() - t0
    count = steps.size
    rng = np.random.default_rng(0)
    sample = min(args.sample if not args.quick else 40, count)
    picks = [np.unravel_index(int(i), steps.shape)
             for i in rng.choice(count, size=sample, replace=False)]
    t0 = time.perf_counter()
    loop = [one(g, tuple(int(x) for x in idx)) for idx in picks]
    slow = (time.perf_counter() - t0) / sample * count
    same = all((a == steps[idx]) or (np.isinf(a) and np.isinf(steps[idx]))
               for a, idx in zip(loop, picks, strict=True))
    valid = int(np.isfinite(steps).sum())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"training step model: {count:,} configurations ({valid:,} valid), "
          f"load average {load:.2f}")
    print(f"  vectorised (one call):     {fast:8.3f} s   {count / fast:14,.0f} configurations/s")
    print(f"  plain loop (extrapolated from {sample} sampled): {slow:10.1f} s   "
          f"{count / slow:10,.0f} configurations/s")
    print(f"  ratio: {slow / fast:,.0f}x; sampled results identical: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
