"""Logs without a column: the detector on worlds whose export lacks an account attribute.

A gateway's export has no billing table; a warehouse may have no signup dates or no
e-mail. Every benign explanation rests on some column (a family's card, a class's
institutional domain, companies' own domains and established accounts, a NAT's
addresses), so a missing one can turn a look-alike into a campaign. This scans worlds
kept by ``generalize.py --keep`` once per variant, each with one column removed (or the
accounts table left out), and scores them as ``generalize.py`` does: benign accounts at
medium or above, benign groups at high or above, P@3, per-campaign recall at high.

Variants: ``all`` (every column), ``no-payment``, ``no-email``, ``no-signup`` (from the
accounts table), ``no-ip`` (from the requests), ``no-accounts`` (no accounts table:
payment, e-mail, signup date and country gone; the org stays where the requests carry
it).

Usage::

    python benchmarks/generalize.py --worlds 40 --keep --data D --wording heldout
    python benchmarks/missing_columns.py --data D --max-rows 1000000
    python benchmarks/missing_columns.py --data D --variants all,no-signup --json J
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

import polars as pl  # noqa: E402

from extractscan import scan  # noqa: E402
from extractscan.lab.generalize import from_findings, world_metrics  # noqa: E402

#: variant -> (columns dropped from the requests, from the accounts table, table kept)
VARIANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "all": ((), (), True),
    "no-payment": ((), ("payment",), True),
    "no-email": ((), ("email",), True),
    "no-signup": ((), ("signup_at",), True),
    "no-ip": (("ip",), (), True),
    "no-accounts": ((), (), False),
}


def world_dirs(data: Path, max_rows: int | None) -> list[Path]:
    """The kept worlds under ``data`` (``w<seed>-r<rows>``), at most ``max_rows`` rows."""
    out = []
    for d in sorted(data.glob("w*-r*")):
        rows = int(d.name.split("-r")[1])
        if (d / "truth.csv").exists() and (max_rows is None or rows <= max_rows):
            out.append(d)
    return out


def run(world: Path, variant: str, tmp: Path) -> dict[str, object]:
    """Scan ``world`` as ``variant`` and score it."""
    drop_requests, drop_accounts, keep_table = VARIANTS[variant]
    src = world / "requests" if (world / "requests").is_dir() else world / "requests.parquet"
    accounts: Path | None = world / "accounts.csv"
    if drop_requests:
        pattern = str(src / "*.parquet") if src.is_dir() else str(src)
        out = tmp / "requests.parquet"
        pl.scan_parquet(pattern).drop(drop_requests).sink_parquet(out)
        src = out
    if drop_accounts:
        out = tmp / "accounts.csv"
        pl.read_csv(world / "accounts.csv", infer_schema=False).drop(drop_accounts).write_csv(out)
        accounts = out
    if not keep_table:
        accounts = None
    start = time.perf_counter()
    findings = scan(src, accounts=accounts)
    seconds = time.perf_counter() - start
    truth = pl.read_csv(world / "truth.csv", schema_overrides={"account": pl.String})
    m = world_metrics(from_findings(findings), truth)
    return {
        "world": world.name,
        "variant": variant,
        "scan_s": round(seconds, 2),
        "benign_fpr": m.benign_fpr,
        "benign_groups_high": list(m.benign_groups_high),
        "p_at_3": m.p_at_3,
        "precision_high": m.precision_high,
        "campaigns": {c.group: round(c.recall_high, 4) for c in m.campaigns},
    }


def summary_row(variant: str, results: list[dict[str, object]]) -> str:
    """One Markdown row: worlds, worlds with a benign group at high (which groups in how
    many worlds), benign FPR median / max, P@3, campaigns missed and mean recall."""
    groups: dict[str, int] = {}
    for r in results:
        for g in r["benign_groups_high"]:  # type: ignore[attr-defined]
            groups[g] = groups.get(g, 0) + 1
    fpr = [float(r["benign_fpr"]) for r in results]  # type: ignore[arg-type]
    recall = [float(v) for r in results for v in r["campaigns"].values()]  # type: ignore[attr-defined]
    flagged = sum(1 for r in results if r["benign_groups_high"])
    named = ", ".join(f"{g} {n}" for g, n in sorted(groups.items())) or "-"
    return (
        f"| {variant} | {len(results)} | {flagged} ({named}) | "
        f"{statistics.median(fpr):.2%} / {max(fpr):.2%} | "
        f"{sum(bool(r['p_at_3']) for r in results)} | "
        f"{len(recall)}: {sum(v == 0 for v in recall)} missed, mean {statistics.mean(recall):.3f} |"
    )


def main() -> None:
    """Run the variants over the kept worlds; print the table, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", required=True, help="worlds kept by generalize.py --keep")
    ap.add_argument("--max-rows", type=int, default=None, help="skip larger worlds")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated")
    ap.add_argument("--json", default=None, help="write every world's result here")
    args = ap.parse_args()
    variants = args.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variant(s) {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    worlds = world_dirs(Path(args.data), args.max_rows)
    if not worlds:
        ap.error(f"no kept worlds (w<seed>-r<rows> with truth.csv) under {args.data}")
    results: dict[str, list[dict[str, object]]] = {}
    with tempfile.TemporaryDirectory(prefix="extractscan-columns-") as tmp:
        for v in variants:
            for w in worlds:
                r = run(w, v, Path(tmp))
                results.setdefault(v, []).append(r)
                print(json.dumps(r), flush=True)
    print(
        "\n| variant | worlds | with a benign group at >= high | benign FPR >= medium: "
        "median / max | P@3 | campaigns at high |"
    )
    print("|---|---|---|---|---|---|")
    for v in variants:
        print(summary_row(v, results[v]))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
