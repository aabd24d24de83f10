"""Run leapsim's benchmark cases and print one table (called by scripts/bench).

Cases: the default scale; full scale on all threads and on one; a ladder of scales for the
scaling exponent; and small runs in a batch (`--small`), as calibration and ensembles make them. Each row gives wall and simulate time, peak memory, person-months per second,
and the floor: the bytes of model state a step touches times the months simulated, over the
streaming-read bandwidth measured just before on this machine. The ratio is simulate / floor.
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import time

BIN = "target/release/leapsim"


def bandwidth(gib):
    out = subprocess.run([BIN, "bandwidth", "--gib", str(gib)], check=True, capture_output=True, text=True).stdout
    # "streaming read: 9.87 GB/s (...)"
    return float(out.split(":")[1].split()[0]) * 1e9, out.strip()


def run(scale, threads, work, binary=BIN):
    out = os.path.join(work, f"run-{scale}-{threads}")
    env = dict(os.environ)
    if threads:
        env["RAYON_NUM_THREADS"] = str(threads)
    start = time.monotonic()
    cmd = [binary, "run", "historical", "--scale", str(scale), "--seed", "1", "--out", out, "-q"]
    subprocess.run(cmd, check=True, env=env)
    wall = time.monotonic() - start
    with open(os.path.join(out, "manifest.json")) as f:
        m = json.load(f)
    months = 12 * (int(m["params"]["run.end_year"]) - 1953 + 1)
    return {
        "scale": scale,
        "threads": m["threads"],
        "wall": wall,
        "simulate": m["timings_seconds"]["simulate"],
        "peak_gib": (m.get("peak_memory_bytes") or 0) / 2**30,
        "person_months": m["person_months"],
        "touched": m["state_bytes"] * months,
    }


def small_runs(scales=(0.001, 0.002), runs=16):
    """Runs per second at small scales, in one batch (`leapsim ensemble`, all threads), beside a
    single run's own timings on one thread: what a run costs beyond its months (world building,
    data parsing, tables) is the share of its total time not spent simulating."""
    print(f"small runs: a batch of {runs} ensemble runs per scale on all threads, and one run on one thread")
    fmt = "{:>6} {:>7} {:>9} {:>9} {:>11} {:>8} {:>13}"
    print(fmt.format("scale", "runs/s", "s per run", "build s", "simulate s", "total s", "outside steps"))
    with tempfile.TemporaryDirectory() as work:
        for scale in scales:
            one = os.path.join(work, f"one-{scale}")
            cmd = [BIN, "run", "historical", "--scale", str(scale), "--seed", "1", "--out", one, "-q", "--threads", "1"]
            subprocess.run(cmd, check=True)
            with open(os.path.join(one, "manifest.json")) as f:
                t = json.load(f)["timings_seconds"]
            out = os.path.join(work, f"batch-{scale}")
            start = time.monotonic()
            cmd = [BIN, "ensemble", "historical", "--scale", str(scale), "--runs", str(runs), "--out", out, "-q"]
            subprocess.run(cmd, check=True)
            wall = time.monotonic() - start
            print(
                fmt.format(
                    f"{scale:g}",
                    f"{runs / wall:.2f}",
                    f"{wall / runs:.3f}",
                    f"{t['build']:.3f}",
                    f"{t['simulate']:.3f}",
                    f"{t['total']:.3f}",
                    f"{1 - t['simulate'] / t['total']:.1%}",
                ),
                flush=True,
            )


def compare(old, new, scale, runs):
    """Two builds, alternated on this machine (old, new, old, new, ...): a timing claim between
    builds is only as good as the conditions they share."""
    walls = {old: [], new: []}
    with tempfile.TemporaryDirectory() as work:
        for i in range(runs):
            for b in (old, new):
                r = run(scale, None, work, b)
                walls[b].append(r["wall"])
                print(f"run {i + 1} {b}: wall {r['wall']:.2f} s, simulate {r['simulate']:.2f} s", flush=True)
    mean = {b: sum(w) / len(w) for b, w in walls.items()}
    print(f"scale {scale:g}, {runs} alternated runs each: old {mean[old]:.2f} s, new {mean[new]:.2f} s")
    print(f"new / old wall time: {mean[new] / mean[old]:.3f}")


def main():
    args = sys.argv[1:]
    if "--compare" in args:
        i = args.index("--compare")
        old, new = args[i + 1], args[i + 2]
        scale = float(args[args.index("--scale") + 1]) if "--scale" in args else 1.0
        runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 2
        return compare(old, new, scale, runs)
    if "--small" in args:
        return small_runs()
    quick = "--quick" in args
    if "--scales" in args:
        scales = [float(s) for s in args[args.index("--scales") + 1].split()]
        cases = [("scale", s, None) for s in scales]
    elif quick:
        cases = [("default", 0.01, None)]
    else:
        cases = [("default", 0.01, None), ("full", 1.0, None), ("full, 1 thread", 1.0, 1)]
        cases += [("scaling", s, None) for s in (0.001, 0.003, 0.03, 0.1, 0.3)]
    bw, line = bandwidth(0.5 if quick else 2)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")) / 2**20
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {os.cpu_count()} cores, {mem:.0f} GiB, {cpu}")
    print(f"revision: {rev or 'unknown'}; {line}")
    head = ("case", "scale", "thr", "wall s", "simulate s", "peak GiB", "p-months/s", "floor s", "ratio")
    fmt = "{:<16} {:>6} {:>3} {:>8} {:>10} {:>8} {:>11} {:>8} {:>6}"
    print(fmt.format(*head))
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name, scale, threads in cases:
            r = run(scale, threads, work)
            r["case"] = name
            floor = r["touched"] / bw
            rows.append(r)
            print(
                fmt.format(
                    name,
                    f"{scale:g}",
                    r["threads"],
                    f"{r['wall']:.2f}",
                    f"{r['simulate']:.2f}",
                    f"{r['peak_gib']:.2f}",
                    f"{r['person_months'] / r['simulate']:.3e}",
                    f"{floor:.2f}",
                    f"{r['simulate'] / floor:.1f}",
                ),
                flush=True,
            )
    # The ladder: one run per scale on all threads.
    all_threads = max(r["threads"] for r in rows)
    ladder = sorted({r["scale"]: r for r in rows if r["threads"] == all_threads}.values(), key=lambda r: r["scale"])
    if len(ladder) >= 3:
        xs = [math.log(r["scale"]) for r in ladder]
        ys = [math.log(r["wall"]) for r in ladder]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        print(f"scaling: wall time grows as scale^{slope:.2f} from {ladder[0]['scale']:g} to {ladder[-1]['scale']:g}")
    full = [r for r in rows if r["scale"] == 1.0]
    if len(full) == 2:
        one = next(r for r in full if r["threads"] == 1)
        many = next(r for r in full if r["threads"] != 1)
        print(f"threads: {many['threads']} threads are {one['simulate'] / many['simulate']:.2f}x faster than 1 at full scale")
    if not quick and "--scales" not in args:
        small_runs()


if __name__ == "__main__":
    main()
