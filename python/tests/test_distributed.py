"""Jobs spread over an executor or a Dask cluster equal the local run, item for item."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import leapsim

TINY = {"scale": 0.0005, "seed": 3, "set": ["run.end_year=1955"], "progress": False}
OUTCOMES = ["deaths:1954-1955"]


def test_an_ensemble_on_threads_equals_the_local_one() -> None:
    local = leapsim.ensemble(runs=4, outcomes=OUTCOMES, **TINY)  # type: ignore[arg-type]
    with ThreadPoolExecutor(2) as pool:
        spread = leapsim.ensemble(runs=4, outcomes=OUTCOMES, executor=pool, **TINY)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(spread.annual, local.annual)
    pd.testing.assert_frame_equal(spread.outcomes, local.outcomes)
    assert spread.seeds == local.seeds == [3, 4, 5, 6]
    assert spread.manifest["items"] == local.manifest["items"]


def test_the_other_jobs_on_threads_equal_the_local_ones(tmp_path: Path) -> None:
    with ThreadPoolExecutor(2) as pool:
        c = leapsim.compare(["historical", "no-furnaces"], runs=2, outcomes=OUTCOMES, executor=pool, **TINY)  # type: ignore[arg-type]
        s = leapsim.sensitivity(["procurement.rate=0.2:0.4"], trajectories=2, outcomes=OUTCOMES, executor=pool, **TINY)  # type: ignore[arg-type]
        out = tmp_path / "a"
        a = leapsim.attribute(causes=["weather", "reporting"], scale=0.0005, seed=3, out=out, progress=False,
                              executor=pool)
    local_c = leapsim.compare(["historical", "no-furnaces"], runs=2, outcomes=OUTCOMES, **TINY)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(c.annual, local_c.annual)
    pd.testing.assert_frame_equal(c.values, local_c.values)
    local_s = leapsim.sensitivity(["procurement.rate=0.2:0.4"], trajectories=2, outcomes=OUTCOMES, **TINY)  # type: ignore[arg-type]
    assert s.files == local_s.files
    local_a = leapsim.attribute(causes=["weather", "reporting"], scale=0.0005, seed=3, progress=False)
    assert a.files == local_a.files
    assert (out / "attribution.csv").read_bytes() == local_a.files["attribution.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]


def test_an_executor_and_a_client_are_not_both_taken() -> None:
    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(leapsim.InputError, match="not both"):
            leapsim.ensemble(runs=2, executor=pool, client=object(), **TINY)  # type: ignore[arg-type]
        with pytest.raises(leapsim.InputError, match="keep_runs"):
            leapsim.ensemble(runs=2, keep_runs=True, executor=pool, **TINY)  # type: ignore[arg-type]


def test_an_ensemble_of_8_on_a_local_dask_cluster_equals_the_local_one() -> None:
    import distributed
    local = leapsim.ensemble(runs=8, outcomes=OUTCOMES, **TINY)  # type: ignore[arg-type]
    cluster = distributed.LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:  # type: ignore[no-untyped-call]
        spread = leapsim.ensemble(runs=8, outcomes=OUTCOMES, client=client, **TINY)  # type: ignore[arg-type]
        workers = client.run(lambda: 1)
    assert len(workers) == 2
    pd.testing.assert_frame_equal(spread.annual, local.annual)
    pd.testing.assert_frame_equal(spread.outcomes, local.outcomes)
    assert spread.seeds == local.seeds


def test_ctrl_c_stops_a_job_on_an_executor() -> None:
    import _thread
    import threading
    import time

    timer = threading.Timer(0.5, _thread.interrupt_main)
    started = time.perf_counter()
    timer.start()
    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(KeyboardInterrupt):
            leapsim.ensemble(runs=30, scale=0.002, executor=pool, progress=False)
        interrupted = time.perf_counter() - started
    timer.cancel()
    # The runs not yet started were cancelled: the pool closed with at most the running one left.
    assert interrupted < 3 and time.perf_counter() - started < 6
