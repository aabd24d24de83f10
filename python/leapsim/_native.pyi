"""The compiled part of leapsim (crates/leapsim-py): the library's runs and jobs, their
results as columns. Use the functions of ``leapsim``, not these."""

from typing import Any, Callable, Sequence

VERSION: str
REVISION: str

Progress = Callable[[int, int], None] | None
Share = str | tuple[str, list[int]] | tuple[str, list[str | None]] | None

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
    share: Share = None,
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
    share: Share = None,
) -> dict[str, Any]: ...
def attribute(
    scenario: str,
    causes: Sequence[str] = (),
    runs: int = 1,
    outcomes: Sequence[str] = (),
    by_province: bool = False,
    permutations: int | None = None,
    scale: float | None = None,
    seed: int | None = None,
    set: Sequence[str] = (),
    out: str | None = None,
    resume: bool = False,
    posterior: str | None = None,
    command: list[str] | None = None,
    progress: Progress = None,
    share: Share = None,
) -> dict[str, Any]: ...
def sweep(
    design: str,
    scenario: str,
    outcomes: Sequence[str] = (),
    scale: float | None = None,
    seed: int | None = None,
    set: Sequence[str] = (),
    out: str | None = None,
    resume: bool = False,
    posterior: str | None = None,
    command: list[str] | None = None,
    progress: Progress = None,
    share: Share = None,
) -> dict[str, Any]: ...
def sensitivity(
    scenario: str,
    ranges: Sequence[str] = (),
    ranges_file: str | None = None,
    method: str = "morris",
    outcomes: Sequence[str] = (),
    trajectories: int = 10,
    levels: int = 4,
    samples: int = 64,
    bootstrap: int = 200,
    runs: int = 1,
    independent_seeds: bool = False,
    pin: bool = False,
    scale: float | None = None,
    seed: int | None = None,
    set: Sequence[str] = (),
    out: str | None = None,
    resume: bool = False,
    command: list[str] | None = None,
    progress: Progress = None,
    share: Share = None,
) -> dict[str, Any]: ...
def calibrate(
    scenario: str,
    settings: str | None = None,
    method: str = "nelder-mead",
    particles: int | None = None,
    generations: int | None = None,
    max_evals: int | None = None,
    seeds: int | None = None,
    scale: float | None = None,
    seed: int | None = None,
    set: Sequence[str] = (),
    out: str | None = None,
    resume: bool = False,
    command: list[str] | None = None,
    progress: Progress = None,
) -> dict[str, Any]: ...
