"""Check that two JSON reports of one scan give the same findings (speed work, #15).

A change made for speed must not move a result. This compares two reports of the same
input (``extractscan scan --format json``, or ``report.render(..., "json", ...)``),
written before and after a change: every incident's rank, id, severity, score and
member accounts, the accounts' scores and incidents, and the rows read and rejected.
Fields that name the run (``generated_at``) are not compared. Exits 1 on a difference,
printing the first few.

Usage::

    python benchmarks/same_reports.py before.json after.json
    python benchmarks/same_reports.py --dirs before/ after/   # every *.json in both
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

#: Fields of the report that say when or how a run was made, not what it found.
RUN_FIELDS = ("generated_at",)


def findings(report: dict[str, Any]) -> dict[str, Any]:
    """The report without the fields that name the run."""
    return {k: v for k, v in report.items() if k not in RUN_FIELDS}


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Paths where ``a`` and ``b`` differ (dicts by key, lists by position)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}/{k}: only in one" for k in sorted(set(a) ^ set(b))]
        for k in sorted(set(a) & set(b)):
            out += differences(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items against {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += differences(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: {a!r} != {b!r}"[:300]]


def compare(before: Path, after: Path) -> list[str]:
    """Differences between the findings of two JSON reports."""
    a = json.loads(before.read_text(encoding="utf-8"))
    b = json.loads(after.read_text(encoding="utf-8"))
    return differences(findings(a), findings(b))


def main(argv: list[str] | None = None) -> int:
    """Compare reports; 0 when all are the same, 1 otherwise."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--dirs", action="store_true", help="compare every *.json of two folders")
    args = ap.parse_args(argv)
    pairs = (
        [(p, args.after / p.name) for p in sorted(args.before.glob("*.json"))]
        if args.dirs
        else [(args.before, args.after)]
    )
    bad = 0
    for x, y in pairs:
        diff = compare(x, y)
        incidents = len(json.loads(x.read_text(encoding="utf-8")).get("incidents", []))
        verdict = "same" if not diff else f"{len(diff)} differences"
        print(f"{x.name}: {verdict} ({incidents} incidents)")
        for line in diff[:5]:
            print("   ", line)
        bad += bool(diff)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
