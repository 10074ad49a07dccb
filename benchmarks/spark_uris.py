"""URI inputs on the Spark engine: a ``file://`` URI against the local path, same files.

One child process holds one local Spark session (``local[2]``); after a warm-up scan it
scans the generated log (1M rows by default, the log of ``benchmarks/spark_engine.py``)
``--repeat`` times, alternating the local path and its ``file://`` URI, in two layouts:
the one Parquet file ``simulate`` writes, and the same rows in 8 Parquet files. The row
stage (read, per-row features, shuffle, per-slice aggregates, merge: from the
"reading" to the "linking" progress mark) and the whole scan are timed; the URI scan
must flag the same accounts and rank the same top incident as the path scan. Writes the
"Spark engine: URI inputs" section of ``benchmarks/RESULTS.md``.

Usage::

    flock /tmp/extractscan-big.lock python benchmarks/spark_uris.py
    python benchmarks/spark_uris.py --rows 200000 --repeat 1 --no-write
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from run import machine, replace_section  # noqa: E402
from spark_engine import generated  # noqa: E402

#: The scans of one child: per (layout, mode), a list of {"stage", "wall", "flagged",
#: "top"}; printed as JSON after "RUNS ".
CHILD = """
import json, sys, time
import extractscan
from extractscan.run import spark_engine
from extractscan.model.findings import severity_rank
layouts, accounts, master = json.loads(sys.argv[1]), sys.argv[2], sys.argv[4]
repeat = int(sys.argv[3])
def once(paths):
    t = time.perf_counter()
    marks = {}
    def tell(stage, rows):
        marks.setdefault(stage.split()[0], time.perf_counter() - t)
    f = extractscan.scan(paths, accounts=accounts, config=extractscan.Config(), progress=tell,
                         engine="spark")
    floor = severity_rank(f.flag_severity)
    flagged = sorted({a for i in f.incidents if severity_rank(i.severity) >= floor
                      for a in i.member_accounts})
    top = [f.incidents[0].id, f.incidents[0].severity, sorted(f.incidents[0].member_accounts)]
    return {"stage": marks["linking"] - marks["reading"], "wall": time.perf_counter() - t,
            "flagged": flagged, "top": top, "rows": f.input.rows_read}
runs = {}
with spark_engine.session(master):
    once(layouts["1 file"]["path"])  # warm-up: the JVM and the Python workers
    for _ in range(repeat):
        for layout, modes in layouts.items():
            for mode, paths in modes.items():
                runs.setdefault(f"{layout}|{mode}", []).append(once(paths))
print("RUNS " + json.dumps(runs))
"""


HEADER = (
    "| layout | row stage, path | row stage, `file://` URI | URI / path | scan, path "
    "| scan, URI | flagged | same findings |\n|---|---|---|---|---|---|---|---|"
)


def split_log(log: Path, parts: int) -> Path:
    """The rows of ``log``'s ``requests.parquet`` in ``parts`` Parquet files (made once)."""
    import polars as pl

    out = log / f"parts{parts}"
    if not (out / f"part-{parts - 1}.parquet").exists():
        out.mkdir(exist_ok=True)
        rows = pl.read_parquet(log / "requests.parquet")
        size = -(-rows.height // parts)
        for k in range(parts):
            rows.slice(k * size, size).write_parquet(out / f"part-{k}.parquet")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--no-write", action="store_true", help="print, do not touch RESULTS.md")
    a = ap.parse_args()
    log = generated(a.rows, a.seed)
    one = log / "requests.parquet"
    if not one.is_file():
        raise SystemExit(f"{one}: expected one Parquet file of {a.rows:,} rows")
    parts = split_log(log, 8)
    layouts = {
        "1 file": {"path": str(one), "uri": f"file://{one}"},
        "8 files": {"path": str(parts), "uri": f"file://{parts}/"},
    }
    env = os.environ | {"PYSPARK_PYTHON": sys.executable}
    args = [json.dumps(layouts), str(log / "accounts.csv"), str(a.repeat), a.master]
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0 or "RUNS " not in proc.stdout:
        raise SystemExit(f"the scans failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    runs: dict[str, list[dict[str, Any]]] = json.loads(proc.stdout.split("RUNS ", 1)[1])
    lines = []
    for layout in layouts:
        path, uri = runs[f"{layout}|path"], runs[f"{layout}|uri"]
        same = all(
            r["flagged"] == path[0]["flagged"] and r["top"] == path[0]["top"] for r in path + uri
        )
        if not same or uri[0]["rows"] != a.rows:
            raise SystemExit(f"{layout}: the URI scan's findings differ from the path scan's")

        def med(rs: list[dict[str, Any]], key: str) -> float:
            return statistics.median(r[key] for r in rs)

        row = (
            f"| {layout} | {med(path, 'stage'):.1f} s | {med(uri, 'stage'):.1f} s | "
            f"{med(uri, 'stage') / med(path, 'stage'):.2f} | {med(path, 'wall'):.1f} s | "
            f"{med(uri, 'wall'):.1f} s | {len(path[0]['flagged']):,} | yes |"
        )
        print(row, flush=True)
        lines.append(row)
    load = os.getloadavg()
    body = f"""Machine: {machine()}; `{a.master}`, one Spark session, warm (after one
scan), median of {a.repeat} alternating runs (`benchmarks/spark_uris.py`, run under
`flock /tmp/extractscan-big.lock`). The same {a.rows:,}-row generated log, read by local
path (the ingest code opens the file in each task; a Parquet file of more than 500,000
rows here is cut into row ranges, one task each) and by its `file://` URI (listed
through Hadoop's `FileSystem`, each file's bytes read by Spark's `binaryFile` source and
opened from a copy in the task's scratch folder; one task per file). Row stage: read,
per-row features, shuffle, per-slice aggregates and merge; scan: the whole
`extractscan.scan`, example prompts' lookup (a second read of every file) included. The
URI scans flag the same accounts and rank the same top incident as the path scans.

{HEADER}
{chr(10).join(lines)}

What differs: a URI's file is read whole by one task, where a path's Parquet file of
more than 500,000 rows is cut into row ranges for both cores; Spark's `binaryFile`
source packs small files into a few tasks, where the path engine runs one task per
file; a URI scan first counts the Parquet files' rows (a Spark job over their footers)
to size the account slices; and a URI's bytes are copied through the JVM, Arrow and the
task's scratch folder. `s3a://`, `gs://` and `abfss://` are not measured here (no network): their
reads add the object store's throughput. Load average at the end of the run:
{load[0]:.1f} on 2 cores (other sessions shared the machine)."""
    if a.no_write:
        print(body)
        return
    replace_section(ROOT / "benchmarks" / "RESULTS.md", "Spark engine: URI inputs", body)


if __name__ == "__main__":
    main()
