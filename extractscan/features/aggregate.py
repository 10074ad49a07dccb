"""Aggregate: every row-level query, collected together, then keyed by account text.

Row-level queries group on 64-bit keys (the account's hash ``aid`` and the prompt
head's hash ``hkey``) because hashing text once per row is several times cheaper than
grouping on it in every query. Once collected, the small per-account tables get their
account text back and the distinct heads are masked into templates
(:func:`resolve`), so later stages see the same tables as before: keyed by
``account`` and ``tkey``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from extractscan.config import Config
from extractscan.features import behaviour as features
from extractscan.features import bins as packing
from extractscan.features import identifiers, partials
from extractscan.ingest.filters import FILTERED
from extractscan.model.schema import DTYPES, REQUEST_COLUMNS

#: Progress callback: (stage description, rows known so far or None).
Progress = Callable[[str, int | None], None]

#: The tables each pass yields, in order (``days`` and ``models`` come from one
#: group-by; :func:`resolve` folds ``timing`` into ``behaviour`` and adds ``names``,
#: ``tids`` and ``bin_origin``, see :class:`extractscan.link.coactivity.CoActivity`).
TABLES = (
    "counts",
    "behaviour",
    "timing",
    "hours",
    "hour_counts",
    "templates",
    "texts",
    "days",
    "row_ids",
    "bins",
    "models",
    "rejects",
)


@dataclass(frozen=True)
class Aggregates:
    """What the row stage hands the linking stage: per-account and per-value tables.

    Every table is keyed by the ``account`` text except ``bins`` (about one row per
    request), keyed by the 64-bit ``aid`` that ``names`` maps to the account.

    Attributes:
        counts: rows per (``_file``, ``_reject``) with ``n`` and ``replaced``.
        rejects: the rejected rows (``_file``, ``_row``, ``_reject`` and their values).
        behaviour: one row per account (:data:`behaviour.BEHAVIOUR_FEATURES` inputs),
            with the newest model and the account's first use of it
            (:func:`behaviour.newest_model_use`).
        hours: per account, hour-of-day entropy.
        hour_counts: requests per (account, UTC hour of day): at most 24 rows an account
            (the reports' activity-by-hour charts).
        templates: one row per (account, ``tkey``) with ``n``, ``distinct``,
            ``example`` (a prompt hash), the integer ``aid``, and the template's row in
            ``texts`` (``t``) and the account's in ``names`` (``row``).
        texts: one row per template (``tkey``, ``template``, ``n``).
        days: requests per (account, day).
        models: per (account, model, day): requests and the first request (``first``).
        row_ids: (account, family, value) of the network and client families.
        bins: distinct (``aid``, ``bkey``) co-activity bins, sorted by ``bkey``.
        tids: template number -> ``tkey`` for the packed bins.
        bin_origin: the epoch minute the packed bins count from.
        names: ``aid`` -> ``account``.
    """

    counts: pl.DataFrame
    rejects: pl.DataFrame
    behaviour: pl.DataFrame
    hours: pl.DataFrame
    hour_counts: pl.DataFrame
    templates: pl.DataFrame
    texts: pl.DataFrame
    days: pl.DataFrame
    models: pl.DataFrame
    row_ids: pl.DataFrame
    bins: pl.DataFrame
    tids: pl.DataFrame
    bin_origin: int
    names: pl.DataFrame

    @property
    def rows_read(self) -> int:
        """Rows read in every file (analysed and rejected)."""
        return int(self.counts["n"].sum())

    @classmethod
    def of(cls, tables: dict[str, pl.DataFrame]) -> Aggregates:
        """The tables :func:`resolve` gives, typed."""
        origin = int(tables["bin_origin"]["origin"][0])
        return cls(
            **{k: v for k, v in tables.items() if k != "bin_origin"},
            bin_origin=origin,
        )


class RowCounter:
    """Counts rows as the streaming engine reads them and reports them with the file."""

    def __init__(self, tell: Progress, names: list[str], total: int | None = None) -> None:
        self.tell, self.names, self.rows, self.total = tell, names, 0, total
        self.label = "reading rows"
        self.lock = threading.Lock()

    def __call__(self, batch: pl.DataFrame) -> pl.DataFrame:
        if batch.height:
            name = self.names[int(batch["_file"][-1])]
            with self.lock:  # reports stay in order when batches arrive on several threads
                self.rows += batch.height
                self.tell(f"{self.label}: {name}", self.rows)
                if self.rows == self.total:
                    # Every row is read, but the per-account tables lag behind: polars'
                    # streaming engine feeds one group-by while it keeps the rows for
                    # the others, then runs those one at a time (POLARS_VERBOSE shows
                    # the phases; at 28.8M rows 15-30 s more in two passes, 100 s in one).
                    self.tell(FINISHING, self.rows)
        return batch


#: The text columns checked for U+FFFD (invalid UTF-8 replaced): every text column.
REPLACED_CHECKED = tuple(c for c in REQUEST_COLUMNS if DTYPES[c] == pl.String)

#: The stage after the last row is read, until the per-account tables are complete.
FINISHING = "finishing the per-account tables"


def aggregate(
    frames: list[pl.LazyFrame],
    cfg: Config,
    tell: Progress,
    names: list[str] | None = None,
    passes: int = 1,
    total: int | None = None,
    projected: bool = False,
    rejects_sink: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None,
    accounts_seen: Callable[[int], None] | None = None,
) -> Aggregates:
    """Every row-level query, collected together in one streaming run per pass.

    With ``passes`` > 1 each pass keeps the accounts whose hash falls in its slice, so
    the per-account state held at once is about 1/passes of the whole (every table is
    keyed by account, so the slices simply concatenate); the input is read once per pass.
    ``projected``: ``frames`` are stored projections (:func:`projection`), whose row
    features are already computed, rather than canonical rows.
    ``rejects_sink`` turns the rejected rows' query into a lazy sink (a file written as
    the rows stream past, in the first pass): ``rejects`` is then empty, and the
    rejected rows are never held in memory (2M of them took 0.2 GiB, issue #16).
    ``accounts_seen`` is told, after the first pass, the accounts estimated from its
    slice (exact in one pass); it may raise to stop the scan there.
    Returns the tables as :class:`Aggregates` (see :func:`resolve`).
    """
    rows = pl.concat(frames, how="vertical")
    counter = RowCounter(tell, names or [], total)
    tell("aggregating rows", None)
    out: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
    for k in range(passes):
        mine = rows
        if passes > 1:
            counter.label = f"reading rows (pass {k + 1} of {passes})"
            # rejected rows too: all in the first pass, 2M of them held that pass's
            # buffers past the limit (issue #16); a null account hashes to one slice
            key = pl.col("aid") if projected else features.account_key(pl.col("account"))
            mine = rows.filter(key % passes == k)
        tables = slice_tables(
            mine, cfg, projected, counter if names else None, rejects_sink is None
        )
        if k == 0 and accounts_seen is not None:
            accounts_seen(tables["behaviour"].height * passes)
        for name, frame in tables.items():
            out[name].append(frame)
        del tables
    if rejects_sink is not None:
        # one streaming query of its own (a multiplexed branch of the passes' shared
        # rows buffered them all): the rejected rows go to the sink as they are read
        tell("writing the rejected rows", None)
        written = reject_rows(rows, None if projected else pl.col("prompt").str.slice(0, 200))
        rejects_sink(written).collect(engine="streaming")
        out["rejects"].append(pl.DataFrame(schema=written.collect_schema()))
    if counter.rows != total:  # not said when the last row was counted
        # with the rows read: a log without a known total showed only an early count
        tell(FINISHING, counter.rows or None)
    return merge(out, sliced=passes > 1)


def slice_tables(
    rows: pl.LazyFrame,
    cfg: Config,
    projected: bool = False,
    counter: RowCounter | None = None,
    keep_rejects: bool = True,
) -> dict[str, pl.DataFrame]:
    """The tables of one slice of the accounts (every row of each of its accounts), in
    one streaming run: :data:`TABLES` before :func:`merge` (``rejects`` only with
    ``keep_rejects``). Slices of distinct accounts concatenate (see :func:`merge`):
    the passes of :func:`aggregate` and the partitions of the Spark engine
    (:mod:`extractscan.run.spark_engine`) are such slices."""
    rejected = pl.col("_reject").is_not_null()
    # The regex-heavy row features are computed once and shared by every query
    # (or were computed when the projection was stored: ``--state``).
    slim = (rows if projected else row_features(rows, cfg)).cache()
    good = slim.filter(~rejected)
    per_pass = {
        "behaviour": features.account_behaviour(good),
        "timing": features.account_timing(good),
        "hours": features.account_hours(good),
        "templates": features.account_heads(good),
        "texts": features.head_texts(good),
        "day_models": features.account_day_models(good),
        "row_ids": identifiers.row_identifiers(good),
        "bins": identifiers.template_bins(good),
    }
    # Each slice counts and keeps the rejected rows of its own accounts.
    counts, rejects = row_accounting(slim)
    # The row counter reads one narrow branch of the shared rows: on the main chain
    # every column of every batch went through Python (measured 25 % of the pass).
    # Each pass counts the rows of its slice, so the count reaches the total once.
    ticks = (
        [slim.select("_file").map_batches(counter, streamable=True).select(pl.len())]
        if counter is not None
        else []
    )
    kept = [rejects] if keep_rejects else []
    got = pl.collect_all(
        [*per_pass.values(), counts, *kept, *ticks],
        engine="streaming",
    )
    tables = finish_pass(dict(zip(per_pass, got[: len(per_pass)], strict=True)))
    tables["counts"] = got[len(per_pass)]
    if keep_rejects:
        tables["rejects"] = got[len(per_pass) + 1]
    return tables


def merge(out: dict[str, list[pl.DataFrame]], sliced: bool) -> Aggregates:
    """The :class:`Aggregates` of the slices' tables (``out``: table -> one frame per
    slice). Every per-account table simply concatenates; ``sliced`` (more than one
    slice): the per-template texts and the row counts are summed over the slices and
    the rejected rows put back in the order read."""
    merged = {name: pl.concat(parts) for name, parts in out.items()}
    out.clear()  # the per-slice parts: only ``merged`` holds the tables now
    if sliced:
        merged["rejects"] = merged["rejects"].sort("_file", "_row")  # as read, not by slice
        merged["texts"] = (
            merged["texts"]
            .group_by("hkey")
            .agg(pl.col("head").first(), pl.col("n").sum(), pl.col("ext").sum())
        )
        merged["counts"] = merged["counts"].group_by("_file", "_reject").agg(pl.all().sum())
    return Aggregates.of(resolve(merged))


def finish_pass(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The tables a pass collects, finished (in place): timing features from the
    gathered timestamps, hour-of-day entropy beside the hour counts, and the day and
    model tables split (``day_models``)."""
    tables["timing"] = features.timing_features(tables["timing"])
    tables["hour_counts"] = tables["hours"]  # kept: at most 24 rows an account
    tables["hours"] = features.hour_entropy(tables["hours"])
    tables["days"], tables["models"] = features.days_and_models(tables.pop("day_models"))
    return tables


