"""Co-activity bins packed into 64-bit keys (template number and minute).

The streaming pass yields (account key, head key, minute bin) rows; once heads are
templates (:func:`extractscan.features.aggregate.resolve`), each (template, bin) pair
becomes one integer (:func:`bin_key`), which the linking stage groups and joins.
"""

from __future__ import annotations

import polars as pl

from extractscan.model.errors import InputError

#: A co-activity bin's key packs the template number (``tid``) in the high 32 bits and
#: the bin's minute, counted from the log's earliest bin (:func:`bin_origin`), in the low
#: 32: one 64-bit integer instead of (tkey, minute_bin), which the group-bys and joins
#: over the bins (about one row per request) handle much faster.
_BIN_SHIFT = 2**32


def bin_origin(minute_bin: pl.Series) -> int:
    """The epoch minute of the earliest bin, from which :func:`bin_key` counts minutes.

    Raises:
        InputError: the timestamps span 2^32 minutes (8,000 years) or more, which only
            placeholder dates at both ends of the calendar produce.
    """
    minutes = minute_bin.dt.epoch("s") // 60
    if minutes.is_null().all():
        return 0
    lo, hi = int(minutes.min()), int(minutes.max())  # type: ignore[arg-type]
    if hi - lo >= _BIN_SHIFT:
        raise InputError(
            f"timestamps span more than 8,000 years ({str(minute_bin.min())} to "
            f"{str(minute_bin.max())}): check the timestamp column for placeholder dates"
        )
    return lo


def template_numbers(tkeys: pl.Series) -> pl.DataFrame:
    """(tid, tkey): the distinct template keys numbered in key order (for :func:`bin_key`)."""
    return (
        tkeys.rename("tkey").cast(pl.UInt64).to_frame().unique().sort("tkey").with_row_index("tid")
    )


def bin_key(tid: pl.Expr, minute_bin: pl.Expr, origin: int) -> pl.Expr:
    """The packed 64-bit key of a (template number, minute bin) pair; ``origin`` from
    :func:`bin_origin` of the same bins."""
    minutes = minute_bin.dt.epoch("s") // 60 - origin
    return tid.cast(pl.UInt64) * _BIN_SHIFT + minutes.cast(pl.UInt64)


def sorted_bins(bins: pl.DataFrame) -> pl.DataFrame:
    """Distinct (aid, bkey) rows sorted by ``bkey`` then ``aid``.

    Sorted and deduplicated in one go (rows equal to the one before are dropped):
    measured at 28.8M rows, 0.6 s more than a hash unique, but polars then groups and
    joins the sorted key in a single sweep (bins per key: 0.1 s instead of 4.2 s).
    """
    out = bins.select("aid", "bkey").sort("bkey", "aid")
    repeat = (pl.col("bkey") == pl.col("bkey").shift()) & (pl.col("aid") == pl.col("aid").shift())
    return out.filter(~repeat.fill_null(False))
