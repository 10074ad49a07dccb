"""Simulate: deterministic, realistic request logs with known ground truth.

Plants a hydra extraction campaign (many light accounts behind a proxy pool, prepaid
cards reused across orgs, templated chain-of-thought / tool-use / coding / rubric prompts
mixed with ordinary resold traffic) among every benign look-alike of DOMAIN.md:
university NAT, carrier NAT, an enterprise batch evaluation under one org, a reseller,
users of a popular framework's system prompt, and families sharing a card.

Everything is vectorised (numpy draws, polars string building); parts of ``part_rows``
rows are generated one at a time so large sets never sit in memory at once.
"""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from extractscan.lab import simulate_text as tx
from extractscan.model.schema import OPTIONAL, REQUIRED

EPOCH_US = 1_776_816_000_000_000  # 2026-04-22 00:00:00 UTC
DAY_US = 86_400_000_000
K_IPS = 6  # IP slots per account
RESELLER_IPS = 48  # egress IPs per reseller account

#: group -> (kind, share of rows, accounts per million rows, minimum accounts)
GROUPS: dict[str, tuple[str, float, int, int]] = {
    "hydra": ("campaign", 0.30, 800, 40),
    "low_and_slow": ("campaign", 0.012, 40, 12),
    "reward_harvest": ("campaign", 0.03, 300, 20),
    "pivot": ("campaign", 0.04, 200, 15),
    "university_nat": ("benign", 0.06, 250, 15),
    "carrier_nat": ("benign", 0.05, 600, 20),
    "enterprise_eval": ("benign", 0.06, 30, 6),
    "reseller": ("benign", 0.03, 2, 1),
    "framework_users": ("benign", 0.05, 150, 10),
    "family_card": ("benign", 0.03, 110, 10),
    "ordinary": ("benign", 0.338, 4000, 100),
}

_SLOTS: dict[str, Sequence[str]] = {
    "topic": tuple(w.replace("-", " ") for w in tx.TOPICS),
    "field": tx.FIELDS,
    "algo": tuple(w.replace("-", " ") for w in tx.ALGOS),
    "tool": tx.TOOLS,
    "person": tx.PEOPLE,
    "food": tx.FOODS,
    "lang": tx.LANGS,
    "city": tx.CITIES,
    "month": tx.MONTHS,
    "chore": tuple(w.replace("-", " ") for w in tx.CHORES),
    "sentence": tx.SENTENCES,
}


@dataclass(frozen=True)
class SimulationSummary:
    """What :func:`simulate` wrote."""

    rows: int
    accounts: int
    files: tuple[str, ...]
    groups: dict[str, int] = field(default_factory=dict)


@dataclass
class _Accounts:
    """Account-level attributes, fixed for the whole data set."""

    ids: np.ndarray
    group: np.ndarray  # group name per account
    weight: np.ndarray  # share of its group's rows
    first_day: np.ndarray
    last_day: np.ndarray
    ips: np.ndarray  # (n, K_IPS) strings
    uas: np.ndarray  # (n, 2) strings
    org: np.ndarray
    card: np.ndarray
    email: np.ndarray
    signup_us: np.ndarray
    country: np.ndarray
    #: Row of ``wide_ips`` per account (-1: the account uses its ``ips`` slots only).
    wide_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    wide_ips: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=object))


def _hex(rng: np.random.Generator, n: int, digits: int) -> np.ndarray:
    vals = np.unique(rng.integers(0, 16**digits, size=n * 2 + 16))
    vals = rng.permutation(vals)[:n]
    return np.array([f"{v:0{digits}x}" for v in vals])


def _ipv4(rng: np.random.Generator, n: int, first: int = 11, last: int = 223) -> np.ndarray:
    octets = rng.integers([first, 0, 0, 1], [last, 256, 256, 255], size=(n, 4))
    return np.array([f"{a}.{b}.{c}.{d}" for a, b, c, d in octets])


def _pick(rng: np.random.Generator, pool: Sequence[str | None] | np.ndarray, n: int) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), size=n)]


