"""A first run from Python: the historical scenario, its famine years beside the record, and a
counterfactual compared with common random numbers.

    .venv/bin/python examples/first_run.py            # scale 0.01, a few seconds
    LEAPSIM_SCALE=0.001 .venv/bin/python examples/first_run.py
"""

from __future__ import annotations

import os

import leapsim


def main() -> None:
    scale = float(os.environ.get("LEAPSIM_SCALE", "0.01"))
    r = leapsim.run("historical", scale=scale, seed=1)
    a = r.annual
    cn = a[(a["region"] == "CN") & (a["series"] == "cdr_permille")]
    print("Crude death rate, China (per 1,000):")
    print(cn[(cn["year"] >= 1957) & (cn["year"] <= 1963)][["year", "value"]].to_string(index=False))
    fit = r.fit_table
    print(f"\n{int(fit['ok'].sum())} of {len(fit)} historical figures inside their accepted band")
    print(f"excess deaths 1959-1961: {r.summary['headline']['excess_deaths_1959_1961'] / 1e6:.1f} million")

    c = leapsim.compare(["historical", "honest-reporting"], runs=2, scale=scale, outcomes=["excess_deaths:1959-1961"])
    print("\nExcess deaths 1959-1961, paired difference from the historical run:")
    print(c.outcomes[["scenario", "mean", "diff_mean", "diff_q05", "diff_q95"]].to_string(index=False))


if __name__ == "__main__":
    main()
