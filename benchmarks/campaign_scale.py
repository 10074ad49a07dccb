"""Linking at seed scale: a 25,000-account hydra in 28.8M rows (issue 15's case).

The campaign's exits are each shared by about 200 of its accounts and its cards by 40,
the shape that used to be dropped as "too common (NAT)" and whose pairs grow with the
square of the accounts. Generates ``benchmarks/scenarios/hydra-25k-28.8M.toml`` once
(under bench-data/), then measures in the same run, each in its own process: the floor
(a bare polars scan of the same files reading the columns the scan uses, grouped by
account) and the scan, with the time of each stage; and scores the report against the
world's truth. Writes the "Linking at seed scale" section of ``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/campaign_scale.py
    python benchmarks/campaign_scale.py --scenario benchmarks/scenarios/OTHER.toml
    python benchmarks/campaign_scale.py --code /tmp/before --code . --runs 2

With ``--code`` (a checkout, repeatable), the scans of each checkout run in turn after
one floor, ``--runs`` times, and print a row each with the code's commit and whether its
report finds the same as the first checkout's (``same_reports.py``); RESULTS.md is not
written (a comparison is copied into it by hand, with its reading).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # the package, not a namespace

from run import DATA, FLOOR, machine, replace_section  # noqa: E402
from scale import SCAN, measure  # noqa: E402

from extractscan.lab.generalize import ScoredIncident, world_metrics  # noqa: E402
from extractscan.lab.world_gen import generate_world  # noqa: E402
from extractscan.lab.worlds import load  # noqa: E402

SCENARIO = ROOT / "benchmarks" / "scenarios" / "hydra-25k-28.8M.toml"


def main() -> None:
    """Generate (once), measure, score, write the section."""
    import polars as pl

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(SCENARIO))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    ap.add_argument("--code", action="append", default=[], help="a checkout to compare")
    ap.add_argument("--runs", type=int, default=1, help="rounds of --code scans")
    args = ap.parse_args()
    params = load(args.scenario)
    d = DATA / f"campaign-{Path(args.scenario).stem}"
    if not (d / "truth.csv").exists():
        t = time.perf_counter()
        generate_world(params, d)
        print(f"generated {params.rows:,} rows in {time.perf_counter() - t:.0f} s", flush=True)
    src = (
        str(d / "requests" / "*.parquet")
        if (d / "requests").is_dir()
        else str(d / "requests.parquet")
    )
    if args.code:
        compare([Path(c).resolve() for c in args.code], args.runs, src, d)
        return
    floor_s, floor_mb, _ = measure(FLOOR, src)
    rep = d / "report.json"
    scan_s, scan_mb, stages = measure(SCAN, src, str(d / "accounts.csv"), str(rep), "auto")
    report = json.loads(rep.read_text())
    truth = pl.read_csv(d / "truth.csv", schema_overrides={"account": pl.String})
    incidents = tuple(
        ScoredIncident(i["rank"], i["severity"], tuple(i["member_accounts"]))
        for i in report["incidents"]
    )
    m = world_metrics(incidents, truth)
    link_s = stages.get("linking accounts", 0.0)
    camp = m.campaigns[0]
    row = (
        f"| {params.rows:,} | {camp.accounts:,} | {floor_s:.1f} | {floor_mb:.0f} | {scan_s:.1f} | "
        f"{scan_mb:.0f} | {scan_s / floor_s:.1f}x | {link_s:.1f} | {link_s / floor_s:.2f}x | "
        f"{camp.recall_high:.3f} | {camp.completeness:.3f} | {camp.incidents} | "
        f"{m.benign_fpr:.5f} | {', '.join(m.benign_groups_high) or '-'} |"
    )
    print(row)
    where = Path(args.scenario).resolve()
    name = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where
    body = (
        f"Measured {time.strftime('%Y-%m-%d')} on: {machine()}. Scenario `{name}`"
        " (a hydra whose exits carry ~200 of its accounts each and whose cards carry 40, "
        "30 % resold traffic, among NATs, a carrier pool, families, enterprise jobs, "
        "resellers, framework and proxy users). `floor` = a bare polars scan of the same "
        "files reading the columns the scan uses, grouped by account; `scan` = "
        "`extractscan.scan` plus the JSON report; each in its own process, MiB = peak RSS. "
        "`linking` = the link stage's wall time. Recall counts the campaign's accounts in "
        "incidents at high or critical. Regenerate with `python benchmarks/campaign_scale.py`.\n\n"
        "| rows | campaign accounts | floor s | floor MiB | scan s | scan MiB | scan/floor | "
        "linking s | linking/floor | recall >= high | completeness | incidents | "
        "benign FPR >= medium | benign groups >= high |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n" + row + "\n"
    )
    replace_section(Path(args.out), "Linking at seed scale", body)


def compare(codes: list[Path], runs: int, src: str, d: Path) -> None:
    """The floor, then the scan with each checkout of ``codes``, ``runs`` times; a row
    per scan: linking against the floor before it, and its report against the first's."""
    import subprocess

    from same_reports import differences, findings

    print(
        "| code | floor s | floor MiB | scan s | scan MiB | scan/floor | linking s | "
        "linking/floor | same report |\n|---|---|---|---|---|---|---|---|---|",
        flush=True,
    )
    first: dict[str, object] | None = None
    for _ in range(runs):
        floor_s, floor_mb, _ = measure(FLOOR, src)
        for i, code in enumerate(codes):
            rep = d / f"report-code{i}.json"
            scan_s, scan_mb, stages = measure(
                SCAN, src, str(d / "accounts.csv"), str(rep), "auto", root=code
            )
            got = findings(json.loads(rep.read_text()))
            first = first if first is not None else got
            same = "yes" if not differences(first, got) else "NO"
            commit = subprocess.run(
                ["git", "-C", str(code), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
            ).stdout.strip()
            link_s = stages.get("linking accounts", 0.0)
            print(
                f"| {commit or code.name} | {floor_s:.1f} | {floor_mb:.0f} | {scan_s:.1f} | "
                f"{scan_mb:.0f} | {scan_s / floor_s:.1f}x | {link_s:.1f} | "
                f"{link_s / floor_s:.2f}x | {same} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
