"""Candidate pairs: accounts sharing a usable value, with per-family evidence."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.coactivity import CoActivity
from extractscan.link.grouping import anchor_groups
from extractscan.link.shared_bins import shared_bins
from extractscan.link.values import (
    VALUE_ORDER,
    bin_vids,
    in_example_order,
    numbered,
    numbered_bins,
    plain_values,
)
from extractscan.model.families import FAMILIES
from extractscan.streamed import streamed

#: Co-activity counts only when a pair co-occurs in at least ``CO_ACTIVITY_MIN`` time
#: bins (one coincidence is noise) and in full from ``CO_ACTIVITY_FULL`` bins.
CO_ACTIVITY_MIN = 2
CO_ACTIVITY_FULL = 3
#: ... and counts in full only when the shared bins are at least this share of the
#: smaller of the two accounts' (template, bin) sets (overlap coefficient), so heavy
#: users of popular templates, who meet everyone now and then, do not link.
#: Reference: SynchroTrap (Cao et al., CCS 2014) compares users' action sets by set
#: similarity over time windows rather than by raw coincidence counts.
CO_ACTIVITY_OVERLAP = 0.05


#: Families that can make a pair a candidate. A link needs two counting families of
#: which co-activity can be only one, or a shared card (see :func:`decide_links`), so
#: every linkable pair shares a payment, e-mail pattern or network value; the other
#: families (co-activity, user agent, template) are computed for those pairs only.
#: That changes no decision and keeps pair counting linear in the accounts, where
#: co-activity alone grows with the square of the traffic density (measured: 11 M
#: raw co-activity pairs at 4 M rows against 0.9 M candidate pairs).
ANCHORS: tuple[str, ...] = ("payment", "email_pattern", "ip", "ip_prefix")

#: Largest self-join (rows of account pairs sharing a value) built at once; bigger
#: ones run in value-hash slices so memory stays bounded.
PAIR_ROWS_PER_SLICE = 20_000_000


def candidate_pairs(
    ids: pl.DataFrame,
    weights: pl.DataFrame,
    co: CoActivity | None = None,
    cfg: LinkConfig | None = None,
    *,
    restrict: bool = True,
) -> pl.DataFrame:
    """Pairs of accounts sharing a usable value, with per-family evidence.

    Pairs come from the :data:`ANCHORS` families; the other families add evidence to
    those pairs only (``restrict=False`` enumerates every family in full). ``co`` adds
    co-activity from integer bins. Accounts and values are numbered first, so the pair
    self-joins run on integers. Columns: ``a``, ``b`` (a < b), ``family``,
    ``shared_values``, ``example``, ``min_df``, ``weight``, and ``pk``: the pair's
    64-bit key (the two accounts' numbers in account order, see :func:`pair_keys`),
    which later joins and group-bys over the pairs use instead of the two texts.
    The same as :func:`prepare` then :func:`finish` with nothing added.
    """
    return finish(prepare(ids, weights, co, cfg, restrict=restrict))


@dataclass(frozen=True)
class Prepared:
    """:func:`candidate_pairs` up to the families that come late (:func:`finish`).

    ``acc``: (aid, account) numbering; ``v``: the usable values with their number
    ``vid`` (row index); ``groups``: (aid, group) of the anchored groups or None;
    ``keys``: (aid, bid) of the anchor pairs; ``ev``: evidence rows so far, weighted;
    ``anchors``: the families that make pairs; ``texts``: ``tkey`` -> ``template``
    of the co-activity bins, or None."""

    acc: pl.DataFrame
    v: pl.DataFrame
    groups: pl.DataFrame | None
    keys: pl.DataFrame
    ev: pl.DataFrame
    anchors: frozenset[str]
    texts: pl.DataFrame | None

    def takes_late(self, families: set[str]) -> bool:
        """Whether ``families`` can be added by :func:`finish`: support families only
        (no anchor, no co-activity, whose weights need every row at once)."""
        return not (families & (set(self.anchors) | {"co_activity"}))


def anchor_families(cfg: LinkConfig, restrict: bool = True) -> set[str]:
    """The families that make pairs (see :data:`ANCHORS`): every family when not
    ``restrict``-ed or when one family can link a pair."""
    return set(ANCHORS) if restrict and cfg.min_families >= 2 else set(FAMILIES)


def prepare(
    ids: pl.DataFrame,
    weights: pl.DataFrame,
    co: CoActivity | None = None,
    cfg: LinkConfig | None = None,
    *,
    restrict: bool = True,
) -> Prepared:
    """The evidence of ``ids`` and ``co`` (see :func:`candidate_pairs`), before labels.

    Split from :func:`finish` so the link stage can pair the identifiers it has while
    the template clusters are still being found (:func:`extractscan.link.link`)."""
    cfg = cfg or LinkConfig()
    anchors = anchor_families(cfg, restrict)
    acc_parts = [ids["account"]]
    if co is not None:
        acc_parts.append(co.account_names["account"])
    # Eager: a string unique with few distinct values (0.6 s of CPU for 10.5M
    # identifiers at 28.8M rows against 1.7 s streamed).
    acc = pl.concat(acc_parts).unique().sort().to_frame("account").with_row_index("aid")
    texts = co.texts.select(pl.col("tkey").cast(pl.UInt64), "template") if co is not None else None
    plain = plain_values(weights)
    # Co-activity bins are numbered after the values given as text (an example is the
    # first of its pair's values in one family, so the order across families is free)
    # and, when the pairs are taken within anchored groups, only the bins two accounts
    # of one group share (82,000 of the 4.3M usable bins at 28.8M rows, see below).
    mixed = co is not None and bool((plain["family"] == "co_activity").any())
    if co is not None and mixed:  # co-activity also given as text: sorted together
        v = numbered(in_example_order(plain, co.weights(cfg), texts), 0, anchors)
    else:
        v = numbered(plain.sort(*VALUE_ORDER, nulls_last=True), 0, anchors)
    if co is not None and texts is not None and not mixed and "co_activity" in anchors:
        v = pl.concat([v, numbered_bins(co, cfg, texts, None, v.height, anchors)])
    # (aid, vid, anchor) of the identifiers with a usable value (a few hundred thousand
    # of the millions), and the co-activity bins as a lazy query of the same columns.
    # The values with a text only: a bin's value is null and joins no identifier.
    texted = v.lazy().filter(pl.col("bkey").is_null()).select("family", "value", "vid", "anchor")
    u_ids = streamed(
        ids.lazy()
        .join(texted, on=["family", "value"])
        .join(acc.lazy(), on="account")
        .select("aid", "vid", "anchor")
    )
    anchor_parts = [u_ids.filter(pl.col("anchor")).select("aid", "vid")]
    support_parts = [u_ids.filter(~pl.col("anchor")).select("aid", "vid")]
    bins_u = None
    # the grouped accounts (key, aid, group) and their bins, when the bins are taken so
    held: pl.DataFrame | None = None
    grouped: pl.DataFrame | None = None
    if co is not None:
        # The bins' 64-bit account keys map to the pair numbering through the (small)
        # names table, so the (large) bins never carry account text.
        key_to_aid = (
            co.account_names.rename({"aid": "key"}).join(acc, on="account").select("key", "aid")
        )

        def bins_u(accounts: pl.DataFrame) -> pl.LazyFrame:
            """(aid, vid, ...) of the numbered bins of ``accounts`` (key, aid, ...)."""
            return (
                co.bins.lazy()
                .rename({"aid": "key"})
                .join(accounts.lazy(), on="key")
                .join(bin_vids(v), on="bkey")
                .drop("key", "bkey")
            )

        if "co_activity" in anchors:
            anchor_parts.append(streamed(bins_u(key_to_aid)).select("aid", "vid"))
    anchor_ev = pair_evidence(pl.concat(anchor_parts), _attrs(v), None)
    keys = streamed(anchor_ev.lazy().select("aid", "bid").unique())
    groups = anchor_groups(keys)
    with_bins = bins_u is not None and "co_activity" not in anchors
    if groups is not None:
        # Only pairs inside one anchored group can be kept: pairing each value's
        # accounts within their group (an account in none has no pair to support)
        # enumerates a fraction of the pairs (measured: 18M instead of 156M at 28.8M).
        # The bins are taken for the grouped accounts only, and of those only the cells
        # two accounts of a group share (measured at 28.8M rows: 188,000 of the 7.6M
        # usable bin rows of grouped accounts, of 16.8M usable bin rows).
        support_parts = [pl.concat(support_parts).join(groups, on="aid")]
        if with_bins:
            assert co is not None and texts is not None  # with_bins: the bins are given
            grouped = key_to_aid.join(groups, on="aid")
            # the grouped accounts' bins in bin order, filtered on the key (0.4 s of CPU
            # for 28.6M bins at 28.8M rows, a join 0.7 s), then the cells two share
            held = co.bins.filter(pl.col("aid").is_in(grouped["key"].implode()))
            if mixed:
                support_parts.append(shared_bins(held, grouped, bin_vids(v)))
            else:
                # the cells found on each bin's row in the usable bins, then only the
                # bins found numbered (unpacked and sorted: 0.6 s of CPU for every bin)
                row = pl.int_range(pl.len(), dtype=pl.UInt32).alias("vid")
                cells = shared_bins(held, grouped, co.usable(cfg).lazy().select("bkey", row))
                rows = cells["vid"].unique().sort()
                found = numbered_bins(co, cfg, texts, rows, v.height, anchors)
                v = pl.concat([v, found.drop("i")])
                moved = found.select(pl.col("i").alias("vid"), pl.col("vid").alias("_vid"))
                support_parts.append(
                    cells.join(moved, on="vid").select("aid", pl.col("_vid").alias("vid"), "group")
                )
    elif with_bins:
        assert co is not None and texts is not None
        if not mixed:
            v = pl.concat([v, numbered_bins(co, cfg, texts, None, v.height, anchors)])
        support_parts.append(streamed(bins_u(key_to_aid)).select("aid", "vid"))
    support_ev = pair_evidence(pl.concat(support_parts), _attrs(v), keys)
    ev = pl.concat([anchor_ev, support_ev])
    # Co-activity counts in full only when the shared bins are a fair share of the
    # smaller account's (template, bin) activity, counted for the accounts of
    # co-activity rows only (thousands of the hundreds of thousands).
    is_co = pl.col("family") == "co_activity"
    co_ev = ev.filter(is_co)
    needed = acc.join(
        pl.concat([co_ev.select("aid"), co_ev.select(pl.col("bid").alias("aid"))]).unique(),
        on="aid",
        how="semi",
    )
    act_parts = [
        ids.filter(pl.col("family") == "co_activity")
        .join(needed, on="account", how="semi")
        .group_by("account")
        .agg(pl.len().cast(pl.Int64).alias("n"))
    ]
    if co is not None and needed.height:
        wanted = co.account_names.join(needed, on="account", how="semi")
        # Every bin of an account in a co-activity row is among the grouped accounts'
        # (support rows pair within groups): counted there when they were taken.
        if held is None or grouped is None or _outside(wanted, grouped):
            held = co.bins
        act_parts.append(
            streamed(
                held.lazy()
                .join(wanted.lazy().select("aid"), on="aid", how="semi")
                .group_by("aid")
                .agg(pl.len().cast(pl.Int64).alias("n"))
                .join(wanted.lazy(), on="aid")
                .select("account", "n")
            )
        )
    activity = (
        pl.concat(act_parts)
        .group_by("account")
        .agg(pl.col("n").sum())
        .join(acc, on="account")
        .select("aid", "n")
    )
    shared = pl.col("shared_values")
    co_weight = (
        pl.when(shared < CO_ACTIVITY_MIN)
        .then(0.0)
        .otherwise(
            pl.col("mean_weight")
            * (shared.clip(upper_bound=CO_ACTIVITY_FULL) / CO_ACTIVITY_FULL)
            * (shared / pl.min_horizontal("n_a", "n_b") / CO_ACTIVITY_OVERLAP)
            .clip(upper_bound=1.0)
            .fill_null(1.0)
        )
    )
    co_rows = (
        co_ev.join(activity.rename({"n": "n_a"}), on="aid", how="left")
        .join(activity.rename({"aid": "bid", "n": "n_b"}), on="bid", how="left")
        .with_columns(co_weight.alias("weight"))
        .drop("n_a", "n_b")
    )
    rest = ev.filter(~is_co).with_columns(pl.col("max_weight").alias("weight"))
    return Prepared(acc, v, groups, keys, pl.concat([co_rows, rest]), frozenset(anchors), texts)


def _attrs(v: pl.DataFrame) -> pl.DataFrame:
    """What :func:`pair_evidence` reads of the numbered values ``v``."""
    return v.select("vid", "family", "df", "weight", "scale")


def late_values(prep: Prepared, weights: pl.DataFrame) -> pl.DataFrame:
    """The usable values of ``weights`` (of families :meth:`Prepared.takes_late`),
    numbered after ``prep``'s in example order, for :func:`finish`."""
    if not prep.takes_late(set(weights["family"].unique().to_list())):
        raise ValueError("late_values: late identifiers must be of support families only")
    return (
        plain_values(weights)
        .sort(*VALUE_ORDER, nulls_last=True)
        .with_row_index("vid", offset=prep.v.height)
        .with_columns(pl.lit(False).alias("anchor"))
    )


def late_rows(prep: Prepared, values: pl.DataFrame, late: pl.DataFrame) -> pl.DataFrame:
    """(aid, vid) of the identifiers ``late`` (account, family, value) with a usable
    value of ``values`` (:func:`late_values`); their accounts must be numbered."""
    u = streamed(
        late.lazy()
        .join(values.lazy().select("family", "value", "vid"), on=["family", "value"])
        .join(prep.acc.lazy(), on="account", how="left")
        .select("aid", "vid")
    )
    if u["aid"].null_count():
        raise ValueError("late_rows: late identifiers name accounts prepare() did not number")
    return u


def finish(
    prep: Prepared, values: pl.DataFrame | None = None, rows: pl.DataFrame | None = None
) -> pl.DataFrame:
    """:func:`candidate_pairs` from :func:`prepare`, with late identifiers added: their
    ``values`` (:func:`late_values`) and ``rows`` (aid, vid: :func:`late_rows`). The
    same pairs and evidence as if they had been given to :func:`prepare`: their values
    are numbered after the others, which changes no example (the smallest number within
    one family), and they pair within the anchored groups as the others do."""
    v, ev = prep.v, prep.ev
    if values is not None and rows is not None and rows.height:
        u = rows.select("aid", "vid")
        if prep.groups is not None:
            u = u.join(prep.groups, on="aid")
        attrs = values.select("vid", "family", "df", "weight", "scale")
        late_ev = pair_evidence(u, attrs, prep.keys)
        ev = pl.concat([ev, late_ev.with_columns(pl.col("max_weight").alias("weight"))])
    if values is not None:
        v = pl.concat([v, values.select(v.columns)])
    # Numbers follow account order (``acc`` is sorted), so sorting on them is sorting on
    # the account texts; the texts are then picked by number (no join).
    out = ev.filter(pl.col("weight") > 0).sort("aid", "bid", "family")
    # Labelled only for the values that are some pair's example (a few of the millions),
    # picked by number (a value's number is its row).
    examples = v.select(pl.all().gather(out["example_vid"].unique().sort()))
    if prep.texts is not None:  # co-activity bins carry their template's key, not its text
        examples = examples.join(
            prep.texts.rename({"template": "_template"}), on="tkey", how="left"
        ).with_columns(
            pl.when(pl.col("bkey").is_null())
            .then(pl.col("text"))
            .otherwise(pl.col("_template").fill_null("?"))
            .alias("text")
        )
    labels = examples.select(
        pl.col("vid").alias("example_vid"),
        pl.when(pl.col("bkey").is_null())
        .then(pl.col("text"))
        .otherwise(pl.col("text") + " @ " + pl.col("minute_bin").dt.strftime("%Y-%m-%d %H:%M"))
        .alias("example"),
    )
    account = prep.acc["account"]
    out = out.with_columns(
        account.gather(out["aid"]).alias("a"), account.gather(out["bid"]).alias("b")
    ).join(labels, on="example_vid", how="left", maintain_order="left")
    return out.select(
        "a", "b", "family", "shared_values", "example", "min_df", "weight", pair_key("aid", "bid")
    )


def _outside(wanted: pl.DataFrame, grouped: pl.DataFrame) -> bool:
    """Whether an account of ``wanted`` (aid: the bins' key) is not in ``grouped`` (key)."""
    return wanted.join(grouped, left_on="aid", right_on="key", how="anti").height > 0


def pair_evidence(u: pl.DataFrame, attrs: pl.DataFrame, keep: pl.DataFrame | None) -> pl.DataFrame:
    """Per (aid, bid, family) evidence from (aid, vid) rows, in bounded slices.

    ``keep`` (aid, bid): only these pairs are kept (semi-join in each slice).
    """
    empty = pl.DataFrame(
        schema={
            "aid": pl.UInt32,
            "bid": pl.UInt32,
            "family": pl.String,
            "shared_values": pl.UInt32,
            "max_weight": pl.Float64,
            "mean_weight": pl.Float64,
            "example_vid": pl.UInt32,
            "min_df": pl.UInt32,
        }
    )
    if u.is_empty() or (keep is not None and keep.is_empty()):
        return empty
    # Accounts pair up within a value (and within a group when given): one 64-bit
    # cell key for the two, so the group-by and the self-join have a single key.
    if "group" in u.columns:
        cell = pl.col("vid").cast(pl.UInt64) * 2**32 + pl.col("group").cast(pl.UInt64)
        u = u.select("aid", "vid", cell.alias("cell"))
        on = "cell"
    else:
        u = u.select("aid", "vid")
        on = "vid"
    df = streamed(u.lazy().group_by(on).len())
    # An account alone in its cell pairs with no one: at 28.8M rows 7.4M of the 7.6M
    # support rows (co-activity bins that one account of its group used), whose
    # self-join was 1.2 s of the link stage.
    shared = df.filter(pl.col("len") >= 2)
    if shared.height < df.height:
        u = u.join(shared.select(on), on=on, how="semi")
        df = shared
    if u.is_empty():
        return empty
    work = int((df["len"].cast(pl.Int64) ** 2).sum())
    slices = max(1, -(-work // PAIR_ROWS_PER_SLICE))
    # Pairs and families as single integers: the pair rows (tens of millions at seed
    # scale) are joined and grouped on one 64-bit key instead of two keys and a text.
    families = attrs.select("family").unique().sort("family").with_row_index("fam")
    attrs = attrs.join(families, on="family").select(
        "vid", pl.col("fam").cast(pl.UInt8), "df", "weight", "scale"
    )
    keep_keys = keep.select(pair_key("aid", "bid")) if keep is not None else None
    partial = []
    for k in range(slices):
        part = (u.filter(pl.col("vid") % slices == k) if slices > 1 else u).lazy()
        pairs = (
            part.join(part.select(pl.col("aid").alias("bid"), on), on=on)
            .filter(pl.col("aid") < pl.col("bid"))
            .select("vid", pair_key("aid", "bid"))
        )
        if keep_keys is not None:
            pairs = pairs.join(keep_keys.lazy(), on="pk", how="semi")
        partial.append(
            streamed(
                pairs.join(attrs.lazy(), on="vid")
                .group_by("pk", "fam")
                .agg(
                    _fixed(pl.col("scale")).sum().alias("n"),
                    pl.col("weight").max().alias("wmax"),
                    _fixed(pl.col("weight") * pl.col("scale")).sum().alias("wsum"),
                    pl.col("vid").min().alias("example_vid"),
                    pl.col("df").min().alias("min_df"),
                )
            )
        )
    # One slice (the usual case) has one row per (pk, fam) already: no second group-by.
    combined = (
        partial[0]
        if len(partial) == 1
        else pl.concat(partial)
        .group_by("pk", "fam")
        .agg(
            pl.col("n").sum(),
            pl.col("wmax").max(),
            pl.col("wsum").sum(),
            pl.col("example_vid").min(),
            pl.col("min_df").min(),
        )
    )
    merged = (
        combined.lazy()
        .with_columns(
            (pl.col("n") / _FIXED_UNIT).round().alias("shared_values"),
            pl.col("wmax").alias("max_weight"),
            (pl.col("wsum") / pl.col("n")).alias("mean_weight"),
        )
        .join(families.lazy(), on="fam")
        .select(
            (pl.col("pk") // 2**32).alias("aid"),
            (pl.col("pk") % 2**32).alias("bid"),
            *empty.columns[2:],
        )
    )
    return streamed(merged.cast(dict(empty.schema.items())))


#: Sums over pair rows (sample scales, weights) are added in fixed point, in units of
#: 1/2^24: integer sums do not depend on the order rows are added in, which the
#: streaming engine does not fix, so the evidence is the same every run. The rounding
#: (6e-8 of a unit per row) is far below any threshold, and an int64 holds 2.7e7 rows of
#: the largest possible term (weight 20 at sample scale 1000) per pair and family.
_FIXED_UNIT = 2**24


def _fixed(x: pl.Expr) -> pl.Expr:
    return (x * _FIXED_UNIT).round().cast(pl.Int64)


def pair_key(a: str, b: str) -> pl.Expr:
    """One 64-bit key for a pair of 32-bit account numbers (``a`` in the high half)."""
    return (pl.col(a).cast(pl.UInt64) * 2**32 + pl.col(b).cast(pl.UInt64)).alias("pk")


def pair_keys(evidence: pl.DataFrame) -> pl.DataFrame:
    """``evidence`` (``a``, ``b`` texts) with a pair key ``pk`` made the way
    :func:`candidate_pairs` makes it (accounts numbered in text order, ``a``'s number in
    the high 32 bits), but numbering only the accounts in ``evidence``: the keys match
    those of other frames only if they were numbered by the same call."""
    numbers = (
        pl.concat([evidence["a"], evidence["b"]]).unique().sort().to_frame("a").with_row_index("n")
    )
    return (
        evidence.join(numbers, on="a", how="left")
        .join(numbers.rename({"a": "b", "n": "m"}), on="b", how="left")
        .with_columns(pair_key("n", "m"))
        .drop("n", "m")
    )
