"""The accounts table (a billing export): one row per account with its attributes.

Its values win over those found in the request log (:func:`join_attributes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from extractscan.config import Config
from extractscan.ingest import diagnose, duplicates, files, mapping
from extractscan.ingest.normalize import parse_timestamp
from extractscan.ingest.opening import encoding_problem, read_schema
from extractscan.model.errors import InputError
from extractscan.model.findings import AccountsTable
from extractscan.model.schema import ACCOUNT_ATTRS


@dataclass(frozen=True)
class AccountsInput:
    """The accounts table as read: one row per account, the mapping, what it held."""

    table: pl.DataFrame | None = None
    mapping: dict[str, str] | None = None
    summary: AccountsTable | None = None


def read_accounts(path: str | Path | None, cfg: Config, scratch: Path) -> AccountsInput:
    """Read the accounts table: one row per account with canonical attribute columns,
    and what it held (:class:`AccountsTable`).

    An account on several rows gets, per column, the smallest of its values (whatever
    the row order) and is counted as conflicting where those values differ.
    """
    if path is None:
        return AccountsInput()
    found = files.discover([path])
    if len(found) != 1:
        raise InputError(f"{path}: --accounts must be one file, found {len(found)}")
    f = found[0]
    try:
        return _read(f, f, cfg, scratch)
    except InputError as exc:
        if not encoding_problem(f, str(exc)):
            raise
        # a BOM or invalid UTF-8 in a JSON accounts table: repaired as a log file is
        return _read(f, files.utf8_repaired(f, scratch), cfg, scratch)


def _read(f: files.InputFile, src: files.InputFile, cfg: Config, scratch: Path) -> AccountsInput:
    """:func:`read_accounts` of ``src`` (``f`` or its repaired copy), named as ``f``."""
    raw = files.open_lazy(src, scratch)
    schema = read_schema(raw, f, scratch)
    wanted = ("account", *ACCOUNT_ATTRS)
    m = mapping.resolve(schema.names(), wanted, ("account",), cfg.columns, str(f.path))
    duplicates.check(schema.names(), m, cfg.columns, str(f.path))
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
        where = diagnose.first_problem(src, files.plain_path(src, scratch))
        raise InputError(f"{f.path}: cannot read accounts table: {where or exc}") from exc
    summary = AccountsTable(
        rows=int(n["rows"][0]),
        without_account=int(n["without"][0]),
        conflicting_accounts=int(table["_conflict"].sum()),
    )
    return AccountsInput(table.drop("_conflict"), m, summary)


def join_attributes(accounts: pl.DataFrame, table: pl.DataFrame | None) -> pl.DataFrame:
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
