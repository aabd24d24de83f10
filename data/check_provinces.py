#!/usr/bin/env python3
"""Check data/provinces.csv (standard library only).

Checks: every province has every variable exactly once; values numeric; flags are 0/1; confidence is high/medium/low and
source is non-empty; summer_grain_share within 0-1; cotton sum within +/-2% of 164
(10k t); cultivated-area sum within +/-5% of 11180 (10k ha). Prints the provincial sums
next to the national totals from national.csv. Exits 1 if any check fails.

Usage: python3 data/check_provinces.py [path/to/provinces.csv]
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "provinces.csv")

CODES = ["CN-BJ", "CN-TJ", "CN-HE", "CN-SX", "CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-SH", "CN-JS",
         "CN-ZJ", "CN-AH", "CN-FJ", "CN-JX", "CN-SD", "CN-HA", "CN-HB", "CN-HN", "CN-GD", "CN-GX",
         "CN-SC", "CN-GZ", "CN-YN", "CN-SN", "CN-GS", "CN-QH", "CN-NX", "CN-XJ"]
VARS = ["population_1953", "urban_population_1953", "population_1957", "urban_population_1957",
        "grain_output_1955_1957", "cultivated_area_1957", "summer_grain_share", "cotton_output_1957",
        "pacesetter"]
COLUMNS = ["code", "name", "variable", "value", "unit", "source", "confidence", "notes"]
MAY_BE_EMPTY: set = set()
FLAGS = {"pacesetter"}

# national references (national.csv / brief)
NAT = {
    "population_1953": 58796.0,        # year-end 1953, 587.96 million
    "population_1957": 64653.0,        # year-end 1957, 646.53 million
    "grain_output_1955_1957": 19058.0, # mean of 183.94, 192.75, 195.05 Mt
    "cultivated_area_1957": 11180.0,   # 111.8 Mha (NBS)
    "cotton_output_1957": 164.0,       # 1.64 Mt lint
}
TOL = {"cotton_output_1957": 0.02, "cultivated_area_1957": 0.05}

errors = []
with open(PATH, newline="") as f:
    reader = csv.DictReader(f)
    if reader.fieldnames != COLUMNS:
        errors.append(f"columns are {reader.fieldnames}, expected {COLUMNS}")
    rows = list(reader)

data = {}
for i, r in enumerate(rows, start=2):
    key = (r["code"], r["variable"])
    if r["code"] not in CODES:
        errors.append(f"line {i}: unexpected province code {r['code']!r}")
    if r["variable"] not in VARS:
        errors.append(f"line {i}: unexpected variable {r['variable']!r}")
    if key in data:
        errors.append(f"line {i}: duplicate {key}")
    if r["confidence"] not in ("high", "medium", "low"):
        errors.append(f"line {i}: confidence {r['confidence']!r}")
    if not r["source"].strip():
        errors.append(f"line {i}: empty source")
    v = r["value"].strip()
    if v == "":
        if r["variable"] not in MAY_BE_EMPTY:
            errors.append(f"line {i}: empty value for {key}")
        data[key] = None
        continue
    try:
        x = float(v)
    except ValueError:
        errors.append(f"line {i}: non-numeric value {v!r} for {key}")
        data[key] = None
        continue
    if x != x or x in (float("inf"), float("-inf")):
        errors.append(f"line {i}: non-finite value for {key}")
    if r["variable"] in FLAGS and x not in (0.0, 1.0):
        errors.append(f"line {i}: flag {key} = {v}, expected 0 or 1")
    if r["variable"] == "summer_grain_share" and not (0.0 <= x <= 1.0):
        errors.append(f"line {i}: summer_grain_share {x} outside 0-1")
    if r["variable"] not in FLAGS and r["variable"] != "summer_grain_share" and x < 0:
        errors.append(f"line {i}: negative value for {key}")
    data[key] = x

for c in CODES:
    for v in VARS:
        if (c, v) not in data:
            errors.append(f"missing {v} for {c}")


def total(var):
    return sum(data.get((c, var)) or 0.0 for c in CODES)


print(f"{'variable':26s} {'provinces':>10s} {'national':>10s} {'ratio':>7s}")
for var in ["population_1953", "population_1957", "grain_output_1955_1957",
            "cultivated_area_1957", "cotton_output_1957"]:
    s, n = total(var), NAT[var]
    print(f"{var:26s} {s:10.1f} {n:10.1f} {s / n:7.3f}")
    if var in TOL and abs(s / n - 1) > TOL[var]:
        errors.append(f"{var}: sum {s:.1f} not within +/-{TOL[var]:.0%} of {n}")
for var in ["urban_population_1953", "urban_population_1957"]:
    print(f"{var:26s} {total(var):10.1f}")

# weighted national summer share (report; should be 0.2-0.3)
for w in ("population_1957", "grain_output_1955_1957"):
    num = sum((data.get((c, "summer_grain_share")) or 0) * (data.get((c, w)) or 0) for c in CODES)
    den = total(w)
    print(f"summer_grain_share weighted by {w}: {num / den:.3f}")
print("pacesetters:", [c for c in CODES if data.get((c, "pacesetter")) == 1.0])
lows = sum(1 for r in rows if r["confidence"] == "low")
print(f"rows: {len(rows)} ({len(CODES)} provinces x {len(VARS)} variables expected = {len(CODES) * len(VARS)}); low-confidence rows: {lows}")

if errors:
    print("\nFAILED:")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print("\nOK")
