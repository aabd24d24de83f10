#!/usr/bin/env python3
"""Every provincial input with its source (standard library only; CI runs it).

For each provincial table in data/:
- its rows are sorted by province code, in the order of the GB/T 2260 division codes
  (11 Beijing ... 65 Xinjiang): the order of China's statistical yearbooks and of the model's
  province ids (data/provinces.csv). Rows of one province keep their own order;
- every row that holds a figure names its source; a row without a figure says why in its notes;
- the table lists, per file, which provinces it covers and from which sources.

It also finds provincial constants in the code: a province code ("CN-XX") written in a Rust
source outside its tests is an input that bypasses data/, and fails the check unless it is
listed in ALLOWED below with the reason it is not an input.

Prints the list of every provincial input and its sources. Exits 1 on any failure, naming the
file, line and what was expected.

Usage: python3 data/check_provincial_inputs.py
"""
import csv
import os
import re
import sys
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# GB/T 2260 division codes of the 28 units the model simulates (Tibet is out of scope).
GB = OrderedDict([
    ("CN-BJ", 11), ("CN-TJ", 12), ("CN-HE", 13), ("CN-SX", 14), ("CN-NM", 15), ("CN-LN", 21),
    ("CN-JL", 22), ("CN-HL", 23), ("CN-SH", 31), ("CN-JS", 32), ("CN-ZJ", 33), ("CN-AH", 34),
    ("CN-FJ", 35), ("CN-JX", 36), ("CN-SD", 37), ("CN-HA", 41), ("CN-HB", 42), ("CN-HN", 43),
    ("CN-GD", 44), ("CN-GX", 45), ("CN-SC", 51), ("CN-GZ", 52), ("CN-YN", 53), ("CN-SN", 61),
    ("CN-GS", 62), ("CN-QH", 63), ("CN-NX", 64), ("CN-XJ", 65),
])

# Provincial tables: file -> (code column, columns that hold the figures). A row is "with a
# figure" if any of those columns is non-empty.
TABLES = OrderedDict([
    ("provinces.csv", ("code", ["value"])),
    ("provinces_1953_1957.csv", ("code", ["population_10k", "urban_population_10k", "grain_output_10k_t"])),
    ("provinces_baseline_cdr_1954_1957.csv", ("code", ["cdr_permille"])),
    ("provinces_grain_1953_1966.csv", ("code", ["grain_output_10k_t"])),
    ("provinces_other.csv", ("code", ["value"])),
    ("urban_population.csv", ("region", ["urban_population_10k"])),
    ("weather_provinces.csv", ("code", ["affected_kha", "seriously_affected_kha", "sown_kha"])),
    ("leaders.csv", ("code", ["cc_status_1958"])),
])

# Sources that say no figure was found: allowed only on rows without a figure.
NO_SOURCE = {"", "none found"}
# Values that stand for "no figure" (a leader's rank not found in any source).
NO_FIGURE = {"", "unknown"}

# Province codes the code may name, and why they are not inputs.
ALLOWED = {
    ("crates/leapsim-cli/src/run.rs", "CN-HA"):
        "the province whose commune `leapsim run --detail` shows by default: a display choice",
}


def included_files():
    """data/ files the program embeds (include_str!), so the model or its checks read them."""
    found = set()
    for dirpath, _, files in os.walk(os.path.join(ROOT, "crates")):
        for f in files:
            if f.endswith(".rs"):
                text = open(os.path.join(dirpath, f), encoding="utf-8").read()
                found.update(re.findall(r'include_str!\("(?:\.\./)+data/([^"]+)"\)', text))
    return found


def check_table(name, code_col, figure_cols, errors):
    path = os.path.join(HERE, name)
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in [code_col, "source"] + figure_cols if c not in (reader.fieldnames or [])]
        if missing:
            errors.append(f"data/{name}: no column {missing}; columns are {reader.fieldnames}")
            return None
        rows = list(enumerate(reader, start=2))
    order, sources = [], OrderedDict()
    covered = set()
    for line, r in rows:
        code = r[code_col]
        if code == "CN" and code_col == "region":
            continue  # the national rows of a mixed table
        if code not in GB:
            errors.append(f"data/{name} line {line}: unknown province code {code!r}")
            continue
        if order and GB[code] < GB[order[-1]]:
            errors.append(f"data/{name} line {line}: {code} after {order[-1]}: "
                          "expected rows sorted by province code (GB/T 2260 order)")
        if not order or order[-1] != code:
            if code in order:
                errors.append(f"data/{name} line {line}: {code}'s rows are not together")
            order.append(code)
        has_figure = any((r[c] or "").strip().lower() not in NO_FIGURE for c in figure_cols)
        src = (r["source"] or "").strip()
        if has_figure:
            if src.lower() in NO_SOURCE:
                errors.append(f"data/{name} line {line}: {code} has a figure but no source")
            covered.add(code)
            sources.setdefault(src, set()).add(code)
        elif not (r.get("notes") or "").strip():
            errors.append(f"data/{name} line {line}: {code} has no figure and no note saying why")
    return covered, sources


def code_constants(errors):
    """Province codes written in Rust sources outside their tests."""
    hits = []
    for dirpath, _, files in os.walk(os.path.join(ROOT, "crates")):
        if os.sep + "tests" in dirpath or os.sep + "benches" in dirpath or "target" in dirpath:
            continue
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, ROOT)
            text = open(path, encoding="utf-8").read()
            text = text.split("#[cfg(test)]")[0]
            for i, line in enumerate(text.splitlines(), start=1):
                if line.lstrip().startswith("//"):
                    continue
                for code in re.findall(r'"(CN-[A-Z]{2})"', line):
                    if (rel, code) in ALLOWED:
                        hits.append((rel, i, code, ALLOWED[(rel, code)]))
                    else:
                        errors.append(f"{rel} line {i}: province constant {code} in the code; "
                                      "expected provincial inputs in data/ with a source")
    return hits


def main():
    errors = []
    embedded = included_files()
    print("Provincial inputs and their sources (tables sorted by GB/T 2260 province code)\n")
    for name, (code_col, figure_cols) in TABLES.items():
        result = check_table(name, code_col, figure_cols, errors)
        if result is None:
            continue
        covered, sources = result
        use = "read by the program" if name in embedded else "reference only (not read by the program)"
        absent = [c for c in GB if c not in covered]
        print(f"data/{name}: {len(covered)} of {len(GB)} provinces with figures; {use}")
        if absent:
            print(f"  without a figure: {' '.join(absent)}")
        for src, codes in sources.items():
            print(f"  {len(codes):2d} provinces: {src}")
    for name in sorted(embedded):
        if name.startswith("province") and name not in TABLES:
            errors.append(f"data/{name} is read by the program but not checked here: add it to TABLES")
    print("\nProvince codes in the code (outside tests):")
    hits = code_constants(errors)
    for rel, line, code, why in hits:
        print(f"  {rel} line {line}: {code}: {why}")
    if not hits:
        print("  none")
    if errors:
        print("\nFAILED:")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("\nOK: every provincial figure names its source; no unsourced provincial constant in the code")


if __name__ == "__main__":
    main()
