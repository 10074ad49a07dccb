"""Aggregate: 64-bit keys back to account text, heads merged into templates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from extractscan.config.settings import Config
from extractscan.features import aggregate
from extractscan.features.behaviour import TKEY_SEED, account_key
from extractscan.features.templates import wrapper
from extractscan.ingest.normalize import normalize
from extractscan.link.coactivity import CoActivity


def _tables(data: dict[str, list[object]]) -> aggregate.Aggregates:
    lf = pl.DataFrame(data).lazy()
    frame = normalize(lf, {c: c for c in data}, lf.collect_schema(), 0)
    return aggregate.aggregate([frame], Config(), lambda stage, rows: None)


def test_tables_are_keyed_by_account_text_and_template() -> None:
    t = _tables(
        {
            "timestamp": ["2026-04-22T00:00:00Z", "2026-04-22T00:01:00Z", "2026-04-22T00:02:00Z"],
            "account": ["acct_a", "acct_a", "acct_b"],
            "prompt": ["Solve 12 now", "Solve 7 now", "Solve 3 now"],
            "ip": ["198.51.100.7", "198.51.100.7", "198.51.100.9"],
        }
    )
    assert sorted(t.behaviour["account"].to_list()) == ["acct_a", "acct_b"]
    assert "aid" not in t.behaviour.columns and not hasattr(t, "timing")
    # three heads ("Solve 12 now", ...) are one template: masked once per head, merged
    assert t.texts.select("template", "n").rows() == [("solve # now", 3)]
    tkey = t.texts["tkey"][0]
    assert tkey == pl.select(pl.lit("solve # now").hash(seed=TKEY_SEED)).item()
    tpl = t.templates.sort("account")
    assert tpl.select("account", "n", "distinct").rows() == [("acct_a", 2, 2), ("acct_b", 1, 1)]
    bins = t.bins.join(t.names, on="aid")  # bins keep the integer key
    assert set(bins["account"]) == {"acct_a", "acct_b"}
    # (template, 5-minute bin) packed into one key, distinct per account: acct_a's two
    # requests in one bin are one row
    origin = t.bin_origin
    co = CoActivity(t.bins, t.texts, 2, names=t.names, tids=t.tids, origin=origin)
    unpacked = co.unpacked(t.bins).join(t.names, on="aid").sort("account")
    t0 = datetime(2026, 4, 22, tzinfo=UTC)
    assert unpacked.select("account", "tkey", "minute_bin").rows() == [
        ("acct_a", tkey, t0),
        ("acct_b", tkey, t0),
    ]
    ips = t.row_ids.filter(pl.col("family") == "ip").sort("account")
    assert ips.select("account", "value").rows() == [
        ("acct_a", "198.51.100.7"),
        ("acct_b", "198.51.100.9"),
    ]
    b = t.behaviour.filter(pl.col("account") == "acct_a").row(0, named=True)
    assert (b["distinct_ips"], b["active_days"], b["exchanges"]) == (1, 1, 2)
    # the same template text the per-row wrapper gives
    assert pl.select(wrapper(pl.lit("Solve 12 now"))).item() == "solve # now"


def test_two_accounts_on_one_key_are_refused() -> None:
    """A 64-bit key shared by two accounts would merge them silently: it must raise."""
    raw = pl.DataFrame(
        {"aid": [1], "account": ["a"], "_account_max": ["b"]},
        schema={"aid": pl.UInt64, "account": pl.String, "_account_max": pl.String},
    )
    with pytest.raises(RuntimeError, match="share a 64-bit key"):
        aggregate.resolve({"behaviour": raw})


def test_account_key_is_the_account_hash() -> None:
    df = pl.DataFrame({"account": ["a", "b", "a"]})
    keys = df.select(account_key(pl.col("account")))["account"].to_list()
    assert keys[0] == keys[2] != keys[1]


def test_rejected_rows_of_a_datetime_column_keep_their_timestamp(tmp_path: Path) -> None:
    """--rejects-out shows when a rejected row happened, whatever the source dtype."""
    import extractscan

    req = tmp_path / "requests.parquet"
    pl.DataFrame(
        {
            "timestamp": [datetime(2026, 4, 22, 10, 0, tzinfo=UTC)] * 2,
            "account": ["acct_a", " "],
            "prompt": ["hello there", "no account"],
        }
    ).write_parquet(req)
    f = extractscan.scan(req)
    assert f.input.rows_read == 2 and f.input.rows_rejected == 1
    row = f.rejects.row(0, named=True)
    assert row["reason"] == "missing_account"
    assert row["timestamp"] is not None and row["timestamp"].startswith("2026-04-22 10:00:00")


def test_template_rows_point_into_names_and_texts() -> None:
    """Each (account, template) row carries the account's row in ``names`` and the
    template's in ``texts`` (several heads merged into one template included), so the
    link stage's template cells are those two joins would give."""
    from extractscan.link.identifiers import template_cells
    from tests.conftest import campaign_frames

    requests, _ = campaign_frames()
    extra = pl.DataFrame(  # heads that mask to one template, and one of their own
        {
            "timestamp": ["2026-04-22T00:00:00Z"] * 4,
            "account": ["b00", "b01", "b01", "b02"],
            "prompt": ["Solve 12 now", "Solve 7 now", "Solve 3 now", "Rate this essay"],
        }
    )
    data = pl.concat([requests, extra], how="diagonal_relaxed")
    lf = data.lazy()
    frame = normalize(lf, {c: c for c in data.columns}, lf.collect_schema(), 0)
    t = aggregate.aggregate([frame], Config(), lambda stage, rows: None)
    tpl = t.templates
    assert {"row", "t"} <= set(tpl.columns) and tpl.height > 20
    assert tpl["aid"].to_list() == t.names["aid"].gather(tpl["row"]).to_list()
    assert tpl["tkey"].to_list() == t.texts["tkey"].gather(tpl["t"]).to_list()
    merged = t.texts.filter(pl.col("template") == "solve # now")
    assert merged["n"].to_list() == [3]  # three heads, one template
    carried = template_cells(tpl, t.texts, t.names).sort(pl.all())
    joined = template_cells(tpl.drop("row", "t"), t.texts, t.names).sort(pl.all())
    assert carried.height == tpl.height
    assert carried.equals(joined)