def _accounts(rng: np.random.Generator, rows: int, days: int) -> _Accounts:
    scale = rows / 1_000_000
    counts = {g: max(lo, round(per_m * scale)) for g, (_, _, per_m, lo) in GROUPS.items()}
    n = sum(counts.values())
    group = np.concatenate([np.full(c, g) for g, c in counts.items()])
    ids = np.char.add("acct_", _hex(rng, n, 10))
    weight = rng.lognormal(0.0, 1.0, n)
    first = np.zeros(n, dtype=np.int64)
    last = np.full(n, days - 1, dtype=np.int64)
    ips = np.repeat(_ipv4(rng, n)[:, None], K_IPS, axis=1)
    uas = np.stack([_pick(rng, tx.BROWSER_UAS + tx.SDK_UAS, n)] * 2, axis=1)
    org = np.full(n, None, dtype=object)
    card = np.char.add("card_", _hex(rng, n, 12)).astype(object)
    names = np.char.add(np.char.add(_pick(rng, tx.FIRST, n), "."), _pick(rng, tx.LAST, n))
    email = np.char.add(np.char.add(names, _pick(rng, ("", "7", "81", "1990"), n)), "@")
    email = np.char.add(email, _pick(rng, tx.FREEMAIL, n)).astype(object)
    signup = EPOCH_US - rng.integers(60, 900, n) * DAY_US
    country = _pick(rng, ("US", "GB", "DE", "FR", "IN", "BR", "JP", "CA", "NL", "ES"), n)
    country = country.astype(object)

    def sel(g: str) -> np.ndarray:
        return np.flatnonzero(group == g)

    # Hydra: load-balanced, waves of fresh signups, proxy pool, cards across orgs.
    h = sel("hydra")
    weight[h] = rng.uniform(0.9, 1.1, h.size)
    waves = rng.integers(0, max(1, days // 3), h.size) * 3
    first[h] = np.minimum(waves + rng.integers(0, 2, h.size), days - 1)
    # Heads go quiet after a few days (banned or rotated) and later waves replace them;
    # the last wave runs to the end.
    quits = first[h] + rng.integers(4, 10, h.size)
    last[h] = np.where(waves == waves.max(), days - 1, np.minimum(quits, days - 1))
    signup[h] = EPOCH_US + first[h] * DAY_US - rng.integers(0, 3 * 86_400, h.size) * 1_000_000
    bases = [ip.rsplit(".", 1)[0] for ip in _ipv4(rng, max(3, math.ceil(6 * scale)), 23, 200)]
    pool = np.array([f"{b}.{host}" for b in bases for host in range(2, 12)])
    ips[h] = pool[rng.integers(0, pool.size, size=(h.size, K_IPS))]
    uas[h] = _pick(rng, tx.CAMPAIGN_UAS, h.size * 2).reshape(h.size, 2)
    n_cards = max(2, h.size // 27)
    card[h] = np.char.add("card_p", _hex(rng, n_cards, 11))[rng.integers(0, n_cards, h.size)]
    org_ids = np.char.add("org-", _hex(rng, h.size, 6)).astype(object)
    org_ids[rng.random(h.size) >= 0.5] = None
    org[h] = org_ids
    local = np.char.add(_pick(rng, tx.WORDS, h.size), rng.integers(1000, 9999, h.size).astype(str))
    email[h] = np.char.add(np.char.add(local, "@"), _pick(rng, tx.THROWAWAY, h.size))
    country[h] = _pick(rng, ("SG", "HK", "US", "MY", None), h.size)
    # Low and slow: own residential IPs and browsers, cards in pairs or triples, older
    # accounts, no e-mail pattern: only the cards and the paraphrased content tie them.
    ls = sel("low_and_slow")
    card_of = np.repeat(np.arange(ls.size), rng.integers(2, 4, ls.size))[: ls.size]
    if ls.size > 1 and card_of[-1] != card_of[-2]:  # no card of one: pairs or triples only
        if (card_of == card_of[-2]).sum() == 3:
            card_of[-2] = card_of[-1]  # a triple gives one account to the last: two pairs
        else:
            card_of[-1] = card_of[-2]  # a pair takes the last: a triple
    card[ls] = np.char.add("card_l", _hex(rng, ls.size, 11))[card_of]
    signup[ls] = EPOCH_US - rng.integers(20, 90, ls.size) * DAY_US
    weight[ls] = rng.uniform(0.8, 1.2, ls.size)
    # Reward-model harvesting: a few hundred accounts on a small IP pool.
    rh = sel("reward_harvest")
    operated = (ips, uas, card, signup, weight)
    _operated(rng, rh, 2, range(40, 44), "python-requests/2.32.3", 12, "card_r", 5, *operated)
    # Pivot: its own proxy pool and cards; moves to the new model the day after release.
    pv = sel("pivot")
    _operated(
        rng,
        pv,
        max(2, math.ceil(3 * scale)),
        range(100, 110),
        "node-fetch/1.0 openai-node/4.52.0",
        20,
        "card_v",
        3,
        *operated,
    )
    for idx in (rh, pv):
        loc = np.char.add(
            _pick(rng, tx.WORDS, idx.size), rng.integers(1000, 9999, idx.size).astype(str)
        )
        email[idx] = np.char.add(np.char.add(loc, "@"), _pick(rng, tx.THROWAWAY, idx.size))
        own_org = np.char.add("org-", _hex(rng, idx.size, 6)).astype(object)
        own_org[rng.random(idx.size) < 0.5] = None
        org[idx] = own_org
    # A few proxy IPs also serve ordinary customers.
    o = sel("ordinary")
    shared = o[rng.random(o.size) < 0.01]
    ips[shared] = np.repeat(_pick(rng, pool, shared.size)[:, None], K_IPS, axis=1)

    u = sel("university_nat")
    campus = _ipv4(rng, 1)[0].rsplit(".", 1)[0]
    ips[u] = np.array([f"{campus}.{d}" for d in (10, 11, 12)])[rng.integers(0, 3, (u.size, K_IPS))]
    email[u] = np.char.add(names[u], "@uni.example.edu")

    c = sel("carrier_nat")
    cg = _ipv4(rng, 2, 100, 110)
    cpool = np.array([f"{p.rsplit('.', 1)[0]}.{d}" for p in cg for d in range(20, 26)])
    ips[c] = cpool[rng.integers(0, cpool.size, (c.size, K_IPS))]
    uas[c] = _pick(rng, tx.MOBILE_UAS, c.size * 2).reshape(c.size, 2)
    weight[c] = rng.lognormal(0.0, 0.5, c.size)

    e = sel("enterprise_eval")
    org[e] = "org-acme-labs"
    card[e] = "card_acmecorp0001"
    email[e] = np.char.add(names[e], "@acmelabs.example")
    weight[e] = rng.uniform(0.8, 1.2, e.size)
    ips[e] = _pick(rng, _ipv4(rng, 4), e.size * K_IPS).reshape(e.size, K_IPS)
    uas[e] = "acme-eval-harness/2.3"

    r = sel("reseller")
    ips[r] = _ipv4(rng, r.size * K_IPS).reshape(r.size, K_IPS)
    uas[r] = _pick(rng, tx.SDK_UAS, r.size * 2).reshape(r.size, 2)

    f = sel("framework_users")
    uas[f] = "AcmeChain/0.2 python-requests/2.31"

    fam = sel("family_card")
    fam_of = np.repeat(np.arange(fam.size), rng.integers(2, 5, fam.size))[: fam.size]
    if fam.size > 1 and fam_of[-1] != fam_of[-2]:  # the cut left a family of one
        if (fam_of == fam_of[-2]).sum() >= 3:
            fam_of[-2] = fam_of[-1]  # the family before gives it a member
        else:
            fam_of[-1] = fam_of[-2]  # it joins the family before (a pair becomes three)
    fam_cards = np.char.add("card_f", _hex(rng, fam.size, 11))
    card[fam] = fam_cards[fam_of]
    fam_ips = _ipv4(rng, fam.size)
    ips[fam] = np.repeat(fam_ips[fam_of][:, None], K_IPS, axis=1)
    weight[fam] = rng.uniform(0.5, 1.5, fam.size)

    for g in GROUPS:
        idx = sel(g)
        weight[idx] = weight[idx] / weight[idx].sum()
    return _Accounts(ids, group, weight, first, last, ips, uas, org, card, email, signup, country)


def _operated(
    rng: np.random.Generator,
    idx: np.ndarray,
    subnets: int,
    hosts: range,
    ua: str,
    per_card: int,
    tag: str,
    max_age_days: int,
    ips: np.ndarray,
    uas: np.ndarray,
    card: np.ndarray,
    signup: np.ndarray,
    weight: np.ndarray,
) -> None:
    """Accounts run by one operator: its own proxy pool, one SDK, prepaid cards shared
    by about ``per_card`` accounts, fresh signups, load-balanced volume."""
    bases = [ip.rsplit(".", 1)[0] for ip in _ipv4(rng, subnets, 23, 200)]
    pool = np.array([f"{b}.{host}" for b in bases for host in hosts])
    ips[idx] = pool[rng.integers(0, pool.size, (idx.size, K_IPS))]
    uas[idx] = ua
    n_cards = max(2, idx.size // per_card)
    card[idx] = np.char.add(tag, _hex(rng, n_cards, 11))[rng.integers(0, n_cards, idx.size)]
    signup[idx] = EPOCH_US - rng.integers(0, max_age_days, idx.size) * DAY_US
    weight[idx] = rng.uniform(0.8, 1.2, idx.size)


def _polish(acc: _Accounts, rng: np.random.Generator) -> None:
    """Realism fixes drawn from their own stream, so every other column stays as drawn.

    Card fingerprints become uniform ``card_<12 hex>`` (no group-revealing prefix),
    e-mail addresses unique per account, a few ordinary accounts use IPv6 and resellers
    egress through many IPs.
    """
    cards, inv = np.unique(acc.card.astype(str), return_inverse=True)
    acc.card = np.char.add("card_", _hex(rng, cards.size, 12))[inv].astype(object)
    acc.ips = acc.ips.astype(object)
    pool = np.unique(acc.ips[acc.group == "hydra"].astype(str))
    o = np.flatnonzero(acc.group == "ordinary")
    on_pool = np.isin(acc.ips[o, 0].astype(str), pool)
    if on_pool.sum() < 2 and o.size > 2:  # small sets: still a few proxy customers
        extra = rng.choice(np.flatnonzero(~on_pool), 2 - int(on_pool.sum()), replace=False)
        acc.ips[o[extra]] = _pick(rng, pool, extra.size)[:, None]
        on_pool[extra] = True
    o = o[~on_pool]  # IPv6 for a few others
    v6 = o[rng.random(o.size) < 0.03]
    if v6.size == 0 and o.size:
        v6 = o[:1]
    nets = rng.integers(0, 0x10000, (v6.size, 3))
    hosts = rng.integers(1, 0x10000, (v6.size, K_IPS))
    for i, (net, host) in enumerate(zip(nets, hosts, strict=True)):
        prefix = f"2a0{2 + i % 6}:{net[0]:x}:{net[1]:x}:{net[2]:x}::"
        acc.ips[v6[i]] = [f"{prefix}{h:x}" for h in host]
    r = np.flatnonzero(acc.group == "reseller")
    acc.wide_row = np.full(acc.ids.size, -1, dtype=np.int64)
    acc.wide_row[r] = np.arange(r.size)
    acc.wide_ips = _ipv4(rng, r.size * RESELLER_IPS).reshape(r.size, RESELLER_IPS)
    acc.email = _unique_emails(acc.email, rng)


def _unique_emails(email: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Redraw every address already taken by an earlier account, keeping its kind:
    ``<word><4 digits>`` at throwaway domains, name plus digits at free mail, names
    with a middle initial (never digits) at university and company domains, more initials
    when a domain holds more accounts than the names (a campus NAT of 39,056 at 4x the
    rows: held-out world 2709)."""
    email = email.astype(str).astype(object)
    for attempt in range(100):
        first_seen = np.unique(email.astype(str), return_index=True)[1]
        dup = np.setdiff1d(np.arange(email.size), first_seen)
        if dup.size == 0:
            return email
        domain = np.array([e.rsplit("@", 1)[1] for e in email[dup]])
        n = dup.size
        word = _cat(_pick(rng, tx.WORDS, n), rng.integers(1000, 9999, n).astype(str))
        sep = _pick(rng, (".", "_", ""), n)
        free = _cat(
            _pick(rng, tx.MORE_FIRST, n), sep, _pick(rng, tx.MORE_LAST, n), rng.integers(1, 999, n)
        )
        middle = _pick(rng, ("", "", *(f"{c}." for c in tx.INITIALS)), n)
        for _ in range(attempt // 10):  # a domain fuller than the names: more initials
            middle = _cat(middle, _pick(rng, tuple(f"{c}." for c in tx.INITIALS), n))
        named = _cat(_pick(rng, tx.MORE_FIRST, n), ".", middle, _pick(rng, tx.MORE_LAST, n))
        local = np.where(
            np.isin(domain, tx.THROWAWAY), word, np.where(np.isin(domain, tx.FREEMAIL), free, named)
        )
        email[dup] = _cat(local, "@", domain)
    raise RuntimeError("could not make e-mail addresses unique")


def _cat(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise string concatenation of arrays (and constants), as an object array."""
    out = np.asarray(parts[0]).astype(str)
    for part in parts[1:]:
        out = np.char.add(out, np.asarray(part).astype(str))
    return out.astype(object)


def _fill(templates: tuple[str, ...], which: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Prompts for ``which`` (template index per row), built per template with polars."""
    parts: list[pl.DataFrame] = []
    for k, template in enumerate(templates):
        rows = np.flatnonzero(which == k)
        if rows.size == 0:
            continue
        pieces: list[pl.Series | str] = []
        for i, token in enumerate(re.split(r"(\{\w+\})", template)):
            if i % 2 == 0:
                if token:
                    pieces.append(token)
                continue
            words = _SLOTS[token[1:-1].rstrip("2")]
            pieces.append(pl.Series(words).gather(rng.integers(0, len(words), rows.size)))
        frame = pl.DataFrame({"row": rows}).with_columns(
            pl.concat_str([p if isinstance(p, pl.Series) else pl.lit(p) for p in pieces]).alias(
                "prompt"
            )
        )
        parts.append(frame)
    return pl.concat(parts).sort("row")["prompt"]


def _hours(rng: np.random.Generator, n: int, daytime: bool, offset: int) -> np.ndarray:
    if not daytime:
        return rng.integers(0, 24, n)
    local = np.clip(rng.normal(14.5, 3.5, n), 7, 23.99).astype(np.int64)
    return (local - offset) % 24


def _ip_column(
    acc: _Accounts, a: np.ndarray, slot: np.ndarray, rng: np.random.Generator
) -> pl.Series:
    """Egress IP per row: one of the account's slots, a wide pool for resellers."""
    table = pl.Series(acc.ips.ravel().tolist(), dtype=pl.String)
    ip = table.gather(a * K_IPS + slot).to_numpy().astype(object)
    wide = np.flatnonzero(acc.wide_row[a] >= 0)
    pick = rng.integers(0, RESELLER_IPS, wide.size)
    ip[wide] = acc.wide_ips[acc.wide_row[a[wide]], pick]
    return pl.Series(ip.tolist(), dtype=pl.String)


def _chunk(
    acc: _Accounts, rows: int, days: int, rng: np.random.Generator, rng2: np.random.Generator
) -> pl.DataFrame:
    """``rows`` request rows drawn from the accounts (one part of the data set); ``rng2``
    draws what :func:`_polish` added, leaving the main stream as it was."""
    order = list(GROUPS)
    shares = np.array([GROUPS[g][1] for g in order])
    per_group = rng.multinomial(rows, shares / shares.sum())
    idx_parts, hour_parts = [], []
    for g, n_rows in zip(order, per_group, strict=True):
        members = np.flatnonzero(acc.group == g)
        idx_parts.append(rng.choice(members, size=n_rows, p=acc.weight[members]))
        daytime = g in (
            "university_nat",
            "carrier_nat",
            "ordinary",
            "family_card",
            "framework_users",
        )
        if g == "low_and_slow":  # working hours of one time zone (UTC+3)
            hour_parts.append((rng.integers(9, 18, n_rows) - 3) % 24)
        else:
            hour_parts.append(_hours(rng, n_rows, daytime, {"university_nat": 8}.get(g, -2)))
    a = np.concatenate(idx_parts)
    hours = np.concatenate(hour_parts)
    span = acc.last_day[a] - acc.first_day[a] + 1
    day = acc.first_day[a] + (rng.random(a.size) * span).astype(np.int64)
    ts = EPOCH_US + day * DAY_US + hours * 3_600_000_000 + rng.integers(0, 3_600_000_000, a.size)
    group = acc.group[a]
    hydra = group == "hydra"
    campaign = hydra & (rng.random(a.size) < 0.7)
    homework = (group == "university_nat") & (rng.random(a.size) < 0.15)
    evals = group == "enterprise_eval"
    u = rng.random(a.size)
    paraphrase = (group == "low_and_slow") & (u < 0.85)
    reward = (group == "reward_harvest") & (u < 0.8)
    pivot = (group == "pivot") & (u < 0.7)
    probing = (group == "reward_harvest") & (u >= 0.8) & (u < 0.85)
    extraction = campaign | paraphrase | reward | pivot | probing
    ordinary = ~(extraction | homework | evals)
    prompt = np.empty(a.size, dtype=object)
    for mask, templates in (
        (campaign, tx.CAMPAIGN_TEMPLATES),
        (paraphrase, tx.PARAPHRASE_TEMPLATES),
        (reward, tx.REWARD_TEMPLATES),
        (pivot, tx.PIVOT_TEMPLATES),
        (probing, tx.PROBING_TEMPLATES),
        (homework, tx.HOMEWORK_TEMPLATES),
        (evals, (tx.EVAL_TEMPLATE,)),
        (ordinary, tx.ORDINARY_TEMPLATES),
    ):
        rows_m = np.flatnonzero(mask)
        if rows_m.size:
            which = rng.integers(0, len(templates), rows_m.size)
            prompt[rows_m] = _fill(templates, which, rng).to_numpy()
    fw = group == "framework_users"
    prompt[fw] = np.char.add(tx.FRAMEWORK_PREFIX, prompt[fw].astype(str)).astype(object)
    df = pl.DataFrame(
        {
            "timestamp": ts,
            "account": acc.ids[a],
            "org": acc.org[a].tolist(),
            "api_key": np.char.add("key_", acc.ids[a]),
            "ip": _ip_column(acc, a, rng.integers(0, K_IPS, a.size), rng2),
            "user_agent": acc.uas[a, rng.integers(0, 2, a.size)],
            "model": _models(rng, group, day, days),
            "prompt": prompt.tolist(),
            "_ratio": np.where(
                campaign | paraphrase | pivot,
                rng.uniform(4, 8, a.size),
                np.where(evals, rng.uniform(0.02, 0.1, a.size), rng.uniform(0.5, 3, a.size)),
            ),
            "status": np.where(
                rng.random(a.size) < 0.97, "200", np.where(rng.random(a.size) < 0.67, "429", "500")
            ),
        },
        schema_overrides={"org": pl.String, "prompt": pl.String},
    )
    return finish_rows(df)


def write_part(df: pl.DataFrame, out: Path, part: int, n_parts: int, fmt: str) -> str:
    """Write one part of a generated request log: ``requests.FMT`` when it is the only
    part, else ``requests/part-NNNNN.parquet``; returns the path written."""
    if n_parts == 1:
        path = out / f"requests.{fmt}"
    else:
        (out / "requests").mkdir(exist_ok=True)
        path = out / "requests" / f"part-{part:05d}.parquet"
    _write(df, path, fmt)
    return str(path)


def finish_rows(df: pl.DataFrame) -> pl.DataFrame:
    """Generated rows as a request log: UTC timestamps, token counts from the prompt's
    length and the ``_ratio`` column, the canonical request columns in order."""
    return (
        df.with_columns(
            pl.col("timestamp").cast(pl.Datetime("us", "UTC")),
            (pl.col("prompt").str.len_chars() // 4 + 8).cast(pl.Int64).alias("input_tokens"),
        )
        .with_columns(
            (pl.col("input_tokens") * pl.col("_ratio"))
            .round(0)
            .cast(pl.Int64)
            .alias("output_tokens")
        )
        .drop("_ratio")
        .sort("timestamp", "account")
        .select(*REQUIRED, *OPTIONAL)  # the canonical request columns, in order
    )


def _models(rng: np.random.Generator, group: np.ndarray, day: np.ndarray, days: int) -> np.ndarray:
    """Model per row: a new model is released mid-window; the pivot campaign moves to it
    the day after, everyone else adopts it slowly."""
    release = days // 2
    old = np.where(
        rng.random(group.size) < np.where(group == "hydra", 0.85, 0.4),
        "model-x-2026-04",
        "model-x-2025-10",
    )
    p_new = np.where(day < release, 0.0, 0.15)
    pivot = group == "pivot"
    p_new = np.where(pivot & (day == release), 0.5, p_new)
    p_new = np.where(pivot & (day > release), 0.92, p_new)
    return np.where(rng.random(group.size) < p_new, "model-z-2026-06", old)


def _write(df: pl.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        df.write_parquet(path, compression="zstd", statistics=True)
        return
    text = df.with_columns(pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"))
    if fmt == "jsonl":
        text.write_ndjson(path)
    else:
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(text.write_csv().encode("utf-8"))


def simulate(
    rows: int,
    seed: int,
    out_dir: str | Path,
    *,
    fmt: str = "parquet",
    part_rows: int = 2_000_000,
    days: int | None = None,
) -> SimulationSummary:
    """Write ``rows`` request rows, ``accounts.csv`` and ``truth.csv`` into ``out_dir``.

    Args:
        rows: request rows to generate.
        seed: random seed; the same (rows, seed, fmt) gives byte-identical files.
        out_dir: output folder (created).
        fmt: ``parquet``, ``csv.gz`` or ``jsonl``.
        part_rows: rows per Parquet part when ``rows`` is larger.
        days: days the log spans (default: 14 up to 2M rows, 28 below 10M, else 42).
    """
    if fmt not in ("parquet", "csv.gz", "jsonl"):
        raise ValueError(f"unknown format {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if days is None:
        days = 14 if rows <= 2_000_000 else (28 if rows < 10_000_000 else 42)
    acc = _accounts(np.random.default_rng([seed, 0]), rows, days)
    _polish(acc, np.random.default_rng([seed, 0, 1]))
    n_parts = max(1, math.ceil(rows / part_rows)) if fmt == "parquet" else 1
    files: list[str] = []
    seen = np.zeros(acc.ids.size, dtype=bool)
    for part in range(n_parts):
        n = rows // n_parts + (1 if part < rows % n_parts else 0)
        rngs = (np.random.default_rng([seed, part + 1]), np.random.default_rng([seed, part + 1, 1]))
        df = _chunk(acc, n, days, *rngs)
        used = df["account"].unique().implode()
        seen |= pl.Series(acc.ids).is_in(used).to_numpy()  # np.isin on strings is quadratic
        files.append(write_part(df, out, part, n_parts, fmt))
    keep = np.flatnonzero(seen)
    accounts = (
        pl.DataFrame(
            {
                "account": acc.ids[keep],
                "payment": acc.card[keep].tolist(),
                "email": acc.email[keep].tolist(),
                "signup_at": acc.signup_us[keep],
                "country": acc.country[keep].tolist(),
                "org": acc.org[keep].tolist(),
            },
            schema_overrides={
                "payment": pl.String,
                "email": pl.String,
                "country": pl.String,
                "org": pl.String,
            },
        )
        .with_columns(
            pl.col("signup_at").cast(pl.Datetime("us", "UTC")).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        .sort("account")
    )
    accounts.write_csv(out / "accounts.csv")
    truth = pl.DataFrame(
        {
            "account": acc.ids[keep],
            "group": acc.group[keep],
            "kind": [GROUPS[g][0] for g in acc.group[keep]],
        }
    ).sort("account")
    truth.write_csv(out / "truth.csv")
    files += [str(out / "accounts.csv"), str(out / "truth.csv")]
    groups = {g: int(n) for g, n in truth.group_by("group").len().sort("group").iter_rows()}
    return SimulationSummary(rows, int(keep.size), tuple(files), groups)