def stored_partials(rows: pl.LazyFrame) -> dict[str, pl.LazyFrame]:
    """What an incremental scan keeps of each file (:func:`.partials.partials`) and its
    rejected rows (:func:`reject_rows`, with the file's ``_fid`` for ``_file``), from
    projected rows (:func:`projection`) with ``_fid``."""
    rejects = reject_rows(rows.with_columns(pl.col("_fid").alias("_file")))
    return partials.partials(rows) | {"rejects": rejects.rename({"_file": "_fid"})}


def merged(
    parts: dict[str, pl.LazyFrame], number: dict[int, int], tell: Progress | None = None
) -> Aggregates:
    """The window's tables merged from per-file partial aggregates (an incremental
    scan's state, :mod:`.partials`): equal to :func:`aggregate` over the files' rows in
    one pass without a row filter. ``number``: ``_fid`` -> the file's ``_file``;
    ``tell`` hears :data:`FINISHING` once the partials are merged, as a full scan's
    progress does once its rows are read."""
    tables = partials.merge(parts, number)
    if tell is not None:
        tell(FINISHING, None)
    return Aggregates.of(resolve(finish_pass(tables)))


def row_features(rows: pl.LazyFrame, cfg: Config) -> pl.LazyFrame:
    """The per-row features every query of :func:`aggregate` reads: the regex-heavy,
    text-reading part of the row stage. The prompt itself is dropped (its hash stays
    for examples and distinct counts; the first 200 characters for rejected rows)."""
    # Every text column of the log: a replaced byte in the model or the IP counts too.
    replaced = pl.any_horizontal(
        pl.col(c).str.contains("\ufffd", literal=True) for c in REPLACED_CHECKED
    ).fill_null(False)
    rejected = pl.col("_reject").is_not_null()
    return (
        features.with_row_features(rows, cfg.link.co_activity_minutes)
        .with_columns(
            replaced.alias("_replaced"),
            pl.when(rejected).then(pl.col("prompt").str.slice(0, 200)).alias("_prompt_head"),
        )
        .drop("prompt")
    )


