"""Co-activity beyond chance: a busy account meets everyone now and then.

Two accounts using one template in the same minutes are evidence when that is rare. An
account sending hundreds of requests an hour (a reseller, an aggregator) uses the
everyday templates in most minutes, so it meets every account that sends them too:
at four times the rows, a reseller with 194,691 requests met five accounts of a
campaign that mixes resold requests into its traffic in two to five (template, minute)
bins each and was linked to them (held-out world 203 at 4x, a benign account at high).

So the co-activity of a pair is weighed by the share of its shared bins that chance does
not explain, counted on the everyday templates (those that are not extraction wrappers,
:mod:`.assemble`): two accounts sending one campaign's wrapper in the same minutes share
something rare, however busy they are (held-out world 241: a 25-account hydra hiding
among 70 proxy customers per exit was linked by it). With ``n_a,t`` and ``n_b,t`` the
bins in which the two accounts use template ``t`` (counted as their requests on it,
which bound them) and ``T`` the bins the log spans, the bins they share by chance number
about ``E = sum_t n_a,t * n_b,t / T`` (each account's bins on a template spread over the
log's time independently), and at most ``C``, a percentile of a Poisson count of mean
``E``. A pair sharing ``s`` bins keeps ``(s - C) / s`` of its co-activity weight; none
when ``C >= s``: a reseller meeting a campaign account in four bins where chance gives
1.7 (``C`` = 4) is not evidence. The exact count is made only for pairs whose request
volumes could give ``E`` of ``-ln 0.95`` (chance of even one shared bin 5 %; "busy"
pairs): campaign accounts sending a few hundred requests each over weeks meet by chance
in a thousandth of a bin, and their shared bins are kept whole.

Every busy pair that met is a test, so ``C`` holds for all of them at once: the
``1 - 0.05 / m`` percentile for ``m`` busy pairs (Bonferroni), not the 95th of each, and
0 only where ``E`` is below ``-ln(1 - 0.05 / m)``. Per pair, one in twenty pairs beats
its own 95th percentile by chance: in held-out world 491, 62 accounts of a hydra that
resold everyday requests over three days and 93 of a grader sending 11,000 requests each
met in 3 to 5 bins where chance gave 0.3 to 0.4, five such pairs among thousands, and
with a shared disposable e-mail pattern they joined the two campaigns in one incident;
in world 528 a proxy customer met a hydra account in two bins where chance gave 0.03
and, with the exit they shared, was linked to it at high. Counted over the busy pairs that met
(pairs that never met were tested too, so ``m`` if anything understates the tests and
the bound stays lenient).

Reference: SynchroTrap (Cao et al., CCS 2014) compares users' actions against what
independent activity would give; the expected overlap of two independent uniform
samples.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from extractscan.link.pairs import Prepared

#: The confidence of the chance bound ``C``, over all the busy pairs that met.
LEVEL = 0.95
#: The least ``E`` (bounded by the two volumes) for which a pair is counted: P(X >= 1)
#: = 1 - exp(-E) reaches 1 - LEVEL.
NEGLIGIBLE = -math.log(LEVEL)


def chance_adjusted(
    evidence: pl.DataFrame,
    templates: pl.DataFrame,
    exchanges: pl.DataFrame,
    span: float,
    everyday: pl.DataFrame | None = None,
    names: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """``evidence`` with each ``co_activity`` weight scaled by the share of the pair's
    shared bins beyond chance (rows left without weight dropped; order kept).

    ``templates`` (account, tkey, n): requests per account and template, which bound its
    bins on the template (so chance is if anything overstated); ``exchanges`` (account,
    exchanges) bounds all its bins; ``span``: the bins the log spans; ``everyday``
    (tkey): the templates chance is counted on (None: all); ``names`` (aid, account):
    the 64-bit keys of ``templates``' ``aid`` column, when it has one."""
    is_co = pl.col("family") == "co_activity"
    if span <= 0 or not evidence.select(is_co.any()).item():
        return evidence
    co = evidence.filter(is_co).select("a", "b", "shared_values")
    return with_factors(evidence, chance_factors(co, templates, exchanges, span, everyday, names))


