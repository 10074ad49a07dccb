"""Many small files: one-row CSVs in one folder, scanned as one input (issue #16 item 5).

Each file count is scanned in its own child process (peak RSS is that process's own):
``extractscan.scan`` of the folder, rows read checked. With ``--before PATH`` the same
folders are also scanned with the package at PATH (an older checkout) for comparison.
Writes the "Many small files" section of ``benchmarks/RESULTS.md`` (others are kept).

Usage::

    python benchmarks/small_files.py                          # 250, 1,000, 2,000, 20,000
    python benchmarks/small_files.py --counts 20000 --before /path/to/old/checkout
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from run import CHILD, DATA, machine, replace_section  # noqa: E402

#: The scan child: ``extractscan.scan`` of the folder (the package first on the path).
SCAN = """
import sys
sys.path.insert(0, sys.argv[2])
import extractscan
f = extractscan.scan(sys.argv[1])
print("ROWS", f.input.rows_read, len(f.input.files))
"""


def folder(n: int) -> Path:
    """``n`` one-row CSV logs (the shape of a per-request export), written once."""
    d = DATA / f"small-{n}"
    if not (d / f"f{n - 1:06d}.csv").exists():
        d.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            (d / f"f{i:06d}.csv").write_text(
                "timestamp,account,ip,prompt,input_tokens,output_tokens\n"
                f"2026-04-22T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z,"
                f"acct_{i % 997},198.51.100.{i % 250},request {i},12,40\n"
            )
    return d


def measure(n: int, code_root: Path, timeout: float) -> tuple[float | None, float | None]:
    """(wall seconds, peak MiB) of one scan of ``n`` files; ``None`` past ``timeout``."""
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, SCAN, str(folder(n)), str(code_root)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=timeout,
        ).stdout
    except subprocess.TimeoutExpired:
        return None, None
    rows = next(x for x in out.splitlines() if x.startswith("ROWS ")).split()
    assert rows[1:] == [str(n), str(n)], rows
    _, wall, rss_kib = next(x for x in out.splitlines() if x.startswith("BENCH ")).split()
    return float(wall), int(rss_kib) / 1024


def main() -> None:
    """Run the file counts and write the RESULTS.md section."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--counts", default="250,1000,2000,20000")
    ap.add_argument("--before", help="an older checkout to measure too (same folders)")
    ap.add_argument("--before-max", type=int, default=2000, help="largest count for --before")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = ap.parse_args()
    lines = []
    prev: tuple[int, float] | None = None
    for n in (int(x) for x in args.counts.split(",")):
        wall, mib = measure(n, ROOT, args.timeout)
        before = "-"
        if args.before and n <= args.before_max:
            b_wall, b_mib = measure(n, Path(args.before), args.timeout)
            before = f"{b_wall:.1f} s, {b_mib:.0f} MiB" if b_wall else f"> {args.timeout:.0f} s"
        growth = "-"
        if prev is not None and wall is not None:
            growth = f"{wall / prev[1]:.2f}x for {n / prev[0]:.1f}x files"
        shown = f"{wall:.1f}" if wall is not None else f"> {args.timeout:.0f}"
        lines.append(
            f"| {n:,} | {shown} | {mib or 0:.0f} | {n / wall if wall else 0:,.0f} | "
            f"{growth} | {before} |"
        )
        print(lines[-1], flush=True)
        if wall is not None:
            prev = (n, wall)
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    body = (
        f"Measured {stamp} on: {machine()}. One-row CSV logs in one folder "
        "(`benchmarks/small_files.py`), `extractscan.scan` of the folder in its own process; "
        "MiB = peak RSS. Small files of one shape are read by one multi-file scan "
        "(`ingest/batches.py`); `before` is the same scan with the code before that change "
        "(issue #16 reported 5.5 / 19 / 47 s for 250 / 1,000 / 2,000 files and 9.3 GB, "
        "still running at 300 s, for 20,000).\n\n"
        "| files | scan s | scan MiB | files/s | time vs previous count | before |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n"
    )
    replace_section(Path(args.out), "Many small files", body)


if __name__ == "__main__":
    main()
