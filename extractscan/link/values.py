"""The usable shared values, numbered in example order for :mod:`.pairs`."""

from __future__ import annotations

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.coactivity import CoActivity


def plain_values(weights: pl.DataFrame) -> pl.DataFrame:
    """Usable values of ``weights`` given as text, in the columns of the numbered values."""
    return weights.filter(pl.col("shared") & ~pl.col("too_common")).select(
        "family",
        "value",
        pl.col("df").cast(pl.UInt32),
        "weight",
        pl.col("value").alias("text"),
        pl.lit(None, pl.UInt64).alias("tkey"),
        pl.lit(None, pl.UInt64).alias("bkey"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("minute_bin"),
        pl.lit(1.0).alias("scale"),
    )


VALUE_ORDER = ("family", "df", "text", "minute_bin", "value")


def in_example_order(
    plain: pl.DataFrame, bins: pl.DataFrame | None, texts: pl.DataFrame | None
) -> pl.DataFrame:
    """The usable values sorted by family, rarity, text, bin (examples are the first).

    ``plain``: values given as text (``tkey`` null); ``bins``: the co-activity bins'
    weights (:meth:`CoActivity.weights`), whose text is their template's (``texts``:
    ``tkey`` -> ``template``, "?" when missing). Co-activity bins are most of the rows
    and share a few thousand template texts, so they keep their ``tkey`` (``text``
    null) and sort on the texts' rank, an integer, instead of the texts; "co_activity"
    sorts before every other family name, so the two sorted parts concatenate in order.
    """
    if bins is None or bins.is_empty():
        return plain.sort(*VALUE_ORDER, nulls_last=True)
    assert texts is not None
    if (plain["family"] == "co_activity").any():
        co = _bin_columns(bins)
        # co-activity also given as plain values: the general sort, on the texts
        named = co.join(texts, on="tkey", how="left").with_columns(
            pl.col("template").fill_null("?").alias("text")
        )
        values = pl.concat([named.drop("template"), plain])
        return values.sort(*VALUE_ORDER, nulls_last=True).with_columns(
            pl.when(pl.col("bkey").is_not_null()).then(None).otherwise(pl.col("text")).alias("text")
        )
    return pl.concat([bins_in_order(bins, texts), plain.sort(*VALUE_ORDER, nulls_last=True)])


def _bin_columns(bins: pl.DataFrame) -> pl.DataFrame:
    """Co-activity bins (:meth:`CoActivity.weights` columns) as numbered values."""
    return bins.select(
        pl.lit("co_activity").alias("family"),
        pl.lit(None, pl.String).alias("value"),
        "df",
        "weight",
        pl.lit(None, pl.String).alias("text"),
        pl.col("tkey").cast(pl.UInt64),
        "bkey",
        "minute_bin",
        "scale",
    )


def bins_in_order(
    bins: pl.DataFrame, texts: pl.DataFrame, keep: tuple[str, ...] = ()
) -> pl.DataFrame:
    """The co-activity bins ``bins`` (:meth:`CoActivity.weights` columns, and ``keep``
    kept) as numbered values, sorted as :func:`in_example_order` sorts them: by rarity,
    their template's text (``texts``: ``tkey`` -> ``template``, "?" when missing),
    minute and key."""
    co = pl.concat([_bin_columns(bins), bins.select(keep)], how="horizontal")
    # One template text per key, so (df, text rank, minute) has no ties but equal rows.
    used = co.select("tkey").unique()
    rank = used.join(texts, on="tkey", how="left").select(
        "tkey", pl.col("template").fill_null("?").rank("dense").alias("_rank")
    )
    co = co.join(rank, on="tkey")
    # bkey is (template number, minute): its low 32 bits are the minute.
    rank_bits = int(rank.select(pl.col("_rank").max().fill_null(0)).item()).bit_length()
    df_bits = int(co.select(pl.col("df").max().fill_null(0)).item()).bit_length()
    if df_bits + rank_bits + 32 <= 64:
        # (df, text rank, minute) packed in one 64-bit key: a single-key sort (0.5 s
        # of CPU for 4.3M bins at 28.8M rows against 1.3 s on four keys)
        packed = (
            pl.col("df").cast(pl.UInt64) * 2 ** (rank_bits + 32)
            + pl.col("_rank").cast(pl.UInt64) * 2**32
            + pl.col("bkey") % 2**32
        )
        # keys sharing a text (a missing one, "?") can tie: then the bin breaks it
        order = [packed] if rank["_rank"].n_unique() == rank.height else [packed, "bkey"]
        co = co.sort(order)
    else:
        co = co.sort("df", "_rank", "minute_bin", "bkey")
    return co.drop("_rank")


def numbered(values: pl.DataFrame, offset: int, anchors: frozenset[str] | set[str]) -> pl.DataFrame:
    """``values`` numbered (``vid``) from ``offset``, with whether they make pairs."""
    return values.with_row_index("vid", offset).with_columns(
        pl.col("family").is_in(sorted(anchors)).alias("anchor")
    )


def numbered_bins(
    co: CoActivity,
    cfg: LinkConfig,
    texts: pl.DataFrame,
    rows: pl.Series | None,
    offset: int,
    anchors: frozenset[str] | set[str],
) -> pl.DataFrame:
    """The usable co-activity bins (:meth:`CoActivity.usable`; with ``rows``, those
    rows of it, their row kept as ``i``) in example order, numbered from ``offset``."""
    usable = co.usable(cfg)
    keep: tuple[str, ...] = ()
    if rows is not None:
        usable = usable.with_row_index("i").select(pl.all().gather(rows))
        keep = ("i",)
    return numbered(bins_in_order(co.unpacked(usable), texts, keep), offset, anchors)


def bin_vids(v: pl.DataFrame) -> pl.LazyFrame:
    """(bkey, vid) of the co-activity bins numbered in ``v``."""
    return v.lazy().filter(pl.col("bkey").is_not_null()).select("bkey", "vid")
