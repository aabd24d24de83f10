"""The compiled part of leapsim (crates/leapsim-py): the library's runs and jobs, their
results as columns. Use the functions of ``leapsim``, not these."""

from typing import Any, Callable, Sequence

VERSION: str
REVISION: str

Progress = Callable[[int, int], None] | None

def scenarios() -> list[tuple[str, str]]: ...
def params() -> dict[str, list[Any]]: ...
def fmt_value(v: float) -> str: ...
def check(scenario: str, scale: float | None = None, seed: int | None = None, set: Sequence[str] = ()) -> str: ...
def run(
    scenario: str,
    scale: float | None = None,
    seed: int | None = None,
    set: Sequence[str] = (),
    detail: str | None = None,
    progress: Progress = None,
) -> Run: ...

class Run:
    @property
    def name(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def scale(self) -> float: ...
    @property
    def seconds(self) -> float: ...
    def annual(self) -> dict[str, Any]: ...
    def monthly(self) -> dict[str, Any]: ...
    def summary_json(self) -> str: ...
    def manifest_json(self, command: list[str]) -> str: ...
    def detail_csv(self) -> str | None: ...
    def save(self, out: str, command: list[str]) -> list[str]: ...

def ensemble(
    scenario: str,
    runs: int,
    scale: float | None = None,
    seed: int | None = None,
    set: Sequence[str] = (),
    outcomes: Sequence[str] = (),
    keep_runs: bool = False,
    out: str | None = None,
    resume: bool = False,
    posterior: str | None = None,
    command: list[str] | None = None,
    progress: Progress = None,
) -> dict[str, Any]: ...
def compare(
    scenarios: Sequence[str],
    runs: int,
    scale: float | None = None,
    seed: int | None = None,
    set: Sequence[str] = (),
    outcomes: Sequence[str] = (),
    out: str | None = None,
    resume: bool = False,
    posterior: str | None = None,
    command: list[str] | None = None,
    progress: Progress = None,
) -> dict[str, Any]: ...
