"""A study on a Dask distributed cluster: here a LocalCluster on this machine.

Starts a LocalCluster of two worker processes, runs the shipped route-factor study
(examples/studies/route-factor.yaml: every single cut and shared-risk failure of the Texas
ring, for three route factors) on it, writes the rows as Parquet parts as they arrive, checks
they are the rows of a serial run, and prints the rate. On a real cluster, give the
scheduler's address instead of a client: run(study, scheduler="tcp://host:8786"), or
`infranet sweep STUDY.yaml -o rows.parquet --scheduler tcp://host:8786`.

    python examples/dask_local_cluster.py
"""

import tempfile
import time
from pathlib import Path

from distributed import Client, LocalCluster

from infranet.studies.sweep import read_results, read_study, run

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    # the workers are new processes: start the cluster only under __main__
    study = read_study(ROOT / "examples" / "studies" / "route-factor.yaml")
    serial = run(study)
    with (LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                       dashboard_address=None) as cluster, Client(cluster) as client,
          tempfile.TemporaryDirectory() as folder):
        print(f"Dask cluster at {cluster.scheduler_address}: "
              f"{len(client.scheduler_info()['workers'])} workers")
        out = Path(folder) / "route-factor.parquet"
        started = time.perf_counter()
        rows = run(study, scheduler=client, output=out)
        took = time.perf_counter() - started
        parts = sorted(p.name for p in out.iterdir())
        back = read_results(out)
    same = rows.drop(columns="wall_s").equals(serial.drop(columns="wall_s"))
    print(f"{len(rows)} scenarios on the cluster in {took:.2f} s "
          f"({len(rows) / took:.0f} scenarios/s), {rows['error'].notna().sum()} with an error")
    print(f"written as {len(parts)} Parquet part(s) ({parts[0]}, ...), {len(back)} rows read "
          "back")
    print("rows identical to a serial run" if same else "ROWS DIFFER from a serial run")
    worst = rows.sort_values("max_rtt.ms", ascending=False).iloc[0]
    print(f"worst single failure: {worst['failure']} at route factor "
          f"{worst['defaults.route_factor']}: worst RTT {worst['max_rtt.ms']:.2f} ms")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
