"""The pipeline: ingest -> normalize -> features -> link -> assess -> findings.

This is the one place that decides when lazy queries are collected: every row-level
query is collected together, once per pass (:func:`aggregate.aggregate`); later stages
work on per-account aggregates. Each stage is a package with one entry point and a
typed output (``ARCHITECTURE.md``):

    ingest  -> list[Opened]      lazy canonical frames, one per file
    features-> Aggregates        per-account and per-value tables (one streaming pass)
    link    -> LinkResult        identifiers, weights, evidence, links, components
    assess  -> tuple[Incident]   scored, explained and ranked incidents
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import polars as pl

from extractscan.assess import assess
from extractscan.config import Config, load_config
from extractscan.features import aggregate, behaviour
from extractscan.features.prompts import prompt_texts
from extractscan.ingest import files, filters, presets
from extractscan.ingest.accounts_table import join_attributes, matched, read_accounts
from extractscan.ingest.coverage import require_analysed
from extractscan.ingest.filters import RowFilter
from extractscan.ingest.opening import (
    Opened,
    Reading,
    bound,
    collect_repairing,
    open_all,
    read_plan,
)
from extractscan.link import CROWDED_BIN_ACCOUNTS, link
from extractscan.link.synchrony import preload_early
from extractscan.model.errors import InputError, UsageError
from extractscan.model.findings import (
    Findings,
    severity_rank,
)
from extractscan.run import incremental, memory, spark_engine, spark_uris
from extractscan.run.pages import no_huge_page_advice
from extractscan.run.state import State, shape
from extractscan.run.summary import input_summary

#: Progress callback: (stage description, rows known so far or None).
Progress = aggregate.Progress


def _noop(stage: str, rows: int | None) -> None:
    return None


def scan(
    paths: Sequence[str | Path] | str | Path,
    accounts: str | Path | None = None,
    config: Config | str | Path | None = None,
    progress: Progress | None = None,
    preset: str | None = None,
    skip_errors: bool = False,
    memory_limit: int | Literal["auto"] | None = "auto",
    *,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    orgs: Sequence[str] = (),
    only_accounts: Sequence[str] = (),
    state: str | Path | None = None,
    rejects_to: str | Path | None = None,
    engine: Literal["polars", "spark"] = "polars",
    spark_master: str | None = None,
) -> Findings:
    """Scan request logs for extraction campaigns.

    Args:
        paths: files, folders (recursive) or globs of request logs; with
            ``engine="spark"`` they may instead be URIs that Spark's Hadoop file
            systems read (``s3a://bucket/logs/2026-11-*/``, ``hdfs://``, ``gs://``,
            ``abfss://``, ``file://``; :mod:`extractscan.run.spark_uris`).
        accounts: optional accounts table (account -> payment, email, signup_at, ...).
        config: a :class:`Config`, a TOML path, or ``None`` for defaults
            (``./extractscan.toml`` if present).
        progress: optional callback told about each stage.
        preset: name of an input preset (see ``extractscan presets``) that maps a
            gateway or cloud export format onto the canonical schema.
        skip_errors: continue past unreadable files; they are listed in
            ``findings.input.files_skipped`` instead of raising.
        memory_limit: bytes the scan should stay within; above what one pass needs
            (estimated from the row count), the rows are aggregated in several passes,
            each holding a slice of the accounts (see :func:`plan_passes`).
            ``"auto"`` (the default): half of this machine's memory (see
            :func:`auto_memory_limit`), using at most :data:`MAX_PASSES` passes rather
            than refusing; ``None``: one pass whatever the size.
        since: analyse only rows at or after this ISO date or time (UTC unless it
            says otherwise).
        until: analyse only rows before this time; a bare date includes that day.
        orgs: analyse only rows of these orgs (the log's ``org`` column, or the
            account's org in the accounts table).
        only_accounts: analyse only rows of these accounts.
        state: a folder kept between scans (``--state DIR``): only files it does not
            hold are read, and the findings equal a full rescan of every file given
            (:mod:`extractscan.run.state`); it is updated once the scan has finished.
        rejects_to: write the rejected rows (the columns of ``findings.rejects``) to
            this Parquet file as they are read, instead of into ``findings.rejects``
            (then empty): they are never held in memory.
        engine: ``"polars"`` (this machine) or ``"spark"``: the row stage (read,
            per-row features, per-account tables) runs on Spark, the rest here
            (:mod:`extractscan.run.spark_engine`; needs ``extractscan[spark]``); the
            findings are the same. ``memory_limit`` does not apply to it.
        spark_master: with ``engine="spark"``: the master URL (``local[4]``,
            ``spark://host:7077``, ``yarn``); default: the active session's, else
            Spark's configured one, else ``local[*]``.

    Rows outside ``since``/``until``/``orgs``/``only_accounts`` are counted as
    filtered (``findings.input.rows_filtered``), not analysed and not rejected.

    Returns:
        The findings, ready for any report format.

    Raises:
        InputError: an input cannot be read or lacks a required column.
        UsageError: the configuration is invalid.

    Example:
        >>> findings = scan("sample_logs/requests.csv.gz", accounts="sample_logs/accounts.csv")
        >>> findings.incidents[0].severity  # doctest: +SKIP
        'critical'
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    tell = progress or _noop
    if isinstance(paths, str | Path):
        paths = [paths]
    reader = presets.get(preset) if preset else None
    row_filter = RowFilter.of(since, until, orgs, only_accounts)
    if engine not in ("polars", "spark"):
        raise UsageError(f"unknown engine {engine!r}: polars or spark")
    if engine != "spark" and spark_master is not None:
        raise UsageError("--spark-master needs --engine spark")
    if engine == "spark" and state is not None:
        raise UsageError("--state is not available with --engine spark (one machine only)")
    uris = spark_uris.remote_inputs(paths, engine)  # listed by Spark, once it runs
    if accounts is not None and files.is_uri(str(accounts)):
        raise UsageError(
            f"--accounts {accounts}: the accounts table is read on this machine; give a "
            "local path (copy the export here)"
        )
    if uris and getattr(reader, "bind", None) is not None:
        raise UsageError(
            f"--preset {preset} joins two logs on this machine: give it local paths, not URIs"
        )
    found = [] if uris else files.discover(paths)
    if state is not None:
        _check_state_place(Path(state), paths, found)
    with tempfile.TemporaryDirectory(prefix="extractscan-") as tmp, no_huge_page_advice():
        if engine == "spark":
            with spark_engine.session(spark_master) as spark:
                found = spark_uris.discover(spark.spark, uris) if uris else found
                how = bound(found, Reading(cfg, Path(tmp), reader, skip_errors))
                return _scan(found, accounts, how, tell, None, row_filter, None, rejects_to, spark)
        how = bound(found, Reading(cfg, Path(tmp), reader, skip_errors))
        if state is None:
            return _scan(found, accounts, how, tell, memory_limit, row_filter, None, rejects_to)
        with State(state, shape(cfg, preset)) as kept:
            return _scan(found, accounts, how, tell, memory_limit, row_filter, kept, rejects_to)


def _scan(
    found: list[files.InputFile],
    accounts_path: str | Path | None,
    how: Reading,
    tell: Progress,
    memory_limit: int | Literal["auto"] | None,
    row_filter: RowFilter,
    kept: State | None = None,
    rejects_to: str | Path | None = None,
    spark: spark_engine.SparkRows | None = None,
) -> Findings:
    """The stages, in order."""
    cfg = how.cfg
    known = files.parquet_rows(found)
    rows = known or files.estimated_rows(found)
    mem = memory.plan(rows, memory_limit)
    how_many = f" in {mem.passes} passes ({mem.why})" if mem.passes > 1 else ""
    tell(f"reading {len(found)} file(s){how_many}", known or None)
    if mem.passes == 1:  # imported beside the row stage of a big scan not short of memory
        preload_early(rows, cfg.link)

    acc_in = read_accounts(accounts_path, cfg, how.scratch)
    window: incremental.Window | None = None
    in_memory_rejects = True
    if kept is not None:  # --state: only new files are read, the window from the state
        window = incremental.read_new(kept, found, lambda f: open_all(f, how), how, tell)
        if not window.files:
            reasons = "; ".join(why for _, why in window.skipped)
            raise InputError(f"no input file could be read: {reasons}")
        org_accounts = _org_accounts(row_filter, window.mappings, acc_in.table)
        agg = incremental.aggregated(window, row_filter, org_accounts, cfg, tell, mem.passes)
        used, mappings, skipped = window.files, window.mappings, window.skipped
        prompts = window.prompts(how)
    elif spark is not None and found[0].uri is not None:  # URIs: read by the Spark tasks
        # the log's own org column is known once the tasks have read it (checked below)
        org_accounts = _org_accounts(row_filter, [{"org": "org"}], acc_in.table)
        got = spark_uris.aggregate_uris(spark.spark, found, how, row_filter, org_accounts, tell)
        agg, opened, skipped = got.aggregates, got.opened, got.skipped
        _org_accounts(row_filter, [o.mapping for o in opened], acc_in.table)
        require_analysed(opened, agg.counts, how.reader, how.scratch)  # 0 of N: exit 3
        used, mappings = [o.file for o in opened], [o.mapping for o in opened]
        prompts = spark_uris.prompts(spark.spark, used, how)
    elif spark is not None:  # the row stage on Spark, the rest here
        opened, skipped = open_all(found, how)
        org_accounts = _org_accounts(row_filter, [o.mapping for o in opened], acc_in.table)
        agg = spark.aggregate(opened, how, row_filter, org_accounts, tell)
        require_analysed(opened, agg.counts, how.reader, how.scratch)  # 0 of N: exit 3
        used, mappings = [o.file for o in opened], [o.mapping for o in opened]
        prompts = spark.prompts(used, how)
    else:
        # ingest: lazy canonical frames
        opened, skipped = open_all(found, how)
        org_accounts = _org_accounts(row_filter, [o.mapping for o in opened], acc_in.table)

        # features: every row-level query in one streaming run per pass
        def collect(frames: list[Opened]) -> aggregate.Aggregates:
            names = [o.file.path.name for o in frames]
            # rows outside the filter are marked right after normalize: counted, not analysed
            lfs = [lf.pipe(filters.mark, row_filter, org_accounts) for lf in read_plan(frames)]
            sink = None
            if rejects_to is not None:
                paths = _paths([o.file for o in frames])

                def sink(rejects: pl.LazyFrame) -> pl.LazyFrame:
                    table = _reject_table(rejects, paths)
                    return table.sink_parquet(rejects_to, lazy=True)  # type: ignore[return-value]

            def accounts_seen(accounts: int) -> None:
                # many accounts, not many rows, can set the peak: said (or refused) here,
                # after the first pass, rather than found out at the end
                if note := mem.check_accounts(rows, accounts):
                    tell(note, None)

            return aggregate.aggregate(
                lfs,
                cfg,
                tell,
                names,
                mem.passes,
                total=known or None,
                rejects_sink=sink,
                accounts_seen=accounts_seen,
            )

        agg, opened, skipped = collect_repairing(opened, skipped, how, collect)
        require_analysed(opened, agg.counts, how.reader, how.scratch)  # 0 of N: exit 3
        in_memory_rejects = rejects_to is None
        used, mappings = [o.file for o in opened], [o.mapping for o in opened]
        frames = read_plan(opened)

        def prompts(keys: list[int]) -> dict[int, str]:
            return prompt_texts(frames, keys)

    total = agg.rows_read
    accounts = behaviour.finish_accounts(agg.behaviour, agg.hours, agg.templates)
    accounts = join_attributes(accounts, acc_in.table)

    # link: identifiers, weights, evidence, decisions, components
    tell("linking accounts", total)
    linked = link(agg, accounts, cfg)

    # assess: scores, coordination, benign checks, ranked incidents
    tell("scoring incidents", total)
    found_accounts, incidents = assess(accounts, agg, linked, cfg, prompts=prompts)

    # findings
    rate = linked.sample_rate(cfg)
    sampled = (
        (
            (
                "co_activity",
                f"{rate:.1%} of time bins with more than {CROWDED_BIN_ACCOUNTS} accounts, "
                "each counted 1/rate times",
            ),
        )
        if rate < 1.0
        else ()
    )
    floor = severity_rank(cfg.flag_severity)
    summary = input_summary(
        used,
        agg.counts,
        found_accounts,
        mappings,
        acc_in.mapping or {},
        accounts_path,
        sum(i.accounts for i in incidents if severity_rank(i.severity) >= floor),
        tuple(skipped),
        signals_sampled=sampled,
        passes=mem.passes,
        accounts_table=matched(accounts, acc_in),
        config=cfg,
        row_filter=row_filter,
        state=window.summary(kept.note) if window is not None and kept is not None else None,
    )
    rejects = _reject_table(agg.rejects.lazy(), _paths(used)).collect()
    if rejects_to is not None and in_memory_rejects:
        # --state rebuilt the window's rejected rows from the state: written out here
        rejects.write_parquet(rejects_to)
        rejects = rejects.clear()
    findings = Findings(
        input=summary,
        incidents=incidents,
        generated_at=datetime.now(UTC).replace(microsecond=0),
        flag_severity=cfg.flag_severity,
        severity_floors=tuple(
            (level, cfg.severity[level]) for level in ("critical", "high", "medium")
        ),
        accounts=found_accounts,
        pairs=linked.pairs(),
        rejects=rejects,
    )
    if window is not None:  # the state changes only once the scan is complete
        window.commit()
    return findings


def _paths(used: list[files.InputFile]) -> dict[int, str]:
    """File number (``_file``) -> the file's path as shown (``file``)."""
    return {i: files.shown(f) for i, f in enumerate(used)}


def _reject_table(rejects: pl.LazyFrame, paths: dict[int, str]) -> pl.LazyFrame:
    """The rejected rows as reported: file, row (from 1), reason, then their values.
    The file's path is looked up, not joined: a join buffered the streamed rows (0.15 GiB
    more for 2M rejected rows)."""
    return rejects.select(
        pl.col("_file")
        .replace_strict(list(paths), list(paths.values()), default=None, return_dtype=pl.String)
        .alias("file"),
        (pl.col("_row") + 1).alias("row"),
        pl.col("_reject").alias("reason"),
        pl.exclude("_row", "_reject", "_file"),
    )


def _check_state_place(
    state: Path, paths: Sequence[str | Path], found: list[files.InputFile]
) -> None:
    """Refuse a state folder inside a scanned folder: its segments would be read as logs.

    Raises:
        UsageError: naming the state folder and the scanned folder or file.
    """
    where = state.resolve()
    for p in paths:
        folder = Path(p)
        if folder.is_dir() and where.is_relative_to(folder.resolve()):
            raise UsageError(
                f"--state {files.path_text(state)} is inside the scanned folder "
                f"{files.path_text(folder)}: its files would be read as logs"
            )
    for f in found:
        if f.path.resolve().is_relative_to(where):
            raise UsageError(
                f"--state {files.path_text(state)} holds an input, {files.path_text(f.path)}"
            )


def _org_accounts(
    row_filter: RowFilter, mappings: list[dict[str, str]], table: pl.DataFrame | None
) -> list[str]:
    """Accounts whose org in the accounts table is one of ``--org``'s.

    Raises:
        UsageError: ``--org`` without an org column in the log or the accounts table.
    """
    if not row_filter.orgs:
        return []
    has_table_org = table is not None and "org" in table.columns
    if not has_table_org and not any("org" in m for m in mappings):
        raise UsageError(
            "--org: neither the log nor the accounts table has an org column "
            "(map one with --column org=SOURCE)"
        )
    if table is None or not has_table_org:
        return []
    listed = pl.Series(row_filter.orgs, dtype=pl.String).implode()
    return sorted(table.filter(pl.col("org").is_in(listed))["account"].to_list())
