"""Benchmarks: speed, memory and detection quality on simulated logs.

For each size and seed, in the same run:
  (a) the floor: a bare polars lazy scan of the same files that reads the columns the
      scan uses and groups by account;
  (b) ``extractscan.scan`` with the JSON report rendered;
each in its own child process so peak RSS is that run's alone. Detection quality comes
from ``extractscan evaluate`` on (b)'s report. Results go to ``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/run.py                       # default sizes and seeds
    python benchmarks/run.py --sizes 200000 --seeds 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data"

FLOOR = """
import polars as pl, sys
lf = pl.scan_parquet(sys.argv[1])
cols = ["timestamp", "account", "ip", "user_agent", "prompt", "input_tokens", "output_tokens"]
out = (lf.select(cols).group_by("account")
       .agg(pl.len(), pl.col("timestamp").min(), pl.col("ip").n_unique(),
            pl.col("prompt").str.len_bytes().sum(), pl.col("output_tokens").sum())
       .collect(engine="streaming"))
print(out.height)
"""

SCAN = """
import io, sys, extractscan
from extractscan import report
f = extractscan.scan(sys.argv[1], accounts=sys.argv[2])
buf = io.StringIO()
report.render(f, "json", buf, top=None, quiet=False, color=False)
open(sys.argv[3], "w", encoding="utf-8").write(buf.getvalue())
print(len(f.incidents))
"""

#: Runs benchmark code and prints wall time and the process's own peak RSS (kB). The
#: peak is VmHWM from /proc, not getrusage: a child started by vfork+exec inherits the
#: parent's peak in ``ru_maxrss`` (so does ``/usr/bin/time``), which let the driver's
#: own memory (simulating the logs) show up as the scan's.
CHILD = """
import resource, sys, time
from pathlib import Path
code = sys.argv[1]
sys.argv = sys.argv[1:]
t = time.perf_counter()
exec(compile(code, "<bench>", "exec"), {"__name__": "__main__"})
wall = time.perf_counter() - t
try:
    status = Path("/proc/self/status").read_text().splitlines()
    peak = int(next(x for x in status if x.startswith("VmHWM:")).split()[1])
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"BENCH {wall:.3f} {peak}")
"""


def measure(code: str, *args: str) -> tuple[float, float]:
    """Run ``code`` in a child process: (wall seconds, peak RSS in MiB)."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, code, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    _, wall, rss_kib = line.split()
    return float(wall), int(rss_kib) / 1024


def dataset(rows: int, seed: int) -> Path:
    """Simulated logs for (rows, seed), generated once and kept under bench-data/."""
    from extractscan.lab.simulate import simulate

    out = DATA / f"r{rows}-s{seed}"
    if not (out / "truth.csv").exists():
        simulate(rows, seed, out, fmt="parquet")
    return out


def machine() -> str:
    """CPU model, cores and memory of this machine."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except OSError:
        mem = 0.0
    return f"{model}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Python {platform.python_version()}"


def main() -> None:
    """Run the benchmark matrix and write RESULTS.md."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="200000,1000000")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = ap.parse_args()
    from extractscan.lab.evaluate import evaluate

    rows_out = []
    for rows in (int(s) for s in args.sizes.split(",")):
        for seed in (int(s) for s in args.seeds.split(",")):
            d = dataset(rows, seed)
            parts = d / "requests"
            src = str(parts / "*.parquet") if parts.is_dir() else str(d / "requests.parquet")
            floor_s, floor_mb = measure(FLOOR, src)
            rep = d / "report.json"
            scan_s, scan_mb = measure(SCAN, src, str(d / "accounts.csv"), str(rep))
            ev = evaluate(d / "truth.csv", rep)
            camp = [g for g in ev.groups if g.kind == "campaign"]
            benign_high = sum(
                1
                for g in ev.groups
                if g.kind == "benign" and g.top_severity in ("high", "critical")
            )
            first = json.loads(rep.read_text())["incidents"][:1]
            rows_out.append(
                (
                    rows,
                    seed,
                    floor_s,
                    floor_mb,
                    scan_s,
                    scan_mb,
                    ev.precision,
                    ev.recall,
                    ev.false_positives,
                    min((g.rate for g in camp), default=0.0),
                    benign_high,
                    ev.top_incident_kind,
                    first[0]["severity"] if first else "-",
                )
            )
            print(rows_out[-1], flush=True)
    write(Path(args.out), rows_out)


def replace_section(path: Path, title: str, body: str) -> None:
    """Replace (or append) the ``## title`` section of RESULTS.md, keeping the others."""
    head = "# Benchmark results\n\n"
    text = path.read_text(encoding="utf-8") if path.exists() else head
    if not text.startswith(head):
        text = head
    sections: dict[str, str] = {}
    order: list[str] = []
    for part in text[len(head) :].split("\n## ")[0:]:
        part = part.removeprefix("## ")
        if not part.strip():
            continue
        name, _, rest = part.partition("\n")
        if name.strip() not in sections:
            order.append(name.strip())
        sections[name.strip()] = rest.strip("\n")
    if title not in sections:
        order.append(title)
    sections[title] = body.strip("\n")
    out = head + "\n\n".join(f"## {n}\n\n{sections[n]}" for n in order) + "\n"
    path.write_text(out, encoding="utf-8")


def write(path: Path, rows: Sequence[tuple[Any, ...]]) -> None:
    """Write the speed and memory table, with the machine stated."""
    head = (
        "| rows | seed | floor s | floor MiB | scan s | scan MiB | scan/floor | rows/s | "
        "precision | recall | FP accounts | min campaign recall | benign groups ≥ high | "
        "rank-1 kind | rank-1 severity |\n|" + "---|" * 15
    )
    lines = []
    for r, s, fs, fm, ss, sm, p, rc, fp, mr, bh, kind, sev in rows:
        lines.append(
            f"| {r:,} | {s} | {fs:.2f} | {fm:.0f} | {ss:.2f} | {sm:.0f} | {ss / fs:.1f}x | "
            f"{r / ss:,.0f} | {p:.4f} | {rc:.4f} | {fp} | {mr:.4f} | {bh} | {kind} | {sev} |"
        )
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    body = (
        f"Measured {stamp} on: {machine()}.\n\n"
        "`floor` = a bare polars lazy scan of the same Parquet files reading the columns the "
        "scan uses and grouping by account; `scan` = `extractscan.scan` plus the JSON report. "
        "Each in its own process; MiB = peak RSS. Detection from `extractscan evaluate` "
        "(flagged = member of an incident at severity >= medium). Regenerate with "
        "`make bench`.\n\n" + head + "\n" + "\n".join(lines) + "\n"
    )
    replace_section(path, "Speed and memory", body)


if __name__ == "__main__":
    main()
