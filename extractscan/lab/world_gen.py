"""Generate a randomized world's files from its :class:`~extractscan.lab.worlds.WorldParams`.

Writes what :func:`extractscan.lab.simulate.simulate` writes — the request log,
``accounts.csv`` and ``truth.csv`` (account, group, kind) — plus ``world.toml``, the
parameters that regenerate the same files (``extractscan simulate --scenario``).
Every random stream is seeded from ``params.seed``: same parameters, same bytes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl

from extractscan.lab import paraphrase, wordings
from extractscan.lab import simulate_text as tx
from extractscan.lab.simulate import DAY_US, SimulationSummary, _fill, _hex, finish_rows, write_part
from extractscan.lab.wordings import Wording
from extractscan.lab.world_accounts import (
    FAMILIES,
    HOUR_US,
    UAS,
    WorldAccounts,
    build_accounts,
    release_us,
)
from extractscan.lab.worlds import WorldParams, save, validate

MODELS = ("model-x-2025-10", "model-x-2026-04", "model-z-2026-06")
#: Families whose prompts raise the output/input token ratio (long reasoning answers).
_LONG = tuple(FAMILIES.index(f) for f in ("cot", "pivot", "reasoning"))
_BASE: dict[str, tuple[str, ...]] = {
    "ordinary": tx.ORDINARY_TEMPLATES,
    "homework": tx.HOMEWORK_TEMPLATES,
    "eval": (tx.EVAL_TEMPLATE,),
    "cot": tx.CAMPAIGN_TEMPLATES,
    "reward": tx.REWARD_TEMPLATES,
    "pivot": tx.PIVOT_TEMPLATES,
    "reasoning": tx.PARAPHRASE_TEMPLATES,
    "review": tx.REVIEW_TEMPLATES,
}
#: Paraphrased wrappers drawn per world and family.
N_VARIANTS = 48


def _templates(
    seed: int, wording: Wording | None = None
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(exact, paraphrased) templates per family index; in ``wording`` (None: the
    worlds' own), the campaign families' wrappers are its own and its benign
    look-alikes join the ordinary users' prompts."""
    rng = np.random.default_rng([seed, 2])
    out = []
    for name in FAMILIES:
        base = _BASE[name]
        para = base
        if name in paraphrase.FAMILY_CAPABILITIES:
            if wording is None:
                para = paraphrase.variants(name, N_VARIANTS, rng)
            else:
                base, para = wording.campaign_templates(name, N_VARIANTS, rng)
        elif name == "ordinary" and wording is not None:
            base = para = (*base, *wording.benign)
        out.append((base, para))
    return out


def _ip_strings(ipn: np.ndarray) -> pl.Series:
    octets = [pl.Series((ipn >> s) & 0xFF).cast(pl.String) for s in (24, 16, 8, 0)]
    return pl.DataFrame(octets, schema=["a", "b", "c", "d"]).select(
        pl.concat_str("a", "b", "c", "d", separator=".")
    )["a"]