def chance_factors(
    co: pl.DataFrame,
    templates: pl.DataFrame,
    exchanges: pl.DataFrame,
    span: float,
    everyday: pl.DataFrame | None = None,
    names: pl.DataFrame | None = None,
) -> pl.DataFrame | None:
    """(a, b, family, _f): the share ``_f`` of each busy pair's shared bins beyond chance,
    from the ``co_activity`` rows ``co`` (a, b, shared_values) of the evidence; the other
    arguments as :func:`chance_adjusted`'s. None when no pair is busy. The rows' order
    does not matter (the pairs are counted and sorted here), so the link stage works
    them out from the pairs' co-activity rows before the other families are added."""
    if span <= 0 or co.is_empty():
        return None
    volume = exchanges.select("account", pl.col("exchanges").cast(pl.Float64))
    # E <= n_a * n_b / T <= exchanges_a * exchanges_b / T: only pairs whose volumes
    # could reach NEGLIGIBLE are counted exactly.
    pairs = (
        co.select("a", "b", pl.col("shared_values").cast(pl.Float64).alias("s"))
        .join(volume.rename({"account": "a", "exchanges": "va"}), on="a")
        .join(volume.rename({"account": "b", "exchanges": "vb"}), on="b")
        .filter(pl.col("va") * pl.col("vb") / span >= NEGLIGIBLE)
        .select("a", "b", "s")
    )
    if pairs.is_empty():
        return None
    needed = pl.concat([pairs["a"], pairs["b"]]).unique().to_frame("account")
    rows = templates.lazy()
    keys = None if names is None else names.join(needed, on="account", how="semi")
    if keys is not None and "aid" in templates.columns and keys.height == needed.height:
        # picked by the 64-bit account key: a few thousand accounts of 17M template rows
        # at 28.8M rows, hashed as integers (0.1 s of CPU instead of 0.6 s as texts)
        rows = rows.filter(pl.col("aid").is_in(keys["aid"].implode()))
    else:
        rows = rows.join(needed.lazy(), on="account", how="semi")
    if everyday is not None:
        rows = rows.join(everyday.lazy(), on="tkey", how="semi")
    per = rows.select("account", "tkey", pl.col("n").cast(pl.Float64)).collect()
    expected = pairs.with_columns(pl.Series("e", shared_requests(pairs, per) / span))
    # every busy pair that met is a test: the bound holds for all of them at once, and
    # is 0 only where even one shared bin is beyond chance at that level
    level = 1.0 - (1.0 - LEVEL) / pairs.height
    expected = expected.filter(pl.col("e") >= -math.log(level)).sort("a", "b")
    if expected.is_empty():
        return None
    bound = poisson_percentile(expected["e"].to_numpy(), level)
    chance = expected.with_columns(pl.Series("c", bound, dtype=pl.Float64)).select(
        "a",
        "b",
        pl.lit("co_activity").alias("family"),
        ((pl.col("s") - pl.col("c")) / pl.col("s")).clip(0.0, 1.0).alias("_f"),
    )
    return None if chance.is_empty() else chance


def co_rows(prep: Prepared) -> pl.DataFrame:
    """(a, b, shared_values) of the co-activity evidence :func:`.pairs.finish` gives, in
    any order (no family it adds later is co-activity: :meth:`.pairs.Prepared.takes_late`),
    for :func:`chance_factors`."""
    co = prep.ev.filter((pl.col("family") == "co_activity") & (pl.col("weight") > 0))
    account = prep.acc["account"]
    return pl.DataFrame(
        [
            account.gather(co["aid"]).alias("a"),
            account.gather(co["bid"]).alias("b"),
            co["shared_values"],
        ]
    )


def with_factors(evidence: pl.DataFrame, chance: pl.DataFrame | None) -> pl.DataFrame:
    """``evidence`` with the ``co_activity`` weights of the pairs of ``chance``
    (:func:`chance_factors`) scaled by their factor; rows left without weight dropped,
    order kept."""
    if chance is None:
        return evidence
    cols = evidence.columns
    chance = chance.with_columns(pl.col("family").cast(evidence.schema["family"]))
    return (
        evidence.join(chance, on=["a", "b", "family"], how="left", maintain_order="left")
        .with_columns((pl.col("weight") * pl.col("_f").fill_null(1.0)).alias("weight"))
        .filter(pl.col("weight") > 0)
        .select(cols)
    )


#: Largest block of a dense pairs-by-accounts product (cells) made at once.
BLOCK_CELLS = 20_000_000