def projection(rows: pl.LazyFrame, cfg: Config) -> pl.LazyFrame:
    """The compact per-row record from which :func:`aggregate` (``projected=True``)
    recomputes every table exactly: :func:`row_features` without what no query reads.

    An incremental scan (``--state``) stores it beside each file's partial aggregates
    (:func:`stored_partials`, made from it): the window's tables are merged from the
    partials, and recomputed from the projections when ``--org``/``--account`` or the
    memory plan's passes cut inside the per-file tables. A column a query starts to
    read must be kept here (``tests/test_state.py`` compares both with a full rescan).
    """
    rejected = pl.col("_reject").is_not_null()
    return row_features(rows, cfg).select(
        # only rejected rows are written out with their row number and source text
        pl.exclude("api_key", "_row", "_src_timestamp"),
        pl.when(rejected).then(pl.col("_row")).alias("_row"),
        pl.when(rejected).then(pl.col("_src_timestamp")).alias("_src_timestamp"),
    )


def resolve(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Account text for ``aid`` keys and templates for head keys, on collected tables.

    Works in place (``tables`` is returned, changed) so no second reference keeps the
    big row-keyed tables alive while their replacements are built.

    Raises:
        RuntimeError: two accounts share a 64-bit key (about one chance in 10^9
            for a million accounts), which would merge them silently otherwise.
    """
    behaviour = tables["behaviour"]
    clash = behaviour.filter(pl.col("account") != pl.col("_account_max"))
    if clash.height:
        a, b = clash.row(0, named=True)["account"], clash.row(0, named=True)["_account_max"]
        raise RuntimeError(f"internal: accounts {a!r} and {b!r} share a 64-bit key")
    names = behaviour.select("aid", "account")
    tables["behaviour"] = behaviour.join(tables.pop("timing"), on="aid", how="left").drop(
        "aid", "_account_max"
    )
    for name in ("hours", "hour_counts", "days", "row_ids", "models"):
        tables[name] = _named(tables[name], names)
    # the newest model's name and first use per account (a synchrony signal)
    newest = features.newest_model_use(tables["models"])
    tables["behaviour"] = tables["behaviour"].join(newest, on="account", how="left")
    heads = tables["texts"]
    mapping = features.head_templates(heads)
    tables["texts"] = features.template_texts(heads, mapping)
    # merged on the integer key first: the account text is joined to the merged rows;
    # the key stays beside it (integer joins and deduplication over its ~1 row per
    # (account, template), see :func:`extractscan.link.identifiers.template_identifiers`),
    # and so do the account's row in ``names`` and the template's in ``texts``, which
    # these joins give for one column each (the link stage numbers its template cells
    # by them: two joins of 17M rows at 28.8M rows otherwise)
    placed = mapping.join(tables["texts"].select("tkey").with_row_index("t"), on="tkey")
    tables["templates"] = _named(
        features.per_template(tables["templates"], placed),
        names.with_row_index("row"),
        keep_key=True,
    )
    # The largest table (about one row per request) keeps the integer account key
    # (``names`` maps it, see :class:`extractscan.link.coactivity.CoActivity`); mapped
    # and deduplicated in one
    # streaming query rather than through full intermediate copies.
    # Each (template, minute bin) is packed into one 64-bit key (:func:`bins.bin_key`).
    tids = packing.template_numbers(mapping["tkey"])
    numbers = mapping.select("hkey", "tkey").join(tids, on="tkey").select("hkey", "tid")
    bins = tables.pop("bins")
    origin = packing.bin_origin(bins["minute_bin"])
    tables["bins"] = packing.sorted_bins(
        bins.lazy()
        .join(numbers.lazy(), on="hkey")
        .select("aid", packing.bin_key(pl.col("tid"), pl.col("minute_bin"), origin).alias("bkey"))
        .collect(engine="streaming")
    )
    del bins
    tables["tids"] = tids
    tables["bin_origin"] = pl.DataFrame({"origin": [origin]}, schema={"origin": pl.Int64})
    tables["names"] = names
    return tables


def _named(frame: pl.DataFrame, names: pl.DataFrame, keep_key: bool = False) -> pl.DataFrame:
    """``frame`` with its ``aid`` key replaced by the account text (first column), or
    with the text added in front of it (``keep_key``); other columns of ``names`` are
    added last."""
    rest = [c for c in frame.columns if c != "aid" or keep_key]
    more = [c for c in names.columns if c not in ("aid", "account")]
    return frame.join(names, on="aid").select("account", *rest, *more)


def row_accounting(rows: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Rows per (file, reject reason) and the rejected rows themselves."""
    return (
        rows.group_by("_file", "_reject").agg(
            pl.len().alias("n"), pl.col("_replaced").sum().alias("replaced")
        ),
        reject_rows(rows),
    )


def reject_rows(rows: pl.LazyFrame, prompt: pl.Expr | None = None) -> pl.LazyFrame:
    """The rejected rows (not the filtered ones: rows outside --since/--until/--org/
    --account are counted, not written out) with the columns written out; ``prompt``:
    the prompt's head (default: the ``_prompt_head`` column of the shared rows)."""
    return rows.filter(pl.col("_reject").is_not_null() & (pl.col("_reject") != FILTERED)).select(
        "_file",
        "_row",
        "_reject",
        "account",
        # A datetime source column has no text per row (see normalize._source_text):
        # its value is written out here, for the rejected rows only.
        pl.coalesce("_src_timestamp", pl.col("timestamp").cast(pl.String)).alias("timestamp"),
        "input_tokens",
        "output_tokens",
        (pl.col("_prompt_head") if prompt is None else prompt).alias("prompt"),
    )
