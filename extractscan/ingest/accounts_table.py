"""The accounts table (a billing export): one row per account with its attributes.

Its values win over those found in the request log (:func:`join_attributes`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from extractscan.config import Config
from extractscan.ingest import diagnose, duplicates, files, mapping, paths
from extractscan.ingest.normalize import as_text, parse_timestamp
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
    #: The source dtype of the table's id column (a numeric one drops leading zeros).
    id_dtype: pl.DataType | None = None


#: Text ids that are integral numbers written as floats ("1000.0", "-7.00").
_INTEGRAL_FLOAT = r"^([+-]?\d+)\.0+$"
#: Text ids as a number column writes them (no leading zero, no sign, no fraction).
_CANONICAL_INT = r"^(0|-?[1-9]\d*)$"


def id_key(col: pl.Expr) -> pl.Expr:
    """An account id as the join compares it: trimmed text, an integral float without
    its ``.0`` (a billing export read ``1000`` as the float 1000.0, which joined none
    of the log's "1000")."""
    return col.str.strip_chars().str.replace(_INTEGRAL_FLOAT, "$1")


def _id_text(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """The table's id column as text, integral floats written as integers."""
    if dtype.is_float():
        whole = col.cast(pl.Int64, strict=False)
        text = pl.when(col == col.round(0)).then(whole.cast(pl.String))
        return text.otherwise(col.cast(pl.String))
    return id_key(as_text(col, dtype))


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
    except OSError as exc:  # permission denied: named, like a log file
        raise InputError(f"{f.path}: cannot read: {exc.strerror or exc}") from exc
    except InputError as exc:
        if not encoding_problem(f, str(exc)):
            raise
        # a BOM or invalid UTF-8 in a JSON accounts table: repaired as a log file is
        return _read(f, files.utf8_repaired(f, scratch), cfg, scratch)


def _read(f: files.InputFile, src: files.InputFile, cfg: Config, scratch: Path) -> AccountsInput:
    """:func:`read_accounts` of ``src`` (``f`` or its repaired copy), named as ``f``."""
    raw = files.open_lazy(src, scratch, limits=cfg.limits)
    schema = read_schema(raw, f, scratch)
    wanted = ("account", *ACCOUNT_ATTRS)
    # a --column path into the logs' records (account=userIdentity.arn) that is neither
    # a column nor a path in this table is the logs' alone: the table's own names apply
    names = schema.names()
    explicit = {
        c: v
        for c, v in cfg.columns.items()
        if v in names or "." not in v or paths.split(v, names) is not None
    }
    raw, schema = paths.derive(raw, schema, explicit, str(f.path))
    m = mapping.resolve(schema.names(), wanted, ("account",), explicit, str(f.path))
    duplicates.check(schema.names(), m, explicit, str(f.path))
    id_dtype = schema[m["account"]]
    exprs = [_id_text(pl.col(m["account"]), id_dtype).alias("account")]
    for c in ACCOUNT_ATTRS:
        if c not in m:
            continue
        if c == "signup_at":
            exprs.append(parse_timestamp(pl.col(m[c]), schema[m[c]]).alias(c))
        else:
            exprs.append(as_text(pl.col(m[c]), schema[m[c]]).str.strip_chars().alias(c))
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
    return AccountsInput(table.drop("_conflict"), m, summary, id_dtype)


def matched(accounts: pl.DataFrame, acc_in: AccountsInput) -> AccountsTable | None:
    """What the table held, with how many log accounts it matched and, when it matched
    none (or under half, with numeric ids against text ones), a warning naming the
    likely cause."""
    if acc_in.summary is None or acc_in.table is None:
        return acc_in.summary
    log = accounts.select(id_key(pl.col("account")).alias("k"))["k"]
    ids = acc_in.table["account"]
    hit = int(log.is_in(ids.implode()).sum())
    n = log.len()
    numeric_table = acc_in.id_dtype is not None and acc_in.id_dtype.is_numeric()
    numeric_log = n > 0 and log.str.contains(_CANONICAL_INT).mean() >= 0.5  # type: ignore[operator]
    apart = numeric_table != numeric_log
    warning = None
    if n and (hit == 0 or (hit < n / 2 and apart)):
        what = (
            f"the accounts table matched none of the {n:,} log accounts"
            if hit == 0
            else f"the accounts table matched only {hit:,} of {n:,} log accounts ({hit / n:.0%})"
        )
        warning = f"{what}: {_cause(log, ids, hit, acc_in, numeric_table)}"
    return replace(acc_in.summary, matched_accounts=hit, log_accounts=n, warning=warning)


def _cause(
    log: pl.Series, ids: pl.Series, hit: int, acc_in: AccountsInput, numeric_table: bool
) -> str:
    """The likely reason a table joins few log accounts (told without quoting an id)."""
    src = (acc_in.mapping or {}).get("account", "account")
    dtype = acc_in.id_dtype
    if dtype is not None and dtype.is_float() and ids.str.len_chars().max() >= 16:  # type: ignore[operator]
        return (
            f"its ids are floating-point numbers ({dtype}), which keep only 15-16 digits; "
            "export the id column as text"
        )

    def strip_zeros(s: pl.Series) -> pl.Series:
        return s.str.replace(r"^0+(\d)", "$1")

    if int(strip_zeros(log).is_in(strip_zeros(ids).implode()).sum()) > hit:
        why = f" (the table's id column is numeric, {dtype}, which drops them)"
        return f"the ids differ in leading zeros{why if numeric_table else ''}; export them as text"
    if int(log.str.to_lowercase().is_in(ids.str.to_lowercase().implode()).sum()) > hit:
        return "the ids differ in letter case (compared exactly)"
    if numeric_table:
        return (
            f"the table's ids are numbers ({dtype}) and the log's are text; is the right "
            f"column mapped (account <- {src!r}; --column account=SOURCE)?"
        )
    return (
        f"no id in common; is the right column mapped (account <- {src!r}; "
        "--column account=SOURCE), and is it the export of the same system?"
    )


def join_attributes(accounts: pl.DataFrame, table: pl.DataFrame | None) -> pl.DataFrame:
    """Attributes from the accounts table win over those found in the request log;
    ids are compared by :func:`id_key`."""
    if table is None:
        return accounts
    cols = [c for c in table.columns if c != "account"]
    joined = (
        accounts.with_columns(id_key(pl.col("account")).alias("_key"))
        .join(table.rename({"account": "_key"}), on="_key", how="left", suffix="_tbl")
        .drop("_key")
    )
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
