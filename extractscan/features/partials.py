"""Per-file partial aggregates: what an incremental scan (``--state``) keeps of each file
so the window's per-account tables are merged from small tables, not recomputed from rows.

:func:`partials` turns stored projections (:func:`.aggregate.projection`, each row with
its file's ``_fid``) into one table per kind of aggregate, keyed by ``_fid`` and the
group. :func:`merge` turns the partials of a window's files into the tables one pass of
:func:`.aggregate.aggregate` collects, which :func:`.aggregate.finish_pass` and
:func:`.aggregate.resolve` then finish exactly as in a full scan. How each merges:

=============  =========================================  ===============================
table          per file (``_fid`` and ...)                merged
=============  =========================================  ===============================
behaviour      aid: counts, sums, min/max, flag counts    sums, min/max; a share is the
               (``k`` true of ``n`` not null)             summed ``k`` over summed ``n``
times          aid, timestamp (every analysed row)        the account's list (see below)
ips            distinct (aid, IP hash)                    distinct again, then counted
hours          (aid, hour): requests                      summed
heads          (aid, hkey, phash): requests               summed; distinct prompts and
                                                          the example from the pairs
texts          hkey: head, requests, extraction-style     summed (one text per head)
day_models     (aid, model, day): requests, output        summed; first request the min
               tokens, first request
row_ids        distinct (aid, family, value)              distinct again
bins           distinct (aid, hkey, minute bin)           concatenated (deduplicated once
                                                          heads are templates, as ever)
counts         reject reason: rows, replaced              per file already
rejects        the rejected rows                          per file already
=============  =========================================  ===============================

Distinct counts (an account's prompts per head, its IPs) are not sums over files: a
prompt sent on two days counts once, so the distinct (account, value) pairs are kept
and counted after the union. The timing features are not merged either: the
inter-arrival spread is a floating-point standard deviation of the sorted gaps, whose
last bits depend on every gap, and the peak minute may straddle two files; each
analysed row's timestamp is kept (8 bytes and the account key a row) and the features
are computed from the window's list as a full scan computes them.
"""

from __future__ import annotations

import polars as pl

from extractscan.features import behaviour as features
from extractscan.features import identifiers

#: The partial tables, in the order they are stored and merged.
PARTS = (
    "behaviour",
    "times",
    "ips",
    "hours",
    "heads",
    "texts",
    "day_models",
    "row_ids",
    "bins",
    "counts",
    "rejects",
)

_FID = "_fid"
_TEXT_MIN = ("org", "payment", "email", "country")


def _flag_counts() -> list[tuple[str, pl.Expr]]:
    """(share name, per-row flag) of every share in :func:`features.account_behaviour`."""
    caps = [(c.removeprefix("cap_") + "_share", pl.col(c)) for c in features.CAP_COLUMNS]
    return [
        *caps,
        ("extraction_share", pl.any_horizontal(*features.CAP_COLUMNS)),
        ("rate_limited_share", pl.col("status") == "429"),
    ]


def partials(rows: pl.LazyFrame) -> dict[str, pl.LazyFrame]:
    """The per-file partial tables of projected rows (with ``_fid``), as lazy queries.

    Each table's first column is ``_fid``. The rejected rows (``rejects``, stored too)
    are :func:`.aggregate.stored_partials`' to add: they are that module's query.
    """
    good = rows.filter(pl.col("_reject").is_null())
    heads = good.filter(pl.col("hkey").is_not_null())
    flag_sums = []
    for name, flag in _flag_counts():
        flag_sums += [
            flag.sum().cast(pl.UInt32).alias(f"_{name}_k"),
            flag.count().cast(pl.UInt32).alias(f"_{name}_n"),
        ]
    return {
        "behaviour": good.group_by(_FID, "aid").agg(
            pl.col("account").min(),
            pl.col("account").max().alias("_account_max"),
            pl.len().alias("exchanges"),
            pl.col("timestamp").min().alias("first_seen"),
            pl.col("timestamp").max().alias("last_seen"),
            pl.col("input_tokens").sum(),
            pl.col("output_tokens").sum(),
            pl.col("output_tokens").is_not_null().any().alias("_has_out"),
            *flag_sums,
            pl.col("signup_at").min(),
            *(pl.col(c).min() for c in _TEXT_MIN),
        ),
        "times": good.select(_FID, "aid", "timestamp"),
        "ips": good.select(
            _FID, "aid", pl.col("ip").hash(seed=features.TKEY_SEED).alias("iph")
        ).unique(),
        "hours": good.group_by(_FID, "aid", "hour").agg(pl.len().alias("n")),
        "heads": heads.group_by(_FID, "aid", "hkey", "phash").agg(pl.len().alias("n")),
        "texts": heads.group_by(_FID, "hkey").agg(
            pl.col("head").first(),
            pl.len().alias("n"),
            pl.any_horizontal(*features.CAP_COLUMNS).fill_null(False).sum().alias("ext"),
        ),
        "day_models": good.group_by(_FID, "aid", "model", "day").agg(
            pl.len().alias("n"),
            pl.col("output_tokens").sum(),
            pl.col("timestamp").min().alias("first"),
        ),
        "row_ids": identifiers.row_identifiers(good, by=(_FID, "aid")),
        "bins": identifiers.template_bins(good, by=(_FID, "aid")).unique(),
        "counts": rows.group_by(_FID, "_reject").agg(
            pl.len().alias("n"), pl.col("_replaced").sum().alias("replaced")
        ),
    }


