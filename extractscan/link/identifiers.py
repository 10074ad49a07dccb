"""Account-level identifiers: prompt-template clusters and account attributes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from extractscan.features.identifiers import email_pattern
from extractscan.streamed import streamed


def template_identifiers(
    templates: pl.DataFrame, clusters: pl.DataFrame, names: pl.DataFrame | None = None
) -> pl.DataFrame:
    """(account, "template", cluster) from per-account templates and their clusters.

    Paraphrased wrappers of one campaign share a cluster (MinHash/LSH, see
    :mod:`extractscan.link.fingerprint`), so the template family survives paraphrase.
    ``clusters`` maps ``tkey`` to the ``cluster`` text (its leader template). With
    ``names`` (aid -> account) and an ``aid`` column in ``templates`` (as
    :func:`aggregate.resolve` gives them), rows are deduplicated on that integer key
    and named afterwards. Collected on the streaming engine: 2.6 s instead of 5.8 s at
    28.8M rows (15.5M template rows, 7.7M identifiers), where the eager ``unique()``
    alone took 3.4 s.
    """
    # Deduplicated on an integer cluster number (millions of rows), then labelled.
    numbered = clusters.select(
        "tkey", "cluster", pl.col("cluster").rank("dense").cast(pl.UInt32).alias("_cid")
    )
    if names is not None and "aid" in templates.columns:
        return _by_number(templates, numbered, names)
    pairs = (
        templates.lazy()
        .select("account", "tkey")
        .join(numbered.lazy().select("tkey", "_cid"), on="tkey", how="inner")
        .select("account", "_cid")
        .unique()
    )
    return streamed(
        pairs.join(numbered.lazy().select("_cid", "cluster").unique(), on="_cid").select(
            "account", pl.lit("template").alias("family"), pl.col("cluster").alias("value")
        )
    )


def _by_number(
    templates: pl.DataFrame, numbered: pl.DataFrame, names: pl.DataFrame
) -> pl.DataFrame:
    """:func:`template_identifiers` with each account numbered by its row in ``names``:
    (account row, cluster number) packed in one 64-bit key, deduplicated, and both
    labelled by position (measured at 28.8M rows: 2.1 s of CPU instead of 4.0 s)."""
    rows = names.select("aid").with_row_index("_row")
    keys = streamed(
        templates.lazy()
        .select("aid", "tkey")
        .join(rows.lazy(), on="aid")
        .join(numbered.lazy().select("tkey", "_cid"), on="tkey")
        .select((pl.col("_row").cast(pl.UInt64) * 2**32 + pl.col("_cid")).alias("k"))
    )["k"].unique()  # eager: 0.65 s of CPU for 17M keys at 28.8M rows, 1.6 s streamed
    # dense ranks number the clusters 1..C
    labels = numbered.select("_cid", "cluster").unique("_cid").sort("_cid")["cluster"]
    return pl.DataFrame(
        {
            "account": names["account"].gather(keys // 2**32),
            "family": pl.repeat("template", len(keys), dtype=pl.String, eager=True),
            "value": labels.gather((keys % 2**32).cast(pl.Int64) - 1),
        }
    )


def account_identifiers(accounts: pl.DataFrame) -> pl.DataFrame:
    """(account, family, value) from account attributes (payment, e-mail pattern)."""
    pay = accounts.select(
        "account", pl.lit("payment").alias("family"), pl.col("payment").alias("value")
    )
    mail = accounts.select(
        "account",
        pl.lit("email_pattern").alias("family"),
        email_pattern(pl.col("email")).alias("value"),
    )
    return pl.concat([pay, mail]).drop_nulls("value").unique()


def template_cells(
    templates: pl.DataFrame, texts: pl.DataFrame, names: pl.DataFrame
) -> pl.DataFrame:
    """(row, t, n) per row of ``templates`` (aid, tkey, n): the account's row in
    ``names``, the template's row in ``texts`` and the requests, rows missing from either
    dropped (as the joins of
    :func:`template_identifiers` drop them). Needs no clusters, so it is joined while they
    are found; :func:`numbered_templates` finishes it. Taken as they are when
    ``templates`` carries both rows (``row``, ``t``), as the row stage gives them
    (:func:`extractscan.features.aggregate.resolve`; measured at 28.8M rows: 0.6 s of
    the link stage's start)."""
    if "row" in templates.columns and "t" in templates.columns:
        return templates.select("row", "t", "n")
    return streamed(
        templates.lazy()
        .select("aid", "tkey", "n")
        .join(names.lazy().select("aid").with_row_index("row"), on="aid")
        .join(texts.lazy().select("tkey").with_row_index("t"), on="tkey")
        .select("row", "t", "n")
    )


def numbered_templates(
    cells: pl.DataFrame, cid: np.ndarray, labels: pl.Series, names: pl.DataFrame
) -> tuple[pl.DataFrame, np.ndarray]:
    """:func:`template_identifiers` from :func:`template_cells` and the cluster number
    (1..C, ``cid``) of every row of the texts, with ``labels`` the cluster texts in
    number order; and the deduplicated (account row, cluster number) keys, packed in 64
    bits (account row high): :func:`template_keys` then :func:`labelled_templates`."""
    keys = template_keys(cells, cid)
    return labelled_templates(keys, labels, names), keys


def template_keys(cells: pl.DataFrame, cid: np.ndarray) -> np.ndarray:
    """The distinct (account row, cluster number) of :func:`template_cells`, packed in 64
    bits (account row high), in no particular order."""
    # in place: one array of the cells' length (17M at 28.8M rows) instead of four
    keys = cells["row"].to_numpy().astype(np.uint64)
    keys <<= np.uint64(32)
    keys |= cid[cells["t"].to_numpy()]
    return pl.Series("k", keys).unique().to_numpy()  # eager, as _by_number


def labelled_templates(keys: np.ndarray, labels: pl.Series, names: pl.DataFrame) -> pl.DataFrame:
    """(account, "template", cluster) of :func:`template_keys`: texts by position (the
    costly part, 9M strings at 28.8M rows, made while the pairs are finished)."""
    unique = pl.Series("k", keys)
    return pl.DataFrame(
        {
            "account": names["account"].gather(unique // 2**32),
            "family": pl.repeat("template", len(unique), dtype=pl.String, eager=True),
            "value": labels.gather((unique % 2**32).cast(pl.Int64) - 1),
        }
    )


@dataclass(frozen=True)
class LabelledLater:
    """The template identifiers kept as packed keys (:func:`template_keys`), labelled when
    read: the report reads the incident members' only (at 28.8M rows, 9M identifier
    rows written in the link stage took 0.6 s of a core the rest of it was using)."""

    keys: np.ndarray
    labels: pl.Series
    names: pl.DataFrame

    def rows(self, accounts: pl.Series | None = None) -> pl.DataFrame:
        """(account, "template", cluster) of every account, or of ``accounts`` only, in
        the order of the keys."""
        keys = self.keys
        if accounts is not None:
            mine = self.names["account"].is_in(accounts.unique().implode()).to_numpy()
            keys = keys[mine[(keys >> np.uint64(32)).astype(np.int64)]]
        return labelled_templates(keys, self.labels, self.names)


def chosen_templates(
    keys: np.ndarray, labels: pl.Series, names: pl.DataFrame, values: pl.DataFrame
) -> pl.DataFrame:
    """:func:`labelled_templates` of the keys whose cluster is one of ``values`` (value),
    in the order of ``keys``: the rows of the whole that join ``values`` (what assembly
    reads of the template identifiers), labelled without the others' texts."""
    return labelled_templates(keys[_wanted(labels, values)[keys % 2**32]], labels, names)


def _wanted(labels: pl.Series, values: pl.DataFrame) -> np.ndarray:
    """Per cluster number (0..C, 0 unused): whether its text (``labels``, in number
    order) is one of ``values`` (value)."""
    numbers = pl.DataFrame({"value": labels, "c": pl.int_range(1, len(labels) + 1, eager=True)})
    wanted = np.zeros(len(labels) + 1, dtype=bool)
    wanted[numbers.join(values.select("value"), on="value", how="semi")["c"].to_numpy()] = True
    return wanted


class WrapperUses:
    """A :data:`.assemble.TemplateUses` that counts the requests on the extraction
    wrappers (``common``, value) once: mixed traffic, assembly and the behavioural boxes
    each ask for some of them (measured at 28.8M rows: 0.3-0.6 s each time). Values
    outside ``common`` are counted by ``uses`` as asked; None: every call counted."""

    def __init__(self, uses: Callable[[pl.DataFrame], pl.DataFrame], common: pl.DataFrame | None):
        self._uses = uses
        self._common = None if common is None else common.select("value").unique()
        self._rows: pl.DataFrame | None = None

    def __call__(self, values: pl.DataFrame) -> pl.DataFrame:
        common = self._common
        if common is None or values.join(common, on="value", how="anti").height:
            return self._uses(values)
        rows = self.count()
        assert rows is not None
        return rows.join(values.select("value").unique(), on="value", how="semi")

    def count(self) -> pl.DataFrame | None:
        """The requests on every value of ``common`` (counted the first time; None
        without ``common``): called ahead where a thread has time for it, so that the
        first caller finds them counted."""
        if self._common is not None and self._rows is None:
            self._rows = self._uses(self._common)
        return self._rows


def numbered_uses(
    cells: pl.DataFrame,
    cid: np.ndarray,
    labels: pl.Series,
    names: pl.DataFrame,
    values: pl.DataFrame,
) -> pl.DataFrame:
    """(account, value, n): requests per account on the template clusters ``values``
    (:data:`.assemble.TemplateUses`) from :func:`template_cells`: the cells of the chosen
    clusters picked by number and summed on one packed (account row, cluster) key
    (measured at 28.8M rows, 1.2M sums: 0.6 s instead of 1.4 s on two keys)."""
    wanted = _wanted(labels, values)
    chosen = cells.filter(pl.Series(wanted[cid]).gather(cells["t"]))
    key = chosen["row"].cast(pl.UInt64) * 2**32 + pl.Series(cid).gather(chosen["t"])
    per = pl.DataFrame({"k": key, "n": chosen["n"]}).group_by("k").agg(pl.col("n").sum())
    return per.select(
        names["account"].gather(per["k"] // 2**32).alias("account"),
        labels.gather((per["k"] % 2**32).cast(pl.Int64) - 1).alias("value"),
        "n",
    )
