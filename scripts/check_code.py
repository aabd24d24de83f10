"""Size limits that keep the code readable (run by scripts/test):

- no function outside tests is longer than 100 lines, anywhere in the workspace;
- each command file of the command line (crates/leapsim-cli/src, but main.rs and work.rs) is
  about 100 lines at most (110), and the whole CLI crate under 1,200: the command line only
  parses arguments into requests and prints results; the work lives in the library.

A function is counted from its `fn` line to its closing brace; a `#[cfg(test)]` module and the
`tests/` folders are not counted.
"""
import glob
import re
import sys

FN = re.compile(r"\s*(pub(\([^)]*\))?\s+)?(const\s+)?(unsafe\s+)?fn\s+(\w+)")


def long_functions(path, limit=100):
    src = open(path, encoding="utf-8").read()
    cut = src.find("#[cfg(test)]")
    lines = (src[:cut] if cut >= 0 else src).split("\n")
    for n, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        depth, opened = 0, False
        for k in range(n, len(lines)):
            depth += lines[k].count("{") - lines[k].count("}")
            opened = opened or "{" in lines[k]
            if not opened and lines[k].rstrip().endswith(";"):
                break
            if opened and depth <= 0:
                if k - n + 1 > limit:
                    yield f"{path}:{n + 1}: fn {m.group(5)} is {k - n + 1} lines (at most {limit})"
                break


def main():
    problems = []
    for path in sorted(glob.glob("crates/*/src/**/*.rs", recursive=True)):
        problems += list(long_functions(path))
    cli = sorted(glob.glob("crates/leapsim-cli/src/*.rs"))
    total = 0
    for path in cli:
        n = sum(1 for _ in open(path, encoding="utf-8"))
        total += n
        if not path.endswith(("main.rs", "work.rs")) and n > 110:
            problems.append(f"{path}: {n} lines; a command file is about 100 at most (110)")
    if total >= 1200:
        problems.append(f"crates/leapsim-cli/src: {total} lines; the command line stays under 1,200")
    for p in problems:
        print(p)
    print(f"code size check: {len(problems)} problem(s); CLI crate {total} lines")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
