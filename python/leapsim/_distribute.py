"""Multi-run jobs spread over an executor: any ``concurrent.futures.Executor`` (threads,
processes) or a Dask cluster (``client=``, a ``distributed.Client``).

No job is orchestrated here. The job's library function is called three times with the same
request: once to count its work items (a plan), once per item on the executor's workers to run
that item and return its result as the work store keeps it, and once here with every item's
result, which it merges exactly as if it had run the items itself (in item order). So the
result is the same, item for item, as a local run's. Every worker must be able to import
leapsim and to read the scenario and input files at the paths given.
"""

from __future__ import annotations

from concurrent.futures import Executor, Future, as_completed
from typing import Any, Callable

from . import _native, _progress
from .errors import InputError


def _work(function: str, kwargs: dict[str, Any], items: list[int]) -> list[tuple[int, str]]:
    """On a worker: run ``items`` of the job and return their results (item, JSON text)."""
    found: dict[str, Any] = getattr(_native, function)(**kwargs, share=("run", items))
    values: list[tuple[int, str]] = found["values"]
    return values


def execute(
    function: str,
    kwargs: dict[str, Any],
    executor: Executor | None,
    client: Any,
    bar: Callable[[], Any],
) -> dict[str, Any]:
    """Run job ``function`` of the native module with ``kwargs``: here (on all cores), or its
    items spread over ``executor`` or Dask ``client``; ``bar()`` makes the progress bar."""
    native = getattr(_native, function)
    if executor is None and client is None:
        with bar() as callback:
            result: dict[str, Any] = native(**kwargs, progress=callback)
        return result
    if executor is not None and client is not None:
        raise InputError("give executor= or client=, not both")
    pool: Executor = client.get_executor() if executor is None else executor
    worker = {**kwargs, "out": None, "resume": False}
    plan = native(**worker, share="plan")
    total = int(plan["items"])
    values: list[str | None] = [None] * total
    futures: list[Future[list[tuple[int, str]]]] = [pool.submit(_work, function, worker, [i]) for i in range(total)]
    try:
        with bar() as callback:
            for done, future in enumerate(as_completed(futures), 1):
                for i, value in future.result():
                    values[i] = value
                if callback is not None:
                    callback(done, total)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    merged: dict[str, Any] = native(**kwargs, share=("given", values))
    return merged
