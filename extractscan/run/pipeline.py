"""The pipeline: ingest -> normalize -> features -> link -> score -> findings.

This is the one place that decides when lazy queries are collected: every row-level
query is collected together, once per pass (:func:`aggregate.aggregate`); later stages
work on per-account aggregates.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import polars as pl

from extractscan.assess.incidents import build_incidents
from extractscan.assess.score import account_scores
from extractscan.config.settings import Config, load_config
from extractscan.features import aggregate
from extractscan.features import behaviour as features
from extractscan.ingest import diagnose, mapping, presets
from extractscan.ingest import files as ingest
from extractscan.ingest.normalize import normalize, parse_timestamp
from extractscan.link import fingerprint
from extractscan.link import linking as link
from extractscan.model.errors import InputError, UsageError
from extractscan.model.findings import (
    AccountsTable,
    FileSummary,
    Findings,
    InputSummary,
    severity_rank,
)
from extractscan.model.schema import ACCOUNT_ATTRS, REQUEST_COLUMNS, REQUIRED, SIGNAL_REQUIREMENTS

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
) -> Findings:
    """Scan request logs for extraction campaigns.

    Args:
        paths: files, folders (recursive) or globs of request logs.
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
    if reader is not None and cfg.columns:
        raise UsageError(
            f"--column (or [columns] in the config) cannot be combined with --preset {preset}: "
            "the preset maps the columns itself"
        )
    files = ingest.discover(paths)
    with tempfile.TemporaryDirectory(prefix="extractscan-") as tmp:
        return _scan(files, accounts, cfg, Path(tmp), tell, reader, skip_errors, memory_limit)


