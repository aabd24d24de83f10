"""A counterfactual compared with history: the historical scenario beside a built-in
counterfactual (``honest-reporting`` by default: cadres report the true harvest), with common
random numbers, and a plot of the crude death rate of both (with matplotlib, if installed).

    .venv/bin/python examples/counterfactual.py                       # 3 seeds, scale 0.01
    LEAPSIM_SCALE=0.002 LEAPSIM_COUNTERFACTUAL=no-exports .venv/bin/python examples/counterfactual.py

The plot goes to ``LEAPSIM_PLOT`` (default ``counterfactual.png`` in the current directory;
empty: no plot). ``leapsim.scenarios()`` lists the counterfactuals.
"""

from __future__ import annotations

import os

import pandas as pd

import leapsim

OUTCOMES = ["excess_deaths:1959-1961", "cdr_permille:1958-1962:max", "grain_procured_mt:1959"]


def plot(annual: pd.DataFrame, names: list[str], path: str) -> bool:
    """The national crude death rate of each scenario (mean and 5-95% band over the seeds),
    saved to ``path``; False if matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    cdr = annual[(annual["region"] == "CN") & (annual["series"] == "cdr_permille")]
    fig, ax = plt.subplots(figsize=(7, 4))
    for name in names:
        s = cdr[cdr["scenario"] == name]
        ax.plot(s["year"], s["value"], label=name)
        if "q05" in s.columns:
            ax.fill_between(s["year"], s["q05"], s["q95"], alpha=0.2)
    ax.set_xlabel("year")
    ax.set_ylabel("crude death rate (per 1,000)")
    ax.set_title("China: history and a counterfactual")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def main() -> None:
    scale = float(os.environ.get("LEAPSIM_SCALE", "0.01"))
    counterfactual = os.environ.get("LEAPSIM_COUNTERFACTUAL", "honest-reporting")
    path = os.environ.get("LEAPSIM_PLOT", "counterfactual.png")
    described = leapsim.scenarios().set_index("name")["description"]
    print(f"{counterfactual}: {described[counterfactual]}")
    c = leapsim.compare(["historical", counterfactual], runs=3, scale=scale, seed=1, outcomes=OUTCOMES)
    print(f"\n{len(c.seeds)} seeds each at scale {scale}; the difference is paired seed by seed:")
    with pd.option_context("display.float_format", "{:.4g}".format, "display.width", 120):
        print(c.outcomes[["outcome", "scenario", "mean", "diff_mean", "diff_q05", "diff_q95"]].to_string(index=False))
    if path and plot(c.annual, c.names, path):
        print(f"\nplot: {path}")
    elif path:
        print("\n(no plot: matplotlib is not installed)")


if __name__ == "__main__":
    main()
