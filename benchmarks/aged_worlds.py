"""Stress worlds: every campaign on bought, aged accounts.

An operator who buys established accounts gives up "created together" and makes its
card pairs look like families. The randomized worlds draw that for a share of the
campaigns (:data:`extractscan.lab.worlds.AGED_SHARE`); these worlds do it for all of
them, with the campaign kinds it hurts most: a low-and-slow campaign (cards in pairs and
triples) beside a hydra, a grader or nothing (``--kinds low_and_slow``, the default), or
an identifier-free one beside a hydra or nothing (``--kinds identifier_free``). Each
world is :func:`extractscan.lab.worlds.draw_world` with those kinds, its campaigns'
``signup_spread_days`` drawn from :data:`extractscan.lab.worlds.AGED_SPREAD_DAYS`;
generated, scanned and scored as ``generalize.py`` does.

Usage::

    python benchmarks/aged_worlds.py --first 5001 --worlds 12            # low-and-slow
    python benchmarks/aged_worlds.py --first 5101 --worlds 6 --kinds identifier_free
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # the package, not a namespace

from generalize import (  # noqa: E402
    CAMPAIGN_HEAD,
    WORLD_HEAD,
    campaign_lines,
    run_world,
    summary_table,
    world_line,
    world_rows,
)
from run import DATA  # noqa: E402

from extractscan.lab.generalize import summarize  # noqa: E402
from extractscan.lab.worlds import AGED_SPREAD_DAYS, WorldParams, draw_world  # noqa: E402

#: The campaign planted beside the main kind, by seed (seed modulo the tuple's length).
BESIDE = {
    "low_and_slow": (("hydra",), ("grader",), ()),
    "identifier_free": ((), ("hydra",)),
}


def aged_world(seed: int, rows: int, kind: str) -> WorldParams:
    """The world of ``seed``: ``kind`` and the campaign beside it, every one of them on
    accounts created over 100-700 days (a stream of its own, ``[seed, 77]``)."""
    beside = BESIDE[kind][seed % len(BESIDE[kind])]
    params = draw_world(seed, rows, (kind, *beside))
    rng = np.random.default_rng([seed, 77])
    aged = tuple(
        replace(c, signup_spread_days=float(rng.uniform(*AGED_SPREAD_DAYS)))
        for c in params.campaigns
    )
    return replace(params, campaigns=aged)


def main() -> None:
    """Generate, scan and score the worlds; print the tables."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--first", type=int, default=5001, help="first seed (default 5001)")
    ap.add_argument("--worlds", type=int, default=12, help="number of worlds (default 12)")
    ap.add_argument("--kinds", choices=sorted(BESIDE), default="low_and_slow")
    ap.add_argument("--min-rows", type=int, default=200_000)
    ap.add_argument("--max-rows", type=int, default=1_000_000)
    ap.add_argument("--data", default=str(DATA / "aged"), help="where worlds are written")
    ap.add_argument("--keep", action="store_true", help="keep the generated worlds")
    args = ap.parse_args()
    results = []
    print(WORLD_HEAD, flush=True)
    for seed in range(args.first, args.first + args.worlds):
        params = aged_world(seed, world_rows(seed, args.min_rows, args.max_rows), args.kinds)
        results.append(run_world(params, Path(args.data), args.keep))
        print(world_line(results[-1]), flush=True)
    print()
    print(CAMPAIGN_HEAD)
    print("\n".join(line for r in results for line in campaign_lines(r)))
    print()
    print(summary_table(summarize(r["_metrics"] for r in results)))


if __name__ == "__main__":
    main()