def _scan(
    files: list[ingest.InputFile],
    accounts_path: str | Path | None,
    cfg: Config,
    scratch: Path,
    tell: Progress,
    reader: presets.Preset | None = None,
    skip_errors: bool = False,
    memory_limit: int | Literal["auto"] | None = "auto",
) -> Findings:
    known = ingest.parquet_rows(files)
    rows = known or ingest.estimated_rows(files)
    if memory_limit == "auto":
        limit = auto_memory_limit()
        passes = plan_passes(rows, limit, strict=False)
        why = f"memory limit {limit / 2**30:.1f} GiB, half of this machine's"
        if estimated_peak(rows, passes) > limit:  # said, not refused: it may still fit
            why += (
                f"; about {estimated_peak(rows, passes) / 2**30:.1f} GiB estimated even so, "
                "scan fewer files at a time if it runs out of memory"
            )
    else:
        passes = plan_passes(rows, memory_limit)
        why = f"memory limit {memory_limit / 2**30:.1f} GiB" if memory_limit else ""
    how = f" in {passes} passes ({why})" if passes > 1 else ""
    tell(f"reading {len(files)} file(s){how}", known or None)
    opened: list[tuple[ingest.InputFile, pl.LazyFrame, dict[str, str]]] = []
    skipped: list[tuple[str, str]] = []
    for f in files:
        try:
            opened.append(_open(f, len(opened), cfg, scratch, reader))
        except InputError as exc:
            if _encoding_problem(f, str(exc)):
                try:
                    opened.append(_open(f, len(opened), cfg, scratch, reader, repair=True))
                    continue
                except InputError as again:  # repaired, and still not readable
                    exc = again
            if not skip_errors:
                raise exc from None
            skipped.append((str(f.path), str(exc)))
    acc_table, acc_mapping, acc_summary = _accounts_table(accounts_path, cfg, scratch)
    repaired: set[str] = set()  # each file is repaired at most once: no endless retry
    while True:
        if not opened:
            reasons = "; ".join(why for _, why in skipped)
            raise InputError(f"no input file could be read: {reasons}")
        try:
            names = [f.path.name for f, _, _ in opened]
            results = aggregate.aggregate(
                [lf for _, lf, _ in opened], cfg, tell, names, passes, total=known or None
            )
            break
        except pl.exceptions.PolarsError as exc:
            bad = _culprits(opened, scratch, exc)
            repair = {
                str(f.path)
                for f, why in bad
                if _encoding_problem(f, why) and str(f.path) not in repaired
            }
            repaired |= repair
            fatal = [(f, why) for f, why in bad if str(f.path) not in repair]
            if fatal and not skip_errors:
                raise InputError(fatal[0][1]) from exc
            skipped += [(str(f.path), why) for f, why in fatal]
            drop = {str(f.path) for f, _ in fatal}
            keep = [o[0] for o in opened if str(o[0].path) not in drop]
            opened = [
                _open(f, i, cfg, scratch, reader, repair=str(f.path) in repaired)
                for i, f in enumerate(keep)
            ]
    counts, rejects = results["counts"], results["rejects"]
    templates, texts, bins = results["templates"], results["texts"], results["bins"]
    days, models = results["days"], results["models"]
    total = int(counts["n"].sum())
    tell("linking accounts", total)

    accounts = features.finish_accounts(results["behaviour"], results["hours"], templates)
    accounts = _join_attributes(accounts, acc_table)
    accounts = account_scores(accounts)
    texts = texts.sort("template")
    near = fingerprint.clusters(texts["template"].to_list(), texts["n"].to_list())
    clusters = texts.select("tkey", "template").join(near, on="template").select("tkey", "cluster")
    ids = pl.concat(
        [
            results["row_ids"],
            link.template_identifiers(templates, clusters, results["names"]),
            link.account_identifiers(accounts),
        ]
    )
    weights = link.weigh_values(ids, accounts.height, cfg.link)
    co = link.CoActivity(
        bins,
        texts.select("tkey", "template"),
        accounts.height,
        names=results["names"],
        tids=results["tids"],
        origin=int(results["bin_origin"]["origin"][0]),
    )
    evidence = link.candidate_pairs(ids, weights, co, cfg.link)
    links = link.decide_links(evidence, accounts, cfg.link)
    comps = link.components(links, cfg.min_incident_accounts)
    tell("scoring incidents", total)
    frames = [lf for _, lf, _ in opened]
    incidents = build_incidents(
        accounts,
        comps,
        evidence,
        links,
        ids,
        days,
        templates,
        cfg,
        models=models,
        co=co,
        prompts=lambda keys: _prompt_texts(frames, keys),
    )

    inc_of = pl.DataFrame(
        {
            "account": [a for i in incidents for a in i.member_accounts],
            "incident_id": [i.id for i in incidents for _ in i.member_accounts],
            "incident_severity": [i.severity for i in incidents for _ in i.member_accounts],
        },
        schema={"account": pl.String, "incident_id": pl.String, "incident_severity": pl.String},
    )
    accounts = accounts.join(inc_of, on="account", how="left").sort("account")
    floor = severity_rank(cfg.flag_severity)
    flagged = sum(i.accounts for i in incidents if severity_rank(i.severity) >= floor)

    rate = co.sample_rate(cfg.link)
    sampled = (
        (
            (
                "co_activity",
                f"{rate:.1%} of time bins with more than {link.CROWDED_BIN_ACCOUNTS} accounts, "
                "each counted 1/rate times",
            ),
        )
        if rate < 1.0
        else ()
    )
    used_files = [f for f, _, _ in opened]
    summary = _summary(
        used_files,
        counts,
        accounts,
        [m for _, _, m in opened],
        acc_mapping,
        accounts_path,
        flagged,
        tuple(skipped),
    )
    summary = replace(summary, signals_sampled=sampled, passes=passes, accounts_table=acc_summary)
    summary = replace(summary, config_file=cfg.source, config_implicit=cfg.source_implicit)
    paths = pl.DataFrame(
        {"_file": list(range(len(used_files))), "file": [str(f.path) for f in used_files]},
        schema={"_file": pl.Int32, "file": pl.String},
    )
    return Findings(
        input=summary,
        incidents=tuple(incidents),
        generated_at=datetime.now(UTC).replace(microsecond=0),
        flag_severity=cfg.flag_severity,
        accounts=accounts,
        pairs=evidence.join(
            links.select("pk", "total", "linked", "same_org"), on="pk", maintain_order="left"
        ).drop("pk"),
        rejects=rejects.join(paths, on="_file", how="left").select(
            "file",
            (pl.col("_row") + 1).alias("row"),
            pl.col("_reject").alias("reason"),
            pl.exclude("file", "_row", "_reject", "_file"),
        ),
    )


