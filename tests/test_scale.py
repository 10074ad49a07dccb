"""Scale features: memory-limited passes, co-activity sampling, sizes on the command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

import extractscan
from extractscan.cli.main import parse_size
from extractscan.config.settings import LinkConfig
from extractscan.link import coactivity
from extractscan.link.coactivity import CoActivity
from extractscan.link.pairs import candidate_pairs
from extractscan.link.weights import weigh_values
from extractscan.model.errors import UsageError
from extractscan.run import memory as pipeline


def test_parse_size() -> None:
    assert parse_size("8G") == 8 * 2**30
    assert parse_size("8GiB") == 8 * 2**30
    assert parse_size("512m") == 512 * 2**20
    assert parse_size("1.5G") == int(1.5 * 2**30)
    assert parse_size("1000") == 1000
    for bad in ("", "G", "-1G", "0", "8 parsecs", "8GG"):
        with pytest.raises(UsageError):
            parse_size(bad)


def test_plan_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "BASE_BYTES", 0)
    monkeypatch.setattr(pipeline, "BYTES_PER_ROW", 100)
    monkeypatch.setattr(pipeline, "AGGREGATION_SHARE", 0.5)
    # 1,000 rows: 100,000 bytes in one pass, 50,000 of them divided by passes
    assert pipeline.plan_passes(1_000, None) == 1
    assert pipeline.plan_passes(1_000, 100_000) == 1
    assert pipeline.plan_passes(1_000, 75_000) == 2
    assert pipeline.plan_passes(1_000, 60_000) == 5
    with pytest.raises(UsageError, match="below the estimated"):
        pipeline.plan_passes(1_000, 50_000)
    # the default (auto) limit never refuses: it makes the most passes instead
    assert pipeline.plan_passes(1_000, 50_000, strict=False) == pipeline.MAX_PASSES


def test_auto_memory_limit_is_half_the_machine() -> None:
    import os

    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert 0 < pipeline.auto_memory_limit() <= total // 2


def test_memory_limit_words() -> None:
    from extractscan.cli.main import parse_memory_limit

    assert parse_memory_limit("auto") == "auto"
    assert parse_memory_limit("None") is None
    assert parse_memory_limit("2G") == 2 * 2**30
    with pytest.raises(UsageError, match="auto or none"):
        parse_memory_limit("lots")


def test_auto_limit_plans_passes_from_the_machine(
    campaign_logs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The default limit comes from the machine's memory and is named in the progress."""
    csv, acc = campaign_logs
    req = tmp_path / "requests.parquet"
    pl.read_csv(csv, infer_schema=False).write_parquet(req)
    monkeypatch.setattr(pipeline, "BASE_BYTES", 0)
    monkeypatch.setattr(pipeline, "BYTES_PER_ROW", 1_000)
    monkeypatch.setattr(pipeline, "AGGREGATION_SHARE", 0.9)
    rows = pl.scan_parquet(req).select(pl.len()).collect().item()
    # far too little memory for the estimate: the most passes, not a refusal
    monkeypatch.setattr(pipeline, "auto_memory_limit", lambda: 1)
    calls: list[tuple[str, int | None]] = []
    f = extractscan.scan(req, accounts=acc, progress=lambda s, n: calls.append((s, n)))
    assert f.input.passes == pipeline.MAX_PASSES
    need = rows * 1_000 * (0.1 + 0.9 / pipeline.MAX_PASSES)  # the estimate, in bytes
    assert pipeline.estimated_peak(rows, pipeline.MAX_PASSES) == pytest.approx(need)
    assert calls[0][0] == (
        f"reading 1 file(s) in {pipeline.MAX_PASSES} passes "
        f"(memory limit 0.0 GiB, half of this machine's; about {need / 2**30:.1f} GiB "
        "estimated even so, scan fewer files at a time if it runs out of memory)"
    )
    reading = [n for s, n in calls if s.startswith("reading rows (pass")]
    assert reading[-1] == rows == f.input.rows_read
    # enough memory: one pass; ``None`` is one pass whatever the estimate
    monkeypatch.setattr(pipeline, "auto_memory_limit", lambda: 10 * rows * 1_000)
    assert extractscan.scan(req, accounts=acc).input.passes == 1
    monkeypatch.setattr(pipeline, "auto_memory_limit", lambda: 1)
    assert extractscan.scan(req, accounts=acc, memory_limit=None).input.passes == 1


def _summary(f: extractscan.Findings) -> list[tuple[object, ...]]:
    return [(i.id, i.severity, i.score, i.accounts, i.exchanges, i.links) for i in f.incidents]


