"""Decompression bombs: how fast and in how much memory a bomb is refused (issue #16 item 6).

Writes compressed CSV logs whose body is blank lines (each a row once read), of the
sizes the issue reported (33 KB of zstd expanding to 1 GB; an 8 KB one), scans each in
its own child process with the default ``[limits]`` and records the exit, seconds and
peak RSS. Writes the "Decompression bombs" section of ``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/bombs.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from run import CHILD, DATA, machine, replace_section  # noqa: E402

from extractscan.config import Limits  # noqa: E402

#: The scan child: the CLI's exit code and first error line.
SCAN = """
import sys
from click.testing import CliRunner
from extractscan.cli.main import main
res = CliRunner().invoke(main, ["scan", sys.argv[1], "-q"])
print("EXIT", res.exit_code, (res.stderr.strip().splitlines() or [""])[-1][:120])
"""

#: (name, codec, decompressed bytes of blank lines)
BOMBS = (("1G-blank-lines.csv.zst", "zstd", 1 << 30), ("256M-blank-lines.csv.gz", "gzip", 1 << 28))


def bomb(name: str, codec: str, size: int) -> Path:
    """A header, one row and ``size`` bytes of blank lines, compressed; written once."""
    path = DATA / "bombs" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with pa.output_stream(str(path), compression=codec) as out:
            out.write(b"timestamp,account\n2026-04-22T10:00:00Z,a1\n")
            block = b"\n" * (8 << 20)
            for _ in range(size // len(block)):
                out.write(block)
    return path


def main() -> None:
    """Scan each bomb and write the RESULTS.md section."""
    lines = []
    for name, codec, size in BOMBS:
        path = bomb(name, codec, size)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, SCAN, str(path)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
        ).stdout
        _, code, *said = next(x for x in out.splitlines() if x.startswith("EXIT ")).split(" ")
        _, wall, rss_kib = next(x for x in out.splitlines() if x.startswith("BENCH ")).split()
        limit = Limits().decompressed_limit(path.stat().st_size)
        lines.append(
            f"| {name} | {path.stat().st_size:,} | {size:,} | {limit:,} | {code} | "
            f"{float(wall):.2f} | {int(rss_kib) / 1024:.0f} |"
        )
        print(lines[-1], " ".join(said), flush=True)
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    body = (
        f"Measured {stamp} on: {machine()}. A compressed CSV whose body is blank lines "
        "(`benchmarks/bombs.py`), scanned by the CLI with the default `[limits]` "
        f"(`decompressed_ratio` {Limits().decompressed_ratio}, at least "
        f"{Limits().decompressed_floor:,} and at most {Limits().decompressed_max:,} bytes) "
        "in its own process; MiB = peak RSS. Before the limit, the 1 GB one grew the scan to "
        "16 GB (issue #16).\n\n"
        "| file | compressed bytes | decompressed bytes | limit | exit | s | MiB |\n"
        "|---|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n"
    )
    replace_section(ROOT / "benchmarks" / "RESULTS.md", "Decompression bombs", body)


if __name__ == "__main__":
    main()