#: Peak memory of a scan, measured on simulated logs (benchmarks/scale.py): about
#: ``BASE_BYTES`` plus ``BYTES_PER_ROW`` per input row, of which the row aggregation
#: (what extra passes divide) is ``AGGREGATION_SHARE``. Fitted on the worst runs at
#: 28.8M rows: 13.8 GiB peak in one pass (11.5 to 13.8 over runs), 7.0 GiB in four or
#: six passes (linking and scoring, about 6.5 GiB, then set the peak): about 510 bytes
#: a row, 60 % of it divided by passes.
BASE_BYTES = 400 * 2**20
BYTES_PER_ROW = 510
AGGREGATION_SHARE = 0.6
MAX_PASSES = 16
#: Share of the machine's memory the default (``"auto"``) limit allows.
AUTO_SHARE = 0.5


def auto_memory_limit() -> int:
    """Half of this machine's physical memory, or of the container's limit if lower
    (cgroup v2 ``memory.max`` or v1 ``memory.limit_in_bytes``)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: assume a small laptop
        total = 8 * 2**30
    for cgroup in (
        Path("/sys/fs/cgroup/memory.max"),
        Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
    ):
        try:
            text = cgroup.read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return int(total * AUTO_SHARE)


def estimated_peak(rows: int, passes: int) -> float:
    """Estimated peak memory in bytes of a scan of ``rows`` rows in ``passes`` passes."""
    fixed = BASE_BYTES + (1 - AGGREGATION_SHARE) * BYTES_PER_ROW * rows
    return fixed + AGGREGATION_SHARE * BYTES_PER_ROW * rows / passes


def plan_passes(rows: int, memory_limit: int | None, strict: bool = True) -> int:
    """How many account-slice passes keep the estimated peak within ``memory_limit``.

    Raises:
        UsageError: the limit is below what the scan needs however many passes
            (the part that passes do not divide: linking, scoring, the report);
            with ``strict=False`` the most passes are used instead.
    """
    if memory_limit is None:
        return 1
    for passes in range(1, MAX_PASSES + 1):
        if estimated_peak(rows, passes) <= memory_limit:
            return passes
    if not strict:
        return MAX_PASSES
    floor = estimated_peak(rows, MAX_PASSES)
    raise UsageError(
        f"--memory-limit {memory_limit / 2**30:.1f} GiB is below the estimated "
        f"{floor / 2**30:.1f} GiB this scan needs for {rows:,} rows even in "
        f"{MAX_PASSES} passes; raise the limit or scan fewer files at a time"
    )


def _open(
    f: ingest.InputFile,
    index: int,
    cfg: Config,
    scratch: Path,
    reader: presets.Preset | None,
    repair: bool = False,
) -> tuple[ingest.InputFile, pl.LazyFrame, dict[str, str]]:
    """Open, map and normalize one file (lazily); ``repair`` replaces invalid UTF-8."""
    src = ingest.utf8_repaired(f, scratch) if repair else f
    if reader is not None:
        raw = reader.read(src, ingest.plain_path(src, scratch))
        explicit: dict[str, str] = {}
    else:
        raw = ingest.open_lazy(src, scratch)
        explicit = cfg.columns
    schema = _schema(raw, f, scratch)
    m = mapping.resolve(schema.names(), REQUEST_COLUMNS, REQUIRED, explicit, str(f.path))
    return f, normalize(raw, m, schema, index), m


def _encoding_problem(f: ingest.InputFile, message: str) -> bool:
    """Whether a JSON file was refused only for invalid UTF-8 (repairable); polars says
    "utf-8", "InvalidUtf8" or "invalid utf8" depending on where it found the byte."""
    return f.format in ("jsonl", "json") and re.search(r"utf-?8", message, re.I) is not None


def _prompt_texts(frames: list[pl.LazyFrame], keys: list[int]) -> dict[int, str]:
    """The text of the prompts with these hashes (a second, narrow read of the input).

    Only the few example prompts a report shows are looked up, so no prompt text is
    held per account or per template during the scan.
    """
    if not keys:
        return {}
    h = features.prompt_hash(pl.col("prompt"))
    # Rejected rows are not filtered out: a prompt with the same hash has the same text
    # wherever it is, and reading the prompt column alone skips the row checks.
    found = (
        pl.concat(frames, how="vertical")
        .select("prompt")
        .filter(h.is_in(pl.Series(keys, dtype=pl.UInt64).implode()))
        .group_by(h.alias("key"))
        .agg(pl.col("prompt").first())
        .collect(engine="streaming")
    )
    return {int(k): str(p) for k, p in found.iter_rows()}


def _culprits(
    opened: list[tuple[ingest.InputFile, pl.LazyFrame, dict[str, str]]],
    scratch: Path,
    exc: pl.exceptions.PolarsError,
) -> list[tuple[ingest.InputFile, str]]:
    """Which files make the query fail, each with a sentence naming file and line."""
    bad: list[tuple[ingest.InputFile, str]] = []
    for f, lf, _ in opened:
        try:
            lf.collect(engine="streaming")
        except pl.exceptions.PolarsError as file_exc:
            where = diagnose.first_problem(f, ingest.plain_path(f, scratch))
            first = str(file_exc).strip().splitlines()[0] if str(file_exc).strip() else ""
            bad.append((f, f"{f.path}: cannot read as {f.label}: {where or first}"))
    if not bad:  # not attributable to one file: report the engine's own message
        raise InputError(f"cannot read input: {str(exc).strip().splitlines()[0]}") from exc
    return bad


def _schema(raw: pl.LazyFrame, f: ingest.InputFile, scratch: Path) -> pl.Schema:
    try:
        return raw.collect_schema()
    except pl.exceptions.PolarsError as exc:
        where = diagnose.first_problem(f, ingest.plain_path(f, scratch))
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{f.path}: cannot read as {f.label}: {where or first}") from exc


def _accounts_table(
    path: str | Path | None, cfg: Config, scratch: Path
) -> tuple[pl.DataFrame | None, dict[str, str], AccountsTable | None]:
    """Read the accounts table: one row per account with canonical attribute columns,
    and what it held (:class:`AccountsTable`).

    An account on several rows gets, per column, the smallest of its values (whatever
    the row order) and is counted as conflicting where those values differ.
    """
    if path is None:
        return None, {}, None
    files = ingest.discover([path])
    if len(files) != 1:
        raise InputError(f"{path}: --accounts must be one file, found {len(files)}")
    try:
        return _read_accounts(files[0], files[0], cfg, scratch)
    except InputError as exc:
        if not _encoding_problem(files[0], str(exc)):
            raise
        # a BOM or invalid UTF-8 in a JSON accounts table: repaired as a log file is
        return _read_accounts(files[0], ingest.utf8_repaired(files[0], scratch), cfg, scratch)


def _read_accounts(
    f: ingest.InputFile, src: ingest.InputFile, cfg: Config, scratch: Path
) -> tuple[pl.DataFrame, dict[str, str], AccountsTable]:
    """:func:`_accounts_table` of ``src`` (``f`` or its repaired copy), named as ``f``."""
    raw = ingest.open_lazy(src, scratch)
    schema = _schema(raw, f, scratch)
    wanted = ("account", *ACCOUNT_ATTRS)
    m = mapping.resolve(schema.names(), wanted, ("account",), cfg.columns, str(f.path))
    exprs = [pl.col(m["account"]).cast(pl.String).str.strip_chars().alias("account")]
    for c in ACCOUNT_ATTRS:
        if c not in m:
            continue
        if c == "signup_at":
            exprs.append(parse_timestamp(pl.col(m[c]), schema[m[c]]).alias(c))
        else:
            exprs.append(pl.col(m[c]).cast(pl.String).str.strip_chars().alias(c))
    attrs = [c for c in ACCOUNT_ATTRS if c in m]
    rows = raw.select(exprs)
    has_id = pl.col("account").is_not_null() & (pl.col("account") != "")
    differ = [pl.col(c).drop_nulls().n_unique() > 1 for c in attrs]
    try:
        table, n = pl.collect_all(
            [
                rows.filter(has_id)
                .group_by("account")
                .agg(
                    *(pl.col(c).drop_nulls().min() for c in attrs),
                    (pl.any_horizontal(differ) if differ else pl.lit(False)).alias("_conflict"),
                ),
                rows.select(pl.len().alias("rows"), (~has_id).sum().alias("without")),
            ]
        )
    except pl.exceptions.PolarsError as exc:
        where = diagnose.first_problem(src, ingest.plain_path(src, scratch))
        raise InputError(f"{f.path}: cannot read accounts table: {where or exc}") from exc
    summary = AccountsTable(
        rows=int(n["rows"][0]),
        without_account=int(n["without"][0]),
        conflicting_accounts=int(table["_conflict"].sum()),
    )
    return table.drop("_conflict"), m, summary


def _join_attributes(accounts: pl.DataFrame, table: pl.DataFrame | None) -> pl.DataFrame:
    """Attributes from the accounts table win over those found in the request log."""
    if table is None:
        return accounts
    cols = [c for c in table.columns if c != "account"]
    joined = accounts.join(table, on="account", how="left", suffix="_tbl")
    joined = joined.with_columns(
        pl.coalesce(pl.col(f"{c}_tbl"), pl.col(c)).alias(c) for c in cols
    ).drop(f"{c}_tbl" for c in cols)
    if "signup_at" in cols:
        joined = joined.with_columns(
            ((pl.col("first_seen") - pl.col("signup_at")).dt.total_seconds() / 86_400).alias(
                "account_age_days"
            )
        )
    return joined


def _summary(
    files: list[ingest.InputFile],
    counts: pl.DataFrame,
    accounts: pl.DataFrame,
    mappings: list[dict[str, str]],
    acc_mapping: dict[str, str],
    accounts_path: str | Path | None,
    flagged: int,
    skipped: tuple[tuple[str, str], ...] = (),
) -> InputSummary:
    per_file = []
    for i, f in enumerate(files):
        c = counts.filter(pl.col("_file") == i)
        read = int(c["n"].sum())
        rejected = int(c.filter(pl.col("_reject").is_not_null())["n"].sum())
        per_file.append(FileSummary(str(f.path), f.label, read, read - rejected, rejected))
    reasons = (
        counts.filter(pl.col("_reject").is_not_null())
        .group_by("_reject")
        .agg(pl.col("n").sum())
        .sort(["n", "_reject"], descending=[True, False])
    )
    used: dict[str, list[str]] = {}
    for m in [*mappings, acc_mapping]:
        for canonical, source in m.items():
            used.setdefault(canonical, [])
            if source not in used[canonical]:
                used[canonical].append(source)
    available = set(used)
    off = tuple(
        (signal, "missing column(s): " + ", ".join(c for c in need if c not in available))
        for signal, need in SIGNAL_REQUIREMENTS.items()
        if not all(c in available for c in need)
    )
    read = sum(f.rows_read for f in per_file)
    rejected = sum(f.rows_rejected for f in per_file)
    return InputSummary(
        files=tuple(per_file),
        rows_read=read,
        rows_analysed=read - rejected,
        rows_rejected=rejected,
        rejected_by_reason=tuple((str(r), int(n)) for r, n in reasons.iter_rows()),
        first_seen=accounts["first_seen"].min() if accounts.height else None,  # type: ignore[arg-type]
        last_seen=accounts["last_seen"].max() if accounts.height else None,  # type: ignore[arg-type]
        accounts_seen=accounts.height,
        accounts_flagged=flagged,
        column_mapping=tuple((c, " | ".join(s)) for c, s in sorted(used.items())),
        accounts_file=str(accounts_path) if accounts_path is not None else None,
        signals_off=off,
        files_skipped=skipped,
        rows_with_replaced_bytes=int(counts["replaced"].sum()),
    )
