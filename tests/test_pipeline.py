"""The library API end to end on tiny labelled logs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import extractscan
from extractscan.model.errors import InputError
from tests.conftest import campaign_frames


def test_scan_finds_the_campaign_and_only_it(campaign_logs: tuple[Path, Path]) -> None:
    req, acc = campaign_logs
    f = extractscan.scan([req], accounts=acc)
    assert len(f.incidents) == 1
    inc = f.incidents[0]
    assert inc.member_accounts == tuple(f"c{i:02d}" for i in range(12))
    assert inc.rank == 1 and inc.accounts == 12 and inc.exchanges == 12 * 48
    assert inc.output_tokens == 12 * 48 * 400
    assert inc.severity in ("high", "critical")
    assert inc.explained_by == () and len(inc.benign_checks) == 7
    families = {link.family for link in inc.links}
    assert {"payment", "ip", "co_activity"} <= families
    pay = next(link for link in inc.links if link.family == "payment")
    assert pay.values == (("card_0", 4), ("card_1", 4), ("card_2", 4))
    assert len(inc.sample_prompts) == 1  # one template in the campaign
    assert inc.sample_prompts[0].startswith("Imagine and articulate")
    assert f.input.accounts_seen == 212 and f.input.accounts_flagged == 12
    assert f.input.rows_read == 12 * 48 + 200 * 6 == f.input.rows_analysed
    assert dict(f.input.signals_off) == {"model_mix": "missing column(s): model"}
    by_acc = dict(zip(f.accounts["account"], f.accounts["incident_id"], strict=True))
    assert by_acc["c00"] == inc.id and by_acc["b000"] is None


def test_rows_reconcile_with_bad_rows(tmp_path: Path) -> None:
    req, acc = campaign_frames(4, 3)
    bad = pl.DataFrame(
        {
            "timestamp": ["yesterday", "2026-04-22T00:00:00Z", "2026-04-22T00:00:00Z"],
            "account": ["x", None, "y"],
            "output_tokens": [1, 1, -5],
        },
    )
    pl.concat([req, bad], how="diagonal_relaxed").write_csv(tmp_path / "r.csv")
    f = extractscan.scan(tmp_path / "r.csv")
    s = f.input
    assert s.rows_read == 4 * 48 + 3 * 6 + 3
    assert s.rows_rejected == 3
    assert s.rows_read == s.rows_analysed + s.rows_rejected
    assert dict(s.rejected_by_reason) == {"bad_timestamp": 1, "missing_account": 1, "bad_tokens": 1}
    assert s.files[0].rows_rejected == 3
    assert "payment_link" in dict(s.signals_off)


def test_same_input_same_findings(campaign_logs: tuple[Path, Path]) -> None:
    req, acc = campaign_logs
    a = extractscan.scan(req, accounts=acc)
    b = extractscan.scan(req, accounts=acc)
    assert a.incidents == b.incidents
    assert a.accounts.equals(b.accounts)


def test_same_org_is_not_a_campaign(tmp_path: Path) -> None:
    req, acc = campaign_frames()
    acc = acc.with_columns(pl.lit("org-acme").alias("org"))
    req.write_csv(tmp_path / "r.csv")
    acc.write_csv(tmp_path / "a.csv")
    assert extractscan.scan(tmp_path / "r.csv", accounts=tmp_path / "a.csv").incidents == ()


def test_missing_required_column_is_input_error(tmp_path: Path) -> None:
    pl.DataFrame({"time": ["2026-04-22T00:00:00Z"], "who_knows": ["a"]}).write_csv(
        tmp_path / "r.csv"
    )
    with pytest.raises(InputError, match="required column 'account' not found"):
        extractscan.scan(tmp_path / "r.csv")


def test_column_override_via_config(tmp_path: Path) -> None:
    req, _ = campaign_frames(3, 2)
    req.rename({"account": "customer_ref"}).write_parquet(tmp_path / "r.parquet")
    cfg = extractscan.load_config(None, {"account": "customer_ref"})
    f = extractscan.scan(tmp_path / "r.parquet", config=cfg)
    assert f.input.accounts_seen == 5
    assert ("account", "customer_ref") in f.input.column_mapping


def test_progress_counts_every_row_once(campaign_logs: tuple[Path, Path]) -> None:
    req, acc = campaign_logs
    calls: list[tuple[str, int | None]] = []
    f = extractscan.scan(req, accounts=acc, progress=lambda s, n: calls.append((s, n)))
    counted = [n for s, n in calls if s.startswith("reading rows: requests.csv")]
    reading = [n for n in counted if n is not None]
    assert reading == counted  # every step of the reading counted
    assert reading and reading[-1] == f.input.rows_read  # reaches 100 %
    assert reading == sorted(reading)
    assert calls[-1] == ("scoring incidents", f.input.rows_read)
    # after the last row, the wait for the per-account tables is named
    stages = [s for s, _ in calls]
    finishing = stages.index("finishing the per-account tables")
    assert stages.count("finishing the per-account tables") == 1
    assert calls[finishing][1] == f.input.rows_read  # says how many rows were read
    last_read = max(i for i, s in enumerate(stages) if s.startswith("reading rows"))
    assert last_read < finishing < stages.index("linking accounts")


def test_without_prompts_content_is_not_measured_rather_than_ordinary(tmp_path: Path) -> None:
    """No prompt column: the content shares are null (not 0 %), the content signals and
    co-activity are absent, and the benign reasons say prompts were not measured."""
    req, acc = campaign_frames()
    req.drop("prompt").write_csv(tmp_path / "r.csv")
    acc.write_csv(tmp_path / "a.csv")
    f = extractscan.scan([tmp_path / "r.csv"], accounts=tmp_path / "a.csv")
    assert "content" in dict(f.input.signals_off)
    shares = ["extraction_share", "cot_share", "coding_share", "template_concentration"]
    assert f.accounts.select(pl.col(shares).null_count()).row(0) == (212,) * 4
    inc = f.incidents[0]
    names = {s.name for s in inc.signals}
    assert not names & {"extraction_share", "probing_share", "co_activity_share"}
    reasons = {c.name: c.reason for c in inc.benign_checks}
    assert reasons["shared_nat"].endswith("prompts not measured (no prompt text)")
    assert "ordinary" not in " ".join(reasons.values())
    # Some rows without a prompt: the shares count the rows that have one.
    part = campaign_frames(2, 1)[0].with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0).then(pl.col("prompt")).alias("prompt")
    )
    part.write_csv(tmp_path / "p.csv")
    g = extractscan.scan([tmp_path / "p.csv"])
    cot = dict(zip(g.accounts["account"], g.accounts["cot_share"], strict=True))
    assert cot["c00"] == 1.0 and cot["b000"] == 0.0


def _report_core(f: extractscan.Findings) -> tuple[object, ...]:
    return (
        [(i.id, i.score, i.member_accounts, i.links, i.signals) for i in f.incidents],
        f.accounts.drop("incident_id", "incident_severity").rows(),
    )


def test_attribute_values_do_not_depend_on_row_order(tmp_path: Path) -> None:
    """An account whose rows carry several org values, and an accounts table with an
    account on several rows: the smallest value is used, whatever the order, and the
    table's conflicts and rows without an id are counted."""
    req, acc = campaign_frames()
    req = req.with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(pl.lit("org-shared"))
        .otherwise(pl.format("org-own-{}", pl.col("account")))
        .alias("org")
    )
    twice = acc.filter(pl.col("account").str.starts_with("c")).with_columns(
        pl.format("card_x{}", pl.col("account")).alias("payment")
    )
    blank = acc.head(2).with_columns(pl.lit(" ").alias("account"))
    table = pl.concat([acc.drop("org"), twice.drop("org"), blank.drop("org")])
    runs = []
    for k, order in enumerate((False, True)):
        rows = req.reverse() if order else req
        rows.write_csv(tmp_path / f"r{k}.csv")
        (table.reverse() if order else table).write_csv(tmp_path / f"a{k}.csv")
        runs.append(extractscan.scan([tmp_path / f"r{k}.csv"], accounts=tmp_path / f"a{k}.csv"))
    assert _report_core(runs[0]) == _report_core(runs[1])
    orgs = dict(zip(runs[0].accounts["account"], runs[0].accounts["org"], strict=True))
    assert orgs["c00"] == "org-own-c00" and orgs["b000"] == "org-own-b000"
    pay = dict(zip(runs[0].accounts["account"], runs[0].accounts["payment"], strict=True))
    assert pay["c00"] == "card_0" and pay["c05"] == "card_1"  # "card_0" < "card_xc00"
    t = runs[0].input.accounts_table
    assert t is not None and (t.rows, t.without_account, t.conflicting_accounts) == (226, 2, 12)