def _timestamps(acc: WorldAccounts, a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per row: uniform in the account's window (24/7), or on a day of it at an hour
    drawn from a daytime or office-hours profile in the account's time zone."""
    start, end = acc.start_us[a], acc.end_us[a]
    flat = start + (rng.random(a.size) * (end - start)).astype(np.int64)
    day0 = start // DAY_US
    span = (end - 1) // DAY_US - day0 + 1
    day = day0 + (rng.random(a.size) * span).astype(np.int64)
    daytime = np.clip(rng.normal(14.5, 3.5, a.size), 7, 23.99).astype(np.int64)
    office = rng.integers(9, 18, a.size)
    local = np.where(acc.hours[a] == 2, office, daytime)
    hour = (local - acc.tz[a]) % 24
    ts = day * DAY_US + hour * HOUR_US + rng.integers(0, HOUR_US, a.size)
    ts = np.where(ts < start, ts + DAY_US, ts)
    ts = np.minimum(ts, end - 1)
    return np.where(acc.hours[a] == 1, flat, ts)


def _models(
    acc: WorldAccounts, a: np.ndarray, ts: np.ndarray, release: int, rng: np.random.Generator
) -> np.ndarray:
    """Model index per row: benign users drift to the new model over weeks; a campaign
    with a pivot moves within hours of its pivot time."""
    campaign = acc.kind[a] == "campaign"
    old = (rng.random(a.size) < np.where(campaign, 0.85, 0.4)).astype(np.int64)
    since = (ts - release) / DAY_US
    p_new = np.where(ts < release, 0.0, np.minimum(0.4, 0.03 * (since + 1)))
    p_new = np.where(ts >= acc.pivot_us[a], 0.92, p_new)
    return np.where(rng.random(a.size) < p_new, 2, old)


def _prompts(
    acc: WorldAccounts,
    a: np.ndarray,
    templates: list[tuple[tuple[str, ...], tuple[str, ...]]],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Prompt text and template family per row."""
    fam = np.where(rng.random(a.size) < acc.p_main[a], acc.family[a], 0)
    para = (fam != 0) & (rng.random(a.size) < acc.p_para[a])
    prompt = np.empty(a.size, dtype=object)
    for f, (exact, paraphrased) in enumerate(templates):
        for is_para, options in ((False, exact), (True, paraphrased)):
            rows = np.flatnonzero((fam == f) & (para == is_para))
            if rows.size:
                which = rng.integers(0, len(options), rows.size)
                prompt[rows] = _fill(options, which, rng).to_numpy()
    pre = acc.prefix[a]
    prompt[pre] = np.char.add(tx.FRAMEWORK_PREFIX, prompt[pre].astype(str)).astype(object)
    return prompt, fam


def _chunk(
    acc: WorldAccounts,
    orgs: pl.Series,
    params: WorldParams,
    templates: list[tuple[tuple[str, ...], tuple[str, ...]]],
    n: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """``n`` request rows (one part of the log)."""
    shares = acc.bucket_shares / acc.bucket_shares.sum()
    parts = []
    for k, m in enumerate(rng.multinomial(n, shares)):
        members = np.flatnonzero(acc.bucket == k)
        if m and members.size:
            parts.append(rng.choice(members, size=m, p=acc.weight[members]))
    a = np.concatenate(parts)
    ts = _timestamps(acc, a, rng)
    count = acc.ip_ptr[a + 1] - acc.ip_ptr[a]
    slot = acc.ip_ptr[a] + (rng.random(a.size) * np.maximum(count, 1)).astype(np.int64)
    fresh = rng.integers(24 << 24, 100 << 24, a.size)  # residential exits, seen once or twice
    ipn = np.where(count > 0, acc.ip_vals[np.minimum(slot, acc.ip_vals.size - 1)], fresh)
    model = _models(acc, a, ts, release_us(params.days), rng)
    prompt, fam = _prompts(acc, a, templates, rng)
    ratio = np.where(
        np.isin(fam, _LONG),
        rng.uniform(4, 8, a.size),
        np.where(fam == FAMILIES.index("eval"), rng.uniform(0.02, 0.1, a.size), 0),
    )
    ratio = np.where(ratio == 0, rng.uniform(0.5, 3, a.size), ratio)
    ua = acc.ua[a, rng.integers(0, 2, a.size)]
    status = np.where(
        rng.random(a.size) < 0.97, "200", np.where(rng.random(a.size) < 0.67, "429", "500")
    )
    idx = pl.Series(a)
    account = pl.Series(acc.ids.tolist(), dtype=pl.String).gather(idx)
    org_idx = pl.Series(acc.org[a])
    org = orgs.gather(org_idx.clip(0)).zip_with(
        org_idx >= 0, pl.Series([None] * a.size, dtype=pl.String)
    )
    df = pl.DataFrame(
        {
            "timestamp": ts,
            "account": account,
            "org": org,
            "api_key": "key_" + account,
            "ip": _ip_strings(ipn),
            "user_agent": pl.Series(UAS).gather(pl.Series(ua)),
            "model": pl.Series(MODELS).gather(pl.Series(model)),
            "prompt": pl.Series(prompt.tolist(), dtype=pl.String),
            "_ratio": ratio,
            "status": status,
        }
    )
    return finish_rows(df)


def generate_world(
    params: WorldParams,
    out_dir: str | Path,
    *,
    fmt: str = "parquet",
    part_rows: int = 2_000_000,
    scenario_name: str = "world.toml",
    wording: str = "own",
) -> SimulationSummary:
    """Write the world's request log, ``accounts.csv``, ``truth.csv`` and its scenario.

    Args:
        params: the world (see :func:`extractscan.lab.worlds.draw_world`).
        out_dir: output folder (created).
        fmt: ``parquet``, ``csv.gz`` or ``jsonl``.
        part_rows: rows per Parquet part when ``params.rows`` is larger.
        scenario_name: file name of the saved parameters (``.json`` or ``.toml``).
        wording: the campaigns' wording (:data:`extractscan.lab.wordings.WORDINGS`):
            ``own``, or a set written apart from the detector, whose benign look-alikes
            then join the ordinary users' prompts.
    """
    if fmt not in ("parquet", "csv.gz", "jsonl"):
        raise ValueError(f"unknown format {fmt!r}")
    validate(params)
    written = wordings.load(wording)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seed = params.seed
    acc = build_accounts(params, np.random.default_rng([seed, 1]))
    rng_names = np.random.default_rng([seed, 4])
    n_orgs, n_cards = int(acc.org.max()) + 1, int(acc.card.max()) + 1
    orgs = pl.Series(np.char.add("org-", _hex(rng_names, max(1, n_orgs), 6)).tolist())
    cards = pl.Series(np.char.add("card_", _hex(rng_names, n_cards, 12)).tolist())
    templates = _templates(seed, written)
    n_parts = max(1, math.ceil(params.rows / part_rows)) if fmt == "parquet" else 1
    files: list[str] = []
    seen = np.zeros(acc.ids.size, dtype=bool)
    for part in range(n_parts):
        n = params.rows // n_parts + (1 if part < params.rows % n_parts else 0)
        rng = np.random.default_rng([seed, 3, part])
        df = _chunk(acc, orgs, params, templates, n, rng)
        seen |= pl.Series(acc.ids.tolist()).is_in(df["account"].unique().implode()).to_numpy()
        files.append(write_part(df, out, part, n_parts, fmt))
    keep = np.flatnonzero(seen)
    org_idx = pl.Series(acc.org[keep])
    accounts = (
        pl.DataFrame(
            {
                "account": pl.Series(acc.ids[keep].tolist(), dtype=pl.String),
                "payment": cards.gather(pl.Series(acc.card[keep])),
                "email": pl.Series(acc.email[keep].tolist(), dtype=pl.String),
                "signup_at": acc.signup_us[keep],
                "country": pl.Series(acc.country[keep].tolist(), dtype=pl.String),
                "org": orgs.gather(org_idx.clip(0)).zip_with(
                    org_idx >= 0, pl.Series([None] * keep.size, dtype=pl.String)
                ),
            }
        )
        .with_columns(
            pl.col("signup_at").cast(pl.Datetime("us", "UTC")).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        .sort("account")
    )
    accounts.write_csv(out / "accounts.csv")
    truth = pl.DataFrame(
        {"account": acc.ids[keep].tolist(), "group": acc.group[keep], "kind": acc.kind[keep]}
    ).sort("account")
    truth.write_csv(out / "truth.csv")
    scenario = save(params, out / scenario_name)
    files += [str(out / "accounts.csv"), str(out / "truth.csv"), str(scenario)]
    groups = {g: int(n) for g, n in truth.group_by("group").len().sort("group").iter_rows()}
    return SimulationSummary(params.rows, int(keep.size), tuple(files), groups)