def merge(parts: dict[str, pl.LazyFrame], number: dict[int, int]) -> dict[str, pl.DataFrame]:
    """The tables one pass of :func:`.aggregate.aggregate` collects (before
    :func:`.aggregate.finish_pass`), merged from the partials of the files ``number``
    holds (``_fid`` -> the file's number in the window, ``_file``)."""
    fids = pl.Series(list(number), dtype=pl.Int64)
    mine = {k: v.filter(pl.col(_FID).is_in(fids.implode())) for k, v in parts.items()}
    shares = []
    names = [name for name, _ in _flag_counts()]
    for name in names:
        k, n = pl.col(f"_{name}_k").sum(), pl.col(f"_{name}_n").sum()
        shares.append(pl.when(n > 0).then(k / n).alias(name))
    behaviour = (
        mine["behaviour"]
        .group_by("aid")
        .agg(
            pl.col("account").min(),
            pl.col("_account_max").max(),
            pl.col("exchanges").sum().cast(pl.UInt32),
            pl.col("first_seen").min(),
            pl.col("last_seen").max(),
            pl.col("input_tokens").sum(),
            pl.col("output_tokens").sum(),
            pl.col("_has_out").any(),
            *shares[:-1],
            # rows whose prompt was measured (the flags are null without prompt text)
            pl.col(f"_{names[0]}_n").sum().cast(pl.UInt32).alias("prompts_measured"),
            shares[-1],
            pl.col("signup_at").min(),
            *(pl.col(c).min() for c in _TEXT_MIN),
        )
    )
    timing = (
        mine["times"]
        .group_by("aid")
        .agg(pl.col("timestamp").alias("_times"))
        .join(
            mine["ips"]
            .select("aid", "iph")
            .unique()
            .group_by("aid")
            .agg(pl.len().alias("distinct_ips")),
            on="aid",
        )
    )
    heads = (
        mine["heads"]
        .group_by("aid", "hkey")
        .agg(
            pl.col("n").sum().cast(pl.UInt32),
            pl.col("phash").n_unique().alias("distinct"),
            pl.col("phash").min().alias("example"),
        )
    )
    texts = (
        mine["texts"]
        .group_by("hkey")
        .agg(pl.col("head").first(), pl.col("n").sum().cast(pl.UInt32), pl.col("ext").sum())
    )
    day_models = (
        mine["day_models"]
        .group_by("aid", "model", "day")
        .agg(
            pl.col("n").sum().cast(pl.UInt32), pl.col("output_tokens").sum(), pl.col("first").min()
        )
    )
    file_no = pl.col(_FID).replace_strict(fids, pl.Series(list(number.values()), dtype=pl.Int32))
    queries = {
        "behaviour": behaviour,
        "timing": timing,
        "hours": mine["hours"].group_by("aid", "hour").agg(pl.col("n").sum().cast(pl.UInt32)),
        "templates": heads,
        "texts": texts,
        "day_models": day_models,
        "row_ids": mine["row_ids"].select("aid", "family", "value").unique(),
        "bins": mine["bins"].select("aid", "hkey", "minute_bin"),
        "counts": mine["counts"].select(file_no.alias("_file"), pl.exclude(_FID)),
        "rejects": mine["rejects"].select(file_no.alias("_file"), pl.exclude(_FID)),
    }
    got = pl.collect_all(list(queries.values()), engine="streaming")
    return dict(zip(queries, got, strict=True))
