"""Progress bars: tqdm (its notebook widget in Jupyter, text in a terminal), fed by the native
module's progress callback (called on the calling thread, with the GIL held)."""

from __future__ import annotations

from typing import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def bar(show: bool, label: str, unit: str) -> Iterator[Callable[[int, int], None] | None]:
    """A ``callback(done, total)`` that moves a tqdm bar (None when ``show`` is false)."""
    if not show:
        yield None
        return
    from tqdm.auto import tqdm

    pbar = tqdm(total=0, desc=label, unit=unit, leave=False)

    def callback(done: int, total: int) -> None:
        if pbar.total != total:
            pbar.total = total
        pbar.n = done
        pbar.refresh()

    try:
        yield callback
    finally:
        pbar.close()
