"""Where the link stage's time goes: its parts timed inside a scan (issue 15).

Scans a log (by default the 28.8M-row world of ``campaign_scale.py``, generated there)
up to the link stage and runs :func:`extractscan.link.link` on the scan's own inputs,
in the scan's process (the conditions the stage meets in a scan: the row stage's
memory held, the clustering library imported early), with a timer on each named step
of the stage (start and end from the stage's start, wall seconds, the CPU seconds of
the thread that ran it, and the thread: the main one or the worker). Prints the parts
in start order, then the stage's wall, CPU, user and system seconds; ``--repeat N``
runs the stage N more times on the same inputs (warm). Nothing is written: the figures
go to ``benchmarks/RESULTS.md`` by hand, beside ``campaign_scale.py``'s rows.

Usage::

    python benchmarks/link_parts.py
    python benchmarks/link_parts.py --log DIR_OR_FILES --accounts FILE --repeat 2
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # the package, not a namespace

from run import DATA  # noqa: E402

#: The link stage's steps timed, as named in ``extractscan.link``.
PARTS = (
    "account_identifiers",
    "template_cells",
    "_clusters",
    "template_keys",
    "_counted_uses",
    "_template_pairs",
    "weigh_values",
    "prepare",
    "crowded",
    "spread_excess",
    "preload",
    "unlike_members",
    "mixed_members",
    "labelled_templates",
    "chosen_templates",
    "_template_weights",
    "_template_rows",
    "finish",
    "spread_adjusted",
    "chance_adjusted",
    "_with_keys",
    "decide_links",
    "components",
    "assemble",
    "client_joins",
    "leaning_groups",
    "synchrony",
    "respecting_groups",
    "outside_institutions",
)

Row = tuple[float, float, float, str, str]


def timed(module: Any, name: str, start: list[float], rows: list[Row]) -> None:
    """Replace ``module.name`` by a wrapper that records (start, end, thread CPU, name,
    thread) of every call into ``rows``, times from ``start[0]``."""
    f: Callable[..., Any] = getattr(module, name)

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return f(*args, **kwargs)
        finally:
            t1 = time.perf_counter()
            thread = "main" if threading.current_thread() is threading.main_thread() else "worker"
            rows.append((t0 - start[0], t1 - start[0], time.thread_time() - c0, name, thread))

    setattr(module, name, wrapper)


def main() -> None:
    """Scan up to the link stage, time its parts, print them."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    world = DATA / "campaign-hydra-25k-28.8M"
    ap.add_argument("--log", default=str(world / "requests"))
    ap.add_argument("--accounts", default=str(world / "accounts.csv"))
    ap.add_argument("--repeat", type=int, default=0, help="more runs on the same inputs")
    args = ap.parse_args()
    if not Path(args.log).exists():
        sys.exit(f"{args.log}: not found (python benchmarks/campaign_scale.py generates it)")

    import extractscan
    import extractscan.link as stage
    from extractscan.run import pipeline

    start = [0.0]
    rows: list[Row] = []
    for name in PARTS:
        if hasattr(stage, name):
            timed(stage, name, start, rows)
    real = pipeline.link

    def link(agg: Any, accounts: Any, cfg: Any) -> Any:
        for run in range(1 + args.repeat):
            rows.clear()
            times0, start[0] = os.times(), time.perf_counter()
            real(agg, accounts, cfg)
            wall, times1 = time.perf_counter() - start[0], os.times()
            print(f"\nrun {run + 1} ({'in the scan' if run == 0 else 'again'}):")
            print("| start s | end s | wall s | thread CPU s | thread | part |")
            print("|---|---|---|---|---|---|")
            for t0, t1, cpu, name, thread in sorted(rows):
                print(f"| {t0:.2f} | {t1:.2f} | {t1 - t0:.2f} | {cpu:.2f} | {thread} | {name} |")
            user, system = times1.user - times0.user, times1.system - times0.system
            print(
                f"link stage: {wall:.2f} s wall, {user + system:.2f} s CPU "
                f"({user:.2f} user, {system:.2f} system)",
                flush=True,
            )
        raise SystemExit(0)

    pipeline.link = link
    extractscan.scan(args.log, accounts=args.accounts)


if __name__ == "__main__":
    main()
