"""Scale benchmark: the seed-scale case (28.8 million exchanges) against a bare-scan floor.

For each size, in the same run and each in its own child process (peak RSS is that
process's own, the figure ``/usr/bin/time -v`` prints as "Maximum resident set size"):

  (a) the floor: a bare polars lazy scan of the same Parquet files that reads the
      columns the scan uses and groups by account;
  (b) ``extractscan scan`` (the CLI, JSON report), optionally with ``--memory-limit``;

then ``extractscan evaluate`` on (b)'s report. Prints wall time, rows/s, peak RSS, the
ratio b/a and detection quality, and writes the "Scale" section of
``benchmarks/RESULTS.md`` (other sections are kept).

Usage::

    python benchmarks/scale.py                              # 1M, 4M, 8M, 28.8M rows
    python benchmarks/scale.py --sizes 1000000,4000000 --seed 2
    python benchmarks/scale.py --sizes 28800000 --memory-limit 4G
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # the package, not a namespace

from run import CHILD, DATA, FLOOR, machine, replace_section  # noqa: E402

from extractscan.lab.evaluate import evaluate  # noqa: E402
from extractscan.lab.simulate import simulate  # noqa: E402
from extractscan.run.memory import auto_memory_limit  # noqa: E402

#: The scan child: ``extractscan.scan`` with a progress callback that times each stage
#: (the same stages the CLI shows), then the JSON report, as ``extractscan scan
#: --format json -o`` writes it. Prints ``STAGES {json}``.
SCAN = """
import io, json, sys, time
import extractscan
from extractscan import report
from extractscan.cli.main import parse_memory_limit
src, accounts, out, limit = sys.argv[1:5]
spent, now = {}, [time.perf_counter(), "opening files"]
def tell(stage, rows):
    name = stage.split(":")[0].split(" (pass")[0]
    if name.startswith("reading") and "file(s)" in name:
        name = "opening files"
    elif name.startswith("reading") or name == "aggregating rows":
        name = "reading rows"
    if name != now[1]:
        t = time.perf_counter()
        spent[now[1]] = spent.get(now[1], 0.0) + t - now[0]
        now[:] = [t, name]
f = extractscan.scan(src, accounts=accounts, progress=tell,
                     memory_limit=parse_memory_limit(limit))
