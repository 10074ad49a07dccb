"""Per-file partial aggregates (``--state``): merged, they equal the tables of one pass
over every file's rows, distinct counts and the peak minute included."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from extractscan.config.settings import Config
from extractscan.features import aggregate
from extractscan.ingest.normalize import normalize

#: Ten words: the head every prompt below shares (one template, several prompts).
WRAP = "Please think about the following question and answer it carefully"

DAY1 = {
    "timestamp": ["2026-04-22T00:00:10Z", "2026-04-22T00:00:40Z", "2026-04-22T00:07:05Z"],
    "account": ["a", "a", "a"],
    "prompt": [f"{WRAP} alpha", f"{WRAP} alpha", f"{WRAP} beta"],
    "ip": ["198.51.100.7", "198.51.100.7", "198.51.100.7"],
    "input_tokens": [10, 10, 10],
    "output_tokens": [20, 20, 20],
}
# the second file: the same minute as the first file's two requests, a prompt sent the
# day before, a new IP, a row without prompt text, another account, and a bad row
DAY2 = {
    "timestamp": [
        "2026-04-22T00:00:50Z",
        "2026-04-23T09:00:00Z",
        "2026-04-23T09:30:00Z",
        "2026-04-23T10:00:00Z",
        "2026-04-23T11:00:00Z",
        "yesterday",
    ],
    "account": ["a", "a", "a", "a", "b", "a"],
    "prompt": [
        f"{WRAP} alpha",
        f"{WRAP} gamma, step by step",
        None,
        f"{WRAP} alpha",
        f"{WRAP} delta",
        "x",
    ],
    "ip": ["198.51.100.7", "198.51.100.8", "198.51.100.8", None, "203.0.113.1", None],
    "input_tokens": [10, 10, 10, 10, 5, 1],
    "output_tokens": [20, 20, None, 20, 5, 1],
}


def _frames() -> list[pl.LazyFrame]:
    out = []
    for i, data in enumerate((DAY1, DAY2)):
        lf = pl.DataFrame(data).lazy()
        out.append(normalize(lf, {c: c for c in data}, lf.collect_schema(), i))
    return out


def _merged() -> aggregate.Aggregates:
    """The two files as an incremental scan keeps them (``_fid`` 40 and 41)."""
    rows = pl.concat(_frames())
    stored = (
        aggregate.projection(rows, Config())
        .with_columns((pl.col("_file").cast(pl.Int64) + 40).alias("_fid"))
        .drop("_file")
        .collect()
        .lazy()
    )
    parts = {k: q.collect().lazy() for k, q in aggregate.stored_partials(stored).items()}
    return aggregate.merged(parts, {40: 0, 41: 1})


def _placed(agg: aggregate.Aggregates, name: str) -> pl.DataFrame:
    """Table ``name`` of ``agg``; for the templates, their rows in ``names`` and
    ``texts`` (positions, which two builds need not share) replaced by the account key
    and template key they point at, checked against the row's own."""
    table = getattr(agg, name)
    if name != "templates":
        return table
    aid = agg.names["aid"].gather(table["row"])
    tkey = agg.texts["tkey"].gather(table["t"])
    assert aid.to_list() == table["aid"].to_list()
    assert tkey.to_list() == table["tkey"].to_list()
    return table.with_columns(aid.alias("row"), tkey.alias("t"))


def test_partials_merge_into_the_tables_of_one_pass() -> None:
    full = aggregate.aggregate(_frames(), Config(), lambda stage, rows: None)
    merged = _merged()
    assert merged.bin_origin == full.bin_origin
    for name in ("counts", "rejects", "behaviour", "hours", "hour_counts", "templates", "texts"):
        a, b = _placed(full, name), _placed(merged, name)
        assert a.columns == b.columns, name
        assert_frame_equal(a.sort(a.columns), b.sort(a.columns), check_exact=True)
    for name in ("days", "models", "row_ids", "bins", "tids", "names"):
        a, b = getattr(full, name), getattr(merged, name)
        assert_frame_equal(a.sort(a.columns), b.sort(b.columns), check_exact=True)


def test_merges_that_are_not_sums() -> None:
    t = _merged()
    a = t.behaviour.filter(pl.col("account") == "a").row(0, named=True)
    assert a["exchanges"] == 7
    # distinct IPs: .7 on both days, .8 and a missing IP (one value) on the second:
    # 3, not the 1 + 3 of the two files
    assert a["distinct_ips"] == 3
    # the busiest minute, 00:00, holds two requests of the first file and one of the
    # second: 3, not either file's peak
    assert a["peak_rpm"] == 3
    # one step-by-step prompt of the 6 with text (the row without text is not measured)
    assert (a["prompts_measured"], a["cot_share"]) == (6, 1 / 6)
    assert (a["input_tokens"], a["output_tokens"]) == (70, 120)
    assert a["active_days"] == 2
    # alpha, beta, gamma under one head: 3 distinct prompts of 6, though each file has
    # 2 (alpha was sent on both days)
    tpl = t.templates.sort("account").select("account", "n", "distinct").rows()
    assert tpl == [("a", 6, 3), ("b", 1, 1)]
    assert t.counts.sort("_file", "_reject").select("_file", "_reject", "n").rows() == [
        (0, None, 3),
        (1, None, 5),
        (1, "bad_timestamp", 1),
    ]
    assert t.rejects.select("_file", "_row", "_reject").rows() == [(1, 5, "bad_timestamp")]


def test_a_file_left_out_of_the_window_is_left_out_of_every_table() -> None:
    rows = pl.concat(_frames())
    stored = (
        aggregate.projection(rows, Config())
        .with_columns((pl.col("_file").cast(pl.Int64) + 40).alias("_fid"))
        .drop("_file")
    )
    parts = {k: q.collect().lazy() for k, q in aggregate.stored_partials(stored).items()}
    only = aggregate.merged(parts, {41: 0})
    alone = aggregate.aggregate(_frames()[1:], Config(), lambda stage, rows: None)
    assert only.rows_read == alone.rows_read == 6
    a = only.behaviour.filter(pl.col("account") == "a").row(0, named=True)
    assert (a["exchanges"], a["distinct_ips"], a["peak_rpm"]) == (4, 3, 1)
    assert_frame_equal(
        only.behaviour.sort("account"), alone.behaviour.sort("account"), check_exact=True
    )
