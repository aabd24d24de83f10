"""Sobol indices of the excess deaths of 1959-1961 over three parameters with SALib, the runs
done by leapsim (``leapsim.sweep`` over SALib's Saltelli design), beside the indices of
leapsim's own ``leapsim.sensitivity(method="sobol")`` over the same ranges.

    .venv/bin/python examples/salib_sobol.py                    # N = 8: 40 runs each, scale 0.002
    LEAPSIM_SCALE=0.01 LEAPSIM_SAMPLES=64 .venv/bin/python examples/salib_sobol.py

Both pin the varied parameters for the whole run (``--pin``, as ``set=`` does), give every
design point the same seed (common random numbers) and use the same estimators (first order:
Saltelli 2010; total: Jansen 1999's); they differ in the design (SALib: a scrambled Sobol'
sequence; leapsim: plain uniform draws), and in the bootstrap of the intervals (100 resamples
against 200).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

import leapsim

OUTCOME = "excess_deaths:1959-1961"
RANGES = {  # around the historical scenario's values (docs/sensitivity.md's worked example)
    "food.kcal_need_per_day": (1650.0, 1800.0),
    "procurement.enforcement": (0.1, 0.5),
    "demography.hunger_mortality_slope": (6.0, 11.0),
}
KEYS = list(RANGES)
FIXED = {"run.end_year": 1962}
"""The runs stop after the famine: the outcome needs no later year."""


def problem() -> dict[str, Any]:
    """SALib's problem: the three parameters and their ranges, checked against leapsim's
    registry (each must lie inside the parameter's own)."""
    p = leapsim.params().set_index("key")
    for k, (lo, hi) in RANGES.items():
        assert p.loc[k, "min"] <= lo < hi <= p.loc[k, "max"], k
    return {"num_vars": len(KEYS), "names": KEYS, "bounds": [list(RANGES[k]) for k in KEYS]}


def design_file(samples: np.ndarray, path: Path) -> Path:
    """The samples as a sweep's list design (one ``[[point]]`` per row, one seed each)."""
    lines = ['[design]\nkind = "list"\nseeds = 1\n']
    for row in samples:
        lines.append("[[point]]\n" + "".join(f"{k} = {float(v)!r}\n" for k, v in zip(KEYS, row)))
    path.write_text("\n".join(lines))
    return path


def salib_indices(scale: float, n: int) -> pd.DataFrame:
    """Saltelli's design by SALib, every point run by ``leapsim.sweep``, indices by SALib."""
    prob = problem()
    samples = sobol_sample.sample(prob, n, calc_second_order=False, seed=1)
    with tempfile.TemporaryDirectory() as d:
        s = leapsim.sweep(design_file(samples, Path(d) / "saltelli.toml"), outcomes=[OUTCOME], scale=scale, seed=1,
                          set=FIXED, progress=False)
    y = s.table.sort_values("point")[OUTCOME].to_numpy(dtype=float)
    found = sobol_analyze.analyze(prob, y, calc_second_order=False, seed=1)
    columns = {"s1": "S1", "s1_conf": "S1_conf", "st": "ST", "st_conf": "ST_conf"}
    frame: pd.DataFrame = pd.DataFrame({"parameter": KEYS})
    for ours, theirs in columns.items():
        frame[ours] = np.asarray(found[theirs], dtype=float)
    return frame


def leapsim_indices(scale: float, n: int) -> pd.DataFrame:
    """The same indices by ``leapsim.sensitivity(method="sobol")`` (its own design and estimators)."""
    m = leapsim.sensitivity(RANGES, method="sobol", samples=n, pin=True, outcomes=[OUTCOME], scale=scale, seed=1,
                            set=FIXED, progress=False)
    t = m.table
    frame: pd.DataFrame = t[t["outcome"] == OUTCOME][["parameter", "s1", "s1_conf", "st", "st_conf"]]
    frame.index = pd.RangeIndex(len(frame))
    return frame


def main() -> None:
    scale = float(os.environ.get("LEAPSIM_SCALE", "0.002"))
    n = int(os.environ.get("LEAPSIM_SAMPLES", "8"))
    print(f"Sobol indices of {OUTCOME}, N = {n} ({n * (len(KEYS) + 2)} runs each), scale {scale}")
    with pd.option_context("display.float_format", "{:.3f}".format, "display.width", 120):
        print("\nSALib (Saltelli sampling, sobol.analyze), runs by leapsim.sweep:")
        print(salib_indices(scale, n).to_string(index=False))
        print("\nleapsim.sensitivity(method='sobol', pin=True):")
        print(leapsim_indices(scale, n).to_string(index=False))


if __name__ == "__main__":
    main()