tell("writing the report", None)
buf = io.StringIO()
report.render(f, "json", buf, top=None, quiet=False, color=False)
open(out, "w", encoding="utf-8").write(buf.getvalue())
tell("done", None)
print("STAGES " + json.dumps(spent))
"""

SEED_SCALE = 28_800_000


def measure(
    code: str, *args: str, root: Path | None = None
) -> tuple[float, float, dict[str, float]]:
    """Run ``code`` in a child process: (wall seconds, peak RSS in MiB, stage seconds);
    with ``root``, importing the package from that checkout instead of this one."""
    env = None if root is None else {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, code, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=root or ROOT,
        env=env,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    _, wall, rss_kib = line.split()
    stages = next((x for x in out.splitlines() if x.startswith("STAGES ")), "STAGES {}")
    return float(wall), int(rss_kib) / 1024, json.loads(stages.removeprefix("STAGES "))


def dataset(rows: int, seed: int) -> Path:
    """Simulated Parquet parts for (rows, seed), generated once under bench-data/."""
    out = DATA / f"scale-r{rows}-s{seed}"
    if not (out / "truth.csv").exists():
        t = time.perf_counter()
        simulate(rows, seed, out, fmt="parquet")
        print(f"simulated {rows:,} rows in {time.perf_counter() - t:.0f} s", flush=True)
    return out


#: Sizes below this are timed ``--repeat`` times (floor and scan interleaved) and
#: reported as medians; larger ones once (each 28.8M scan takes minutes).
REPEAT_BELOW = 10_000_000


def run_one(rows: int, seed: int, memory_limit: str, repeat: int = 1) -> dict[str, Any]:
    """Floor, scan and detection for one data set; times are medians of ``repeat`` runs
    (floor and scan interleaved), memory the largest peak."""
    d = dataset(rows, seed)
    src = (
        str(d / "requests" / "*.parquet")
        if (d / "requests").is_dir()
        else str(d / "requests.parquet")
    )
    rep = d / "report.json"
    accounts = str(d / "accounts.csv")
    floors, scans = [], []
    for _ in range(repeat):
        floors.append(measure(FLOOR, src))
        scans.append(measure(SCAN, src, accounts, str(rep), memory_limit))
    floor_s = statistics.median(f[0] for f in floors)
    floor_mb = max(f[1] for f in floors)
    scan_s = statistics.median(x[0] for x in scans)
    scan_mb = max(x[1] for x in scans)
    # the stage split of the median run (the lower middle one for an even count)
    stages = sorted(scans, key=lambda x: x[0])[(len(scans) - 1) // 2][2]
    ev = evaluate(d / "truth.csv", rep)
    camp = [g for g in ev.groups if g.kind == "campaign"]
    benign = [g for g in ev.groups if g.kind == "benign"]
    out = {
        "rows": rows,
        "limit": memory_limit,
        "floor_s": floor_s,
        "floor_mb": floor_mb,
        "scan_s": scan_s,
        "scan_mb": scan_mb,
        "runs": repeat,
        "scan_min": min(x[0] for x in scans),
        "scan_max": max(x[0] for x in scans),
        "precision": ev.precision,
        "recall": ev.recall,
        "min_recall": min((g.rate for g in camp), default=0.0),
        "benign_flagged": sum(g.flagged for g in benign),
        "campaign_accounts": sum(g.accounts for g in camp),
        "passes": json.loads(rep.read_text())["input"].get("passes", 1),
        "stages": stages,
    }
    print(out, flush=True)
    return out


def write(path: Path, results: list[dict[str, Any]], seed: int) -> None:
    """Write the "Scale" section with the machine stated."""
    head = (
        "| rows | memory limit | passes | runs | floor s | floor MiB | scan s | scan s range | "
        "scan MiB | scan/floor | scan rows/s | time vs previous size | precision | recall | "
        "min campaign recall | benign accounts flagged |\n|" + "---|" * 16
    )
    lines = []
    prev: dict[str, Any] | None = None
    for r in results:
        rows, scan_s, floor_s = int(r["rows"]), float(r["scan_s"]), float(r["floor_s"])
        growth = "-"
        if prev is not None and prev["limit"] == r["limit"]:
            p_rows, p_s = int(prev["rows"]), float(prev["scan_s"])
            growth = f"{scan_s / p_s:.2f}x for {rows / p_rows:.1f}x rows"
        runs = int(r.get("runs", 1))
        spread = f"{r['scan_min']:.1f}-{r['scan_max']:.1f}" if runs > 1 else "-"
        lines.append(
            f"| {rows:,} | {r['limit']} | {r['passes']} | {runs} | {floor_s:.2f} | "
            f"{r['floor_mb']:.0f} | {scan_s:.1f} | {spread} | {r['scan_mb']:.0f} | "
            f"{scan_s / floor_s:.1f}x | {rows / scan_s:,.0f} | "
            f"{growth} | {r['precision']:.4f} | {r['recall']:.4f} | {r['min_recall']:.4f} | "
            f"{r['benign_flagged']} |"
        )
        prev = r
    names = list(dict.fromkeys(k for r in results for k in r["stages"]))
    stage_head = (
        "| rows | memory limit | " + " | ".join(names) + " |\n|" + "---|" * (2 + len(names))
    )
    stage_lines = []
    for r in results:
        total = sum(r["stages"].values()) or 1.0
        cells = [
            f"{r['stages'][n]:.1f} s ({r['stages'][n] / total:.0%})" if n in r["stages"] else "-"
            for n in names
        ]
        stage_lines.append(f"| {int(r['rows']):,} | {r['limit']} | " + " | ".join(cells) + " |")
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    body = (
        f"Measured {stamp} on: {machine()}. Simulated logs, seed {seed}, Parquet parts of "
        "2M rows; 28.8M rows is the seed case's exchange count. `floor` = a bare polars lazy "
        "scan of the same files reading the columns the scan uses and grouping by account; "
        "`scan` = `extractscan.scan` plus the JSON report, written to a file. Each in its own "
        "process; MiB = peak RSS (VmHWM of that process). Sizes below "
        f"{REPEAT_BELOW / 1e6:.0f}M rows run `runs` times, floor and scan interleaved: "
        "seconds are medians (the scan's range beside), MiB the largest peak, the stage "
        "split that of the median run; wall times on this machine vary by 10-40 % between "
        "runs and days. Memory limit `auto` is the "
        f"default, half of this machine's memory ({auto_memory_limit() / 2**30:.1f} GiB); "
        "`none` forces one pass. "
        "Detection from `extractscan evaluate` on that report (flagged = member of an "
        "incident at severity >= medium). Regenerate with `make scale`.\n\n"
        + head
        + "\n"
        + "\n".join(lines)
        + "\n\nWhere the scan's time goes (wall seconds per stage, as the progress "
        "callback reports them; `reading rows` is the streaming pass (or passes) that "
        "computes every row feature and per-account table, until its last row is read; "
        "`finishing the per-account tables` is the rest of that pass, while the tables "
        "catch up with the rows read):\n\n" + stage_head + "\n" + "\n".join(stage_lines) + "\n"
    )
    replace_section(path, "Scale", body)


def main() -> None:
    """Run the scale matrix and write RESULTS.md."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default=f"1000000,4000000,8000000,{SEED_SCALE}")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--memory-limit",
        action="append",
        default=[],
        help="also scan the largest size with this --memory-limit (8G, none; repeatable)",
    )
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    ap.add_argument(
        "--repeat", type=int, default=3, help=f"runs per size below {REPEAT_BELOW:,} rows"
    )
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    # The default limit ("auto": half of this machine's memory), as a user runs it.
    results = [
        run_one(rows, args.seed, "auto", args.repeat if rows < REPEAT_BELOW else 1)
        for rows in sizes
    ]
    results.extend(run_one(max(sizes), args.seed, limit) for limit in args.memory_limit)
    write(Path(args.out), results, args.seed)


if __name__ == "__main__":
    main()