def test_passes_give_the_same_findings(
    campaign_logs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    csv, acc = campaign_logs
    req = tmp_path / "requests.parquet"  # Parquet: the row count is known up front
    pl.read_csv(csv, infer_schema=False).write_parquet(req)
    one = extractscan.scan(req, accounts=acc)
    monkeypatch.setattr(pipeline, "BASE_BYTES", 0)
    monkeypatch.setattr(pipeline, "BYTES_PER_ROW", 1_000)
    monkeypatch.setattr(pipeline, "AGGREGATION_SHARE", 0.9)
    rows = one.input.rows_read
    calls: list[tuple[str, int | None]] = []
    three = extractscan.scan(
        req,
        accounts=acc,
        memory_limit=int(rows * 1_000 * (0.1 + 0.9 / 3)) + 1,
        progress=lambda s, n: calls.append((s, n)),
    )
    assert three.input.passes == 3 and one.input.passes == 1
    assert _summary(three) == _summary(one) and one.incidents
    assert three.accounts.equals(one.accounts)
    assert three.input.rows_read == one.input.rows_read
    assert three.input.rows_rejected == one.input.rows_rejected
    reading = [n for s, n in calls if s.startswith("reading rows (pass")]
    assert reading[-1] == rows  # each pass counts its slice: the count reaches 100 % once
    # Parquet gives the total up front: the finishing stage follows the last row at once
    stages = [s for s, _ in calls]
    assert stages.count("finishing the per-account tables") == 1
    assert stages[stages.index("finishing the per-account tables") - 1].startswith(
        "reading rows (pass 3 of 3)"
    )
    assert any("pass 3 of 3" in s for s, _ in calls)


def _crowd(bins: int, per_bin: int) -> pl.DataFrame:
    """``a`` and ``b`` active together in ``bins`` bins, each crowded by others."""
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    rows = []
    for i in range(bins):
        at = t0 + timedelta(minutes=5 * i)
        rows += [("a", 1, at), ("b", 1, at)]
        rows += [(f"x{i}-{j}", 1, at) for j in range(per_bin - 2)]
    return pl.DataFrame(
        rows,
        schema={"account": pl.String, "tkey": pl.UInt64, "minute_bin": pl.Datetime("us", "UTC")},
        orient="row",
    )


def test_crowded_bins_are_sampled_above_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    bins = _crowd(400, 40)  # 400 bins x 40^2 = 640,000 pair rows
    texts = pl.DataFrame(
        {"tkey": [1], "template": ["solve #"]}, schema={"tkey": pl.UInt64, "template": pl.String}
    )
    anchor = pl.DataFrame({"account": ["a", "b"], "family": ["ip", "ip"], "value": ["1.1.1.1"] * 2})
    cfg = LinkConfig()
    n = 100_000
    full = candidate_pairs(anchor, weigh_values(anchor, n, cfg), CoActivity(bins, texts, n), cfg)
    monkeypatch.setattr(coactivity, "CO_ACTIVITY_PAIR_BUDGET", 160_000)
    co = CoActivity(bins, texts, n)
    assert co.sample_rate(cfg) == pytest.approx(0.25)
    w = co.weights(cfg)
    assert w["scale"].unique().to_list() == [4.0]
    assert 70 <= w.height <= 130  # about a quarter of the 400 bins
    # exactly the bins whose (template, minute) hash falls below the rate
    every = co.unpacked(co.bins.select("bkey").unique())
    key = pl.struct("tkey", "minute_bin").hash(seed=coactivity.SAMPLE_SEED)
    drawn = every.filter(key < int(0.25 * float(2**64 - 1)))
    assert sorted(w["bkey"].to_list()) == sorted(drawn["bkey"].to_list())
    assert co.usable(cfg).columns == ["bkey", "df", "weight", "scale", "rate"]
    sampled = candidate_pairs(anchor, weigh_values(anchor, n, cfg), co, cfg)

    def shared(ev: pl.DataFrame) -> int:
        return int(ev.filter(pl.col("family") == "co_activity")["shared_values"][0])

    assert shared(full) == 400
    assert 280 <= shared(sampled) <= 520  # unbiased estimate of the 400 shared bins


def test_quiet_bins_are_never_sampled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coactivity, "CO_ACTIVITY_PAIR_BUDGET", 10)
    texts = pl.DataFrame(schema={"tkey": pl.UInt64, "template": pl.String})
    co = CoActivity(_crowd(50, 5), texts, 1000)
    assert co.sample_rate(LinkConfig()) == 1.0  # no bin above 32 accounts
    assert co.weights(LinkConfig()).height == 50
