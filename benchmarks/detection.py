"""Detection benchmark: every planted campaign and benign group, several seeds and sizes.

For each (rows, seed): simulate, scan with the shipped config (thresholds are set once,
in config, never per seed), evaluate. Writes the "Detection" section of
``benchmarks/RESULTS.md`` (the speed section written by ``run.py`` is kept).

Usage::

    python benchmarks/detection.py                          # 200k and 2M rows, seeds 1-5
    python benchmarks/detection.py --sizes 200000 --seeds 1,2
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # the package, not a namespace

from run import DATA, machine, replace_section  # noqa: E402

from extractscan import scan  # noqa: E402
from extractscan.lab.evaluate import evaluate  # noqa: E402
from extractscan.lab.simulate import simulate  # noqa: E402
from extractscan.report import render  # noqa: E402
from extractscan.report.accounts_out import write_table  # noqa: E402


def run_one(rows: int, seed: int) -> tuple[list[str], dict[str, object]]:
    """Table rows (one per truth group) and a summary for one data set."""
    d = DATA / f"det-r{rows}-s{seed}"
    if not (d / "truth.csv").exists():
        simulate(rows, seed, d, fmt="parquet")
    src = d / "requests" if (d / "requests").is_dir() else d / "requests.parquet"
    findings = scan(src, accounts=d / "accounts.csv")
    rep = d / "report.json"
    with rep.open("w", encoding="utf-8") as fh:
        render(findings, "json", fh)
    write_table(findings.accounts, d / "accounts-out.parquet")
    ev = evaluate(d / "truth.csv", rep, accounts=d / "accounts-out.parquet")
    kinds = {}
    truth = {g.group: g.kind for g in ev.groups}
    for inc in findings.incidents[:3]:
        kinds[inc.rank] = inc
    top3_campaign = all(
        _majority_kind(inc.member_accounts, d) == "campaign" for inc in findings.incidents[:3]
    )
    benign = [g for g in ev.groups if g.kind == "benign"]
    benign_total = sum(g.accounts for g in benign)
    benign_flagged = sum(g.flagged for g in benign)
    lines = []
    for g in ev.groups:
        rate = f"{g.rate:.4f}"
        lines.append(
            f"| {rows:,} | {seed} | {g.group} | {g.kind} | {g.accounts:,} | {g.flagged:,} | "
            f"{rate} | {g.best_rank or '-'} | {g.top_severity or '-'} |"
        )
    summary: dict[str, object] = {
        "rows": rows,
        "seed": seed,
        "precision": ev.precision,
        "min_campaign_recall": min(g.rate for g in ev.groups if g.kind == "campaign"),
        "benign_fpr": benign_flagged / benign_total if benign_total else 0.0,
        "benign_high": sum(1 for g in benign if g.top_severity in ("high", "critical")),
        "top3_campaign": top3_campaign,
        "purity": ev.mean_purity,
        "auc": ev.score_auc,
        "best_benign_rank": ev.best_benign_rank,
        "groups": truth,
    }
    return lines, summary


_KIND_CACHE: dict[Path, dict[str, str]] = {}


def _majority_kind(members: tuple[str, ...], d: Path) -> str:
    import polars as pl

    if d not in _KIND_CACHE:
        t = pl.read_csv(d / "truth.csv")
        _KIND_CACHE[d] = dict(zip(t["account"].to_list(), t["kind"].to_list(), strict=True))
    kinds = [_KIND_CACHE[d].get(a, "unknown") for a in members]
    return max(sorted(set(kinds)), key=kinds.count)


def main() -> None:
    """Run the matrix and write the Detection section of RESULTS.md."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="200000,2000000")
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = ap.parse_args()
    detail: list[str] = []
    summary: list[str] = []
    for rows in (int(s) for s in args.sizes.split(",")):
        for seed in (int(s) for s in args.seeds.split(",")):
            t = time.perf_counter()
            lines, s = run_one(rows, seed)
            detail += lines
            auc = "-" if s["auc"] is None else f"{s['auc']:.4f}"
            purity = "-" if s["purity"] is None else f"{s['purity']:.4f}"
            summary.append(
                f"| {rows:,} | {seed} | {s['precision']:.4f} | {s['min_campaign_recall']:.4f} | "
                f"{s['benign_fpr']:.5f} | {s['benign_high']} | "
                f"{'yes' if s['top3_campaign'] else 'NO'} | {purity} | {auc} | "
                f"{s['best_benign_rank'] or '-'} |"
            )
            print(summary[-1], f"({time.perf_counter() - t:.0f}s)", flush=True)
    text = (
        f"Measured {time.strftime('%Y-%m-%d', time.gmtime())} on: {machine()}. "
        "Flagged = member of an incident at severity >= medium. Campaigns: hydra (mixed "
        "traffic, proxy pool), low_and_slow (paraphrased, no shared IP, cards in pairs or "
        "triples), reward_harvest (rubric grading and safer rewrites on a small IP pool), "
        "pivot (moves to a new model the day after release). Regenerate with "
        "`python benchmarks/detection.py`.\n\n"
        "| rows | seed | flagged precision | min campaign recall | benign FPR | "
        "benign groups >= high | top 3 all campaigns | mean purity | score ROC AUC | "
        "best benign-majority rank |\n|" + "---|" * 10 + "\n" + "\n".join(summary) + "\n\n"
        "Per group (rate = recall for campaigns, false-positive rate for benign groups):\n\n"
        "| rows | seed | group | kind | accounts | flagged | rate | best rank | top severity |\n|"
        + "---|" * 9
        + "\n"
        + "\n".join(detail)
        + "\n"
    )
    replace_section(Path(args.out), "Detection", text)


if __name__ == "__main__":
    main()
