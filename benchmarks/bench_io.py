"""Benchmark reading large topology files against the plain parsers.

Usage::

    python benchmarks/bench_io.py            # 200,000 sites and links (about two minutes)
    python benchmarks/bench_io.py --quick    # 2,000 sites, a few seconds
    python benchmarks/bench_io.py --sites 50000 --keep /tmp/big   # keep the generated files

A seeded generator writes one topology as native YAML (block style, as people and tools write
it) and as JSON: N sites (name, kind, [lon, lat], power, description) and a ring of N links
(capacity with a unit, a length of 1.3 to 1.6 times the great circle, a shared-risk group).
Then, each timed once in this process:

* parse: infranet's YAML reader (libyaml events, alias expansion counted) against
  ``yaml.load(text, Loader=yaml.CSafeLoader)``, PyYAML's fastest safe loader; infranet's JSON
  reader (duplicate keys refused) against ``json.loads``. Both pairs are checked to give
  identical data.
* read: ``infranet.io.read`` (parse, validate every element, build the Topology), against the
  baseline parse of the same file.

Each is timed once, in a fresh process of its own (the file already read into memory).

The exit status is 0 when every pair of results is identical.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]  # the checkout, for runs without installing
KINDS = ("datacenter", "pop", "region")


def _circle_km(p: list[float], q: list[float]) -> float:
    """Great-circle distance on a sphere of the Earth's mean radius (6,371 km); the geodesic on
    the ellipsoid differs by under 0.6%."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*p, *q))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def write_files(n: int, folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """Write the same topology of `n` sites and `n` links as ``big.yaml`` and ``big.json``."""
    rng = random.Random(seed)
    sites, links = [], []
    for i in range(n):
        sites.append({"name": f"site-{i:06d}", "kind": rng.choice(KINDS),
                      "location": [round(rng.uniform(-179, 179), 6),
                                   round(rng.uniform(-80, 80), 6)],
                      "power_mw": rng.randint(10, 900),
                      "description": f"generated site number {i} of a synthetic backbone"})
    for i in range(n):
        a, b = sites[i]["location"], sites[(i + 1) % n]["location"]
        links.append({"a": f"site-{i:06d}", "b": f"site-{(i + 1) % n:06d}",
                      "capacity": "400 Gb/s",
                      # never shorter than the straight line between the sites (the schema
                      # refuses that): 1.3 to 1.6 times the great circle, at least 10 km
                      "length_km": round(max(10.0, _circle_km(a, b) * rng.uniform(1.3, 1.6)), 3),
                      "srlg": [f"conduit-{i % 997}"]})
    spec = {"name": "big", "description": "synthetic backbone for the I/O benchmark",
            "sites": sites, "links": links}
    json_path = folder / "big.json"
    json_path.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    lines = ["name: big", "description: synthetic backbone for the I/O benchmark", "sites:"]
    for s in sites:
        lon, lat = s["location"]
        lines += [f"- name: {s['name']}", f"  kind: {s['kind']}", "  location:",
                  f"  - {lon}", f"  - {lat}", f"  power_mw: {s['power_mw']}",
                  f"  description: {s['description']}"]
    lines.append("links:")
    for link in links:
        lines += [f"- a: {link['a']}", f"  b: {link['b']}", f"  capacity: {link['capacity']}",
                  f"  length_km: {link['length_km']}", "  srlg:", f"  - {link['srlg'][0]}"]
    yaml_path = folder / "big.yaml"
    yaml_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return yaml_path, json_path


# each reader runs in a fresh process: a large heap left by the one before would slow the
# next one's garbage collections and skew the comparison
_TIMED = """
import hashlib, json, sys, time
import yaml
import infranet.io
from infranet.io import native
from infranet.io.files import read_text
what, path = sys.argv[1], sys.argv[2]
infranet.io.read(sys.argv[3])  # first imports, not timed
text = read_text(path)
t0 = time.perf_counter()
if what == "yaml.load":
    data = yaml.load(text, Loader=yaml.CSafeLoader)
elif what == "json.loads":
    data = json.loads(text)
elif what == "load_yaml":
    data = native.load_yaml(text)
elif what == "load_json":
    data = native.load_json(text)
else:
    topo = infranet.io.read(path)
    data = [topo.n_sites, topo.n_links]
seconds = time.perf_counter() - t0
digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
print(seconds, digest)
"""


def _timed(what: str, path: Path, warm_up: Path) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    done = subprocess.run([sys.executable, "-c", _TIMED, what, str(path), str(warm_up)],
                          capture_output=True, text=True, check=True, env=env)
    seconds, digest = done.stdout.split()
    return float(seconds), digest


def _row(label: str, base_name: str, base_s: float, ours_name: str, ours_s: float) -> None:
    ratio = ours_s / base_s
    print(f"{label:<12} {base_name:<24} {base_s:8.3f} s   {ours_name:<18} {ours_s:8.3f} s   "
          f"ratio {ratio:5.2f} ({'faster' if ratio < 1 else 'slower'} by "
          f"{max(ratio, 1 / ratio):.1f}x)")


def run(n: int, folder: Path) -> bool:
    yaml_path, json_path = write_files(n, folder)
    warm_up = folder / "warm-up.yaml"
    warm_up.write_text("name: w\nsites: [{name: a, location: [0, 0]}, {name: b, location: [1, "
                       "1]}]\nlinks: [{a: a, b: b, capacity: 400G}]\n", encoding="utf-8")
    mb = {p.suffix: p.stat().st_size / 1e6 for p in (yaml_path, json_path)}
    print(f"{n:,} sites and {n:,} links: YAML {mb['.yaml']:.1f} MB, JSON {mb['.json']:.1f} MB; "
          "each reader in a fresh process")
    ok = True
    for label, path, base, ours in (("YAML", yaml_path, "yaml.load", "load_yaml"),
                                    ("JSON", json_path, "json.loads", "load_json")):
        base_s, base_digest = _timed(base, path, warm_up)
        ours_s, ours_digest = _timed(ours, path, warm_up)
        ok &= base_digest == ours_digest
        name = "yaml.load(CSafeLoader)" if base == "yaml.load" else "json.loads"
        _row(f"parse {label}", name, base_s, f"native.{ours}", ours_s)
        read_s, _ = _timed("read", path, warm_up)
        _row(f"read {label}", name, base_s, "infranet.io.read", read_s)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 sites, a few seconds")
    parser.add_argument("--sites", type=int, default=None, help="sites (and links) to generate")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the files into this folder and keep them")
    args = parser.parse_args(argv)
    n = args.sites or (2_000 if args.quick else 200_000)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"bench_io: {'quick' if args.quick else 'full'} run, PyYAML {yaml.__version__} "
          f"(libyaml: {yaml.__with_libyaml__}), load average {load:.2f}")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        ok = run(n, args.keep)
    else:
        with tempfile.TemporaryDirectory() as folder:
            ok = run(n, Path(folder))
    print("all results identical" if ok else "MISMATCH between readers")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