def shared_requests(pairs: pl.DataFrame, per: pl.DataFrame) -> np.ndarray:
    """Per row of ``pairs`` (a, b): the sum over templates of the two accounts' requests
    on each, ``sum_t n_a,t * n_b,t``, from ``per`` (account, tkey, n).

    The accounts-by-templates counts as a sparse matrix, multiplied with itself a block
    of accounts at a time (each block's product against every account at most
    :data:`BLOCK_CELLS` cells), and each pair read off its block: memory bounded by the
    block whatever the pairs. Joining the pairs to their accounts' templates instead
    made a row per pair and template of one account: 385M rows for 1.6M pairs of 2,251
    accounts with 235 templates each (a 2,120-account identifier-free campaign at 13.8M
    rows, which ran out of 24 GiB). The counts are integers, so the sums are exact
    whatever their order.

    When the pairs' own rows hold fewer cells than the product would multiply (few
    pairs among many accounts: 1,687 pairs of 2,886 accounts at 28.8M rows, 0.5M cells
    against 295M multiplications, 0.6-2.3 s), each pair's two rows are multiplied
    instead (:func:`_row_products`, 0.06 s there)."""
    from scipy.sparse import csr_matrix

    out = np.zeros(pairs.height, dtype=np.float64)
    if pairs.is_empty() or per.is_empty():
        return out
    names = (
        pl.concat([pairs["a"], pairs["b"], per["account"]]).unique().sort().to_frame("account")
    ).with_row_index("i")
    tkeys = per.select(pl.col("tkey").unique().sort()).with_row_index("j")
    cells = per.join(names, on="account").join(tkeys, on="tkey")
    n_acc = names.height
    m = csr_matrix(
        (cells["n"].to_numpy(), (cells["i"].to_numpy(), cells["j"].to_numpy())),
        shape=(n_acc, tkeys.height),
    )
    mt = m.T.tocsr()
    idx = (
        pairs.select("a", "b")
        .join(names.rename({"account": "a", "i": "ia"}), on="a", how="left", maintain_order="left")
        .join(names.rename({"account": "b", "i": "ib"}), on="b", how="left", maintain_order="left")
    )
    ia, ib = idx["ia"].to_numpy().astype(np.int64), idx["ib"].to_numpy().astype(np.int64)
    per_row = np.diff(m.indptr)
    if _rows_cheaper(m, ia, ib, per_row):
        return _row_products(m, ia, ib, per_row)
    block = max(1, BLOCK_CELLS // n_acc)
    order = np.argsort(ia, kind="stable")
    starts = np.searchsorted(ia[order], np.arange(0, n_acc + block, block))
    for k, lo in enumerate(range(0, n_acc, block)):
        rows = order[starts[k] : starts[k + 1]]
        if len(rows):
            product = (m[lo : lo + block] @ mt).toarray()
            out[rows] = product[ia[rows] - lo, ib[rows]]
    return out


def _rows_cheaper(m: Any, ia: np.ndarray, ib: np.ndarray, per_row: np.ndarray) -> bool:
    """Whether the pairs' rows of ``m`` hold fewer cells than the product of ``m`` with
    its transpose multiplies (the sum over columns of their cells squared)."""
    per_column = np.bincount(m.indices, minlength=m.shape[1]).astype(np.int64)
    return int((per_row[ia] + per_row[ib]).sum()) < int((per_column**2).sum())


def _row_products(m: Any, ia: np.ndarray, ib: np.ndarray, per_row: np.ndarray) -> np.ndarray:
    """Per pair: the dot product of rows ``ia`` and ``ib`` of the sparse matrix ``m``
    (``per_row``: its cells per row), in chunks of pairs whose rows hold at most
    :data:`BLOCK_CELLS` cells."""
    out = np.zeros(len(ia), dtype=np.float64)
    step = max(1, BLOCK_CELLS // max(1, 2 * int(per_row.max())))
    for lo in range(0, len(ia), step):
        a, b = m[ia[lo : lo + step]], m[ib[lo : lo + step]]
        out[lo : lo + step] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


def bin_span(accounts: pl.DataFrame, minutes: int) -> float:
    """The co-activity bins (``minutes`` wide) the log spans, from the accounts' first
    and last requests (``first_seen``, ``last_seen``; 0 without them): read from the
    per-account table, not from the bins (one row per request)."""
    if not {"first_seen", "last_seen"} <= set(accounts.columns) or accounts.is_empty():
        return 0.0
    width = f"{max(minutes, 1)}m"
    first = accounts.select(pl.col("first_seen").min().dt.truncate(width)).item()
    last = accounts.select(pl.col("last_seen").max().dt.truncate(width)).item()
    if first is None or last is None:
        return 0.0
    return float((last - first).total_seconds() // (60 * max(minutes, 1)) + 1)


#: Above this mean the Poisson percentile is taken from its normal approximation.
NORMAL_FROM = 1_000.0


def poisson_percentile(mean: np.ndarray, level: float) -> np.ndarray:
    """The smallest ``c`` with P(X <= c) >= ``level`` for X ~ Poisson(``mean``), per
    element (``scipy.stats.poisson.ppf``, without importing SciPy's statistics: 0.4 s).
    From :data:`NORMAL_FROM` on, ``ceil(mean + z sqrt(mean))``."""
    mean = np.asarray(mean, dtype=np.float64)
    out = np.zeros(mean.shape)
    small = mean < NORMAL_FROM
    if small.any():
        m = mean[small]
        # in logs: exp(-m) underflows from m = 745 on
        log_m = np.log(np.where(m > 0, m, 1.0))
        log_pmf = -m
        cdf = np.exp(log_pmf)
        c = np.zeros(m.shape)
        k = 0
        while (open_ := cdf < level).any():
            k += 1
            log_pmf = log_pmf + log_m - math.log(k)
            cdf = cdf + np.exp(log_pmf)
            c[open_] = k
        out[small] = c
    if (~small).any():
        m = mean[~small]
        z = float(NormalDist().inv_cdf(level))
        out[~small] = np.ceil(m + z * np.sqrt(m))
    return out
