"""An ensemble on a Dask cluster: here a LocalCluster of 2 workers on this machine (loopback
only); on a real cluster, connect the Client to its scheduler instead (docs/python.md).

    .venv/bin/python examples/dask_ensemble.py
    LEAPSIM_SCALE=0.001 .venv/bin/python examples/dask_ensemble.py
"""

from __future__ import annotations

import os
import time

from dask.distributed import Client, LocalCluster

import leapsim


def main() -> None:
    scale = float(os.environ.get("LEAPSIM_SCALE", "0.01"))
    os.environ["RAYON_NUM_THREADS"] = "1"  # one core per worker process (they inherit it)
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    )
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        started = time.perf_counter()
        e = leapsim.ensemble("historical", runs=8, scale=scale, client=client, outcomes=["excess_deaths:1959-1961"])
        seconds = time.perf_counter() - started
    print(f"8 runs on 2 workers in {seconds:.1f} s")
    print(e.outcomes[["outcome", "q05", "q50", "q95"]].to_string(index=False))


if __name__ == "__main__":
    main()
