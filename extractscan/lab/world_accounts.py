"""Accounts of a randomized world: one row per account, every attribute drawn once.

:func:`build_accounts` turns a :class:`~extractscan.lab.worlds.WorldParams` into flat
numpy arrays (groups laid out one after the other). IP addresses are kept as integers
in a CSR layout (``ip_ptr``/``ip_vals``) so a 300,000-account world with 50-exit proxy
rotations stays small; they become strings only when rows are written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from extractscan.lab import simulate_text as tx
from extractscan.lab.simulate import DAY_US, EPOCH_US, _cat, _hex, _pick, _unique_emails
from extractscan.lab.worlds import CampaignParams, LookalikeParams, WorldParams

HOUR_US = 3_600_000_000
#: Template families; an account sends its main family with probability ``p_main``
#: and ordinary prompts otherwise.
FAMILIES = ("ordinary", "homework", "eval", "cot", "reward", "pivot", "reasoning", "review")
#: Client user agents: every account points at two entries of this table.
UAS: tuple[str, ...] = (
    *tx.BROWSER_UAS,
    *tx.SDK_UAS,
    *tx.MOBILE_UAS,
    *tx.CAMPAIGN_UAS,
    "python-requests/2.32.3",
    "AcmeChain/0.2 python-requests/2.31",
    "acme-eval-harness/2.3",
)
_BROWSER = (0, len(tx.BROWSER_UAS))
_SDK = (_BROWSER[1], _BROWSER[1] + len(tx.SDK_UAS))
_MOBILE = (_SDK[1], _SDK[1] + len(tx.MOBILE_UAS))
_CAMPAIGN = (_MOBILE[1], _MOBILE[1] + len(tx.CAMPAIGN_UAS))
_REQUESTS, _FRAMEWORK, _HARNESS = (_CAMPAIGN[1], _CAMPAIGN[1] + 1, _CAMPAIGN[1] + 2)
NEVER = np.iinfo(np.int64).max
COUNTRIES = ("US", "GB", "DE", "FR", "IN", "BR", "JP", "CA", "NL", "ES")


@dataclass
class WorldAccounts:
    """Account-level attributes of a world (index = account)."""

    ids: np.ndarray
    group: np.ndarray
    kind: np.ndarray  #: ``campaign`` or ``benign``
    bucket: np.ndarray  #: row bucket (see ``bucket_shares``)
    bucket_shares: np.ndarray  #: share of rows per bucket
    weight: np.ndarray  #: share of its bucket's rows
    start_us: np.ndarray
    end_us: np.ndarray
    hours: np.ndarray  #: 0 daytime, 1 flat (24/7), 2 office hours
    tz: np.ndarray  #: UTC offset in hours (daytime and office profiles)
    ip_ptr: np.ndarray  #: CSR offsets into ``ip_vals`` (length n + 1)
    ip_vals: np.ndarray  #: IPv4 addresses as integers (none: a fresh exit per request)
    ua: np.ndarray  #: (n, 2) indices into :data:`UAS`
    card: np.ndarray
    org: np.ndarray  #: org number, -1 for none
    email: np.ndarray
    signup_us: np.ndarray
    country: np.ndarray
    family: np.ndarray  #: main template family (index into :data:`FAMILIES`)
    p_main: np.ndarray
    p_para: np.ndarray  #: share of main-family prompts with a paraphrased wrapper
    prefix: np.ndarray  #: prompts start with the framework's system prompt
    pivot_us: np.ndarray  #: moves to the newest model at this time (``NEVER``: drifts)


def release_us(days: int) -> int:
    """When the newest model is released: mid-window, 10:00 UTC."""
    return EPOCH_US + (days // 2) * DAY_US + 10 * HOUR_US


def _ip(rng: np.random.Generator, n: int, first: int = 11, last: int = 223) -> np.ndarray:
    """Random public-looking IPv4 addresses as integers."""
    return rng.integers(first << 24, (last + 1) << 24, n, dtype=np.int64)


def _subnet_pool(rng: np.random.Generator, size: int, hosts: int = 10) -> np.ndarray:
    """``size`` addresses in /24 blocks of ``hosts`` consecutive hosts (a proxy or NAT pool)."""
    blocks = _ip(rng, -(-size // hosts), 23, 200) & ~0xFF
    return (blocks[:, None] + np.arange(2, 2 + hosts)[None, :]).ravel()[:size]


def _groups_of(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """Group number per member, groups of ``low``..``high`` members (no group smaller
    than ``low`` when ``n >= low``: a short tail joins the group before)."""
    of = np.repeat(np.arange(n), rng.integers(low, high + 1, n))[:n]
    if n >= low and of.size and (of == of[-1]).sum() < low:
        of[of == of[-1]] = max(0, of[-1] - 1)
    return of


class _Builder:
    """Collects per-group attribute arrays in order, then concatenates them."""

    def __init__(self, params: WorldParams, rng: np.random.Generator) -> None:
        self.p = params
        self.rng = rng
        self.cols: dict[str, list[np.ndarray]] = {}
        self.ip_counts: list[np.ndarray] = []
        self.ip_vals: list[np.ndarray] = []
        self.cards = 0
        self.orgs = 0
        self.end = EPOCH_US + params.days * DAY_US
        self.release = release_us(params.days)
        self.pools: list[np.ndarray] = []  # proxy pools of the campaigns (for proxy users)

    def new_cards(self, n: int) -> np.ndarray:
        self.cards += n
        return np.arange(self.cards - n, self.cards)

    def new_orgs(self, n: int) -> np.ndarray:
        self.orgs += n
        return np.arange(self.orgs - n, self.orgs)

    def ips(self, per_account: np.ndarray, values: np.ndarray) -> None:
        self.ip_counts.append(per_account.astype(np.int64))
        self.ip_vals.append(values.astype(np.int64))

    def add(self, n: int, group: str, kind: str, bucket: int, **cols: np.ndarray | object) -> None:
        """Add ``n`` accounts; scalars are broadcast, defaults fill the rest."""
        rng = self.rng
        base: dict[str, object] = {
            "group": group,
            "kind": kind,
            "bucket": bucket,
            "weight": rng.lognormal(0.0, 1.0, n),
            "start_us": EPOCH_US,
            "end_us": self.end,
            "hours": 0,
            "tz": np.array([-7, -5, -4, 0, 1, 2, 5, 8, 9])[rng.integers(0, 9, n)],
            "ua": np.stack([rng.integers(0, _SDK[1], n)] * 2, axis=1),
            "card": self.new_cards(n),
            "org": -1,
            "email": _personal(rng, n),
            "signup_us": EPOCH_US - rng.integers(60 * 86_400, 900 * 86_400, n) * 1_000_000,
            "country": _pick(rng, COUNTRIES, n),
            "family": 0,
            "p_main": 1.0,
            "p_para": 0.0,
            "prefix": False,
            "pivot_us": NEVER,
        }
        base.update(cols)
        for name, value in base.items():
            arr = np.asarray(value)
            if name == "ua" and arr.ndim < 2:
                arr = np.broadcast_to(arr, (n, 2))
            elif arr.ndim == 0:
                arr = np.full(n, value, dtype=object if isinstance(value, str) else None)
            self.cols.setdefault(name, []).append(np.asarray(arr))


def _personal(rng: np.random.Generator, n: int) -> np.ndarray:
    """Personal-looking addresses at free mail providers."""
    sep = _pick(rng, (".", "_", ""), n)
    digits = _pick(rng, ("", "", "7", "81", "1990", "2001"), n)
    local = _cat(_pick(rng, tx.MORE_FIRST, n), sep, _pick(rng, tx.MORE_LAST, n), digits)
    return _cat(local, "@", _pick(rng, tx.FREEMAIL, n))


def _throwaway(rng: np.random.Generator, n: int) -> np.ndarray:
    local = _cat(_pick(rng, tx.WORDS, n), rng.integers(1000, 9999, n).astype(str))
    return _cat(local, "@", _pick(rng, tx.THROWAWAY, n))


def _named(rng: np.random.Generator, n: int, domain: str) -> np.ndarray:
    return _cat(_pick(rng, tx.MORE_FIRST, n), ".", _pick(rng, tx.MORE_LAST, n), "@", domain)


def _campaign(b: _Builder, c: CampaignParams, bucket: int) -> None:
    rng, n = b.rng, c.accounts
    t0 = EPOCH_US + int(rng.integers(0, max(1, b.p.days // 4))) * DAY_US
    t0 += int(rng.integers(0, 24)) * HOUR_US
    start = t0 + (rng.random(n) * c.start_spread_hours * HOUR_US).astype(np.int64)
    end = np.full(n, b.end, dtype=np.int64)
    if c.waves:  # regrowth: a new wave every three days, older waves go quiet
        n_waves = max(1, (b.end - t0) // DAY_US // 3)
        wave = rng.integers(0, n_waves, n)
        start = start + wave * 3 * DAY_US
        quits = start + rng.integers(4, 10, n) * DAY_US
        end = np.where(wave == wave.max(), b.end, np.minimum(quits, b.end))
    start = np.minimum(start, b.end - DAY_US)
    signup = start - (rng.random(n) * c.signup_spread_days * DAY_US).astype(np.int64)
    signup -= rng.integers(1, 6, n) * HOUR_US
    if c.card_min == c.card_max == 1:
        card = b.new_cards(n)
    elif c.card_min == c.card_max:
        n_cards = max(1, round(n / c.card_min))
        card = b.new_cards(n_cards)[rng.integers(0, n_cards, n)]
    else:
        of = _groups_of(rng, n, c.card_min, c.card_max)
        card = b.new_cards(int(of.max()) + 1)[of]
    if c.ip_mode == "pool":
        pool = _subnet_pool(rng, max(1, round(c.pool_ratio * n)))
        b.pools.append(pool)
        b.ips(np.full(n, c.exits_used), pool[rng.integers(0, pool.size, n * c.exits_used)])
    elif c.ip_mode == "own":
        b.ips(np.full(n, c.exits_used), _ip(rng, n * c.exits_used))
    else:  # a fresh residential exit per request
        b.ips(np.zeros(n, dtype=np.int64), np.zeros(0, dtype=np.int64))
    if c.ua_mode == "campaign":
        ua = rng.integers(*_CAMPAIGN, (n, 2))
    elif c.ua_mode == "sdk":
        ua = np.stack([rng.integers(*_SDK, n)] * 2, axis=1)
    else:
        ua = np.stack([rng.integers(*_BROWSER, n)] * 2, axis=1)
    if c.family == "reward" and c.ua_mode == "campaign":
        ua = np.full((n, 2), _REQUESTS)
    org = np.where(rng.random(n) < c.org_share, b.new_orgs(n), -1)
    email = _throwaway(rng, n) if c.email_mode == "throwaway" else _personal(rng, n)
    country = (
        _pick(rng, ("SG", "HK", "US", "MY", None), n)
        if c.email_mode == "throwaway"
        else _pick(rng, COUNTRIES, n)
    )
    pivot = np.full(n, NEVER, dtype=np.int64)
    if c.pivot_lag_hours >= 0:
        lag = int(c.pivot_lag_hours * HOUR_US)
        pivot = b.release + lag + rng.integers(0, HOUR_US, n)
    b.add(
        n,
        c.group,
        "campaign",
        bucket,
        weight=rng.lognormal(0.0, c.volume_sigma, n),
        start_us=start,
        end_us=end,
        hours=1 if c.flat_hours else 2,
        tz=np.full(n, int(rng.integers(-8, 10))),  # one operator, one time zone
        ua=ua,
        card=card,
        org=org,
        email=email,
        signup_us=signup,
        country=country,
        family=FAMILIES.index(c.family),
        p_main=1.0 - c.mixed_share,
        p_para=c.paraphrase,
        pivot_us=pivot,
    )


def _lookalike(b: _Builder, g: LookalikeParams, bucket: int) -> None:
    rng, n = b.rng, g.accounts
    kw: dict[str, object] = {}
    if g.kind == "nat":  # a campus or office: each account behind one or two addresses
        addrs = _subnet_pool(rng, g.addresses, hosts=max(1, g.addresses))
        k = rng.integers(g.size_min, g.size_max + 1, n)
        b.ips(k, addrs[rng.integers(0, addrs.size, int(k.sum()))])
        school = rng.random() < 0.5
        domain = (
            f"{'uni' if school else 'corp'}{rng.integers(10, 99)}.example{'.edu' if school else ''}"
        )
        kw = {"email": _named(rng, n, domain), "tz": np.full(n, int(rng.integers(-8, 10)))}
        if school:
            kw.update(family=FAMILIES.index("homework"), p_main=0.15)
    elif g.kind == "carrier":  # mobile CGNAT: accounts rotate through a small pool
        pool = _subnet_pool(rng, g.addresses, hosts=min(32, g.addresses))
        k = rng.integers(g.size_min, g.size_max + 1, n)
        b.ips(k, pool[rng.integers(0, pool.size, int(k.sum()))])
        kw = {"ua": rng.integers(*_MOBILE, (n, 2)), "weight": rng.lognormal(0.0, 0.5, n)}
    elif g.kind == "family":  # 2-8 people, one card, one home address
        of = _groups_of(rng, n, g.size_min, g.size_max)
        homes = _ip(rng, int(of.max()) + 1)
        b.ips(np.ones(n, dtype=np.int64), homes[of])
        kw = {"card": b.new_cards(int(of.max()) + 1)[of], "weight": rng.uniform(0.5, 1.5, n)}
    elif g.kind == "team":  # 2-8 colleagues, one card, one office, no declared org
        # busy with step-by-step work: as extraction-heavy as a class, on one card
        of = _groups_of(rng, n, g.size_min, g.size_max)
        if of.size and (of == of[-1]).sum() > g.size_max:  # a short tail joined a full team
            of[np.flatnonzero(of == of[-1])[-g.size_min :]] = of[-1] + 1
        teams = int(of.max()) + 1
        b.ips(np.ones(n, dtype=np.int64), _ip(rng, teams)[of])
        domains = _cat("team", rng.integers(100, 999, teams), ".example")
        kw = {
            "card": b.new_cards(teams)[of],
            "email": _cat(_pick(rng, tx.MORE_FIRST, n), ".", _pick(rng, tx.MORE_LAST, n), "@")
            + domains[of],
            "tz": np.array([-7, -5, -4, 0, 1, 2, 5, 8, 9])[rng.integers(0, 9, teams)][of],
            "hours": 2,
            "family": FAMILIES.index("homework"),
            "p_main": rng.uniform(0.4, 0.9, teams)[of],
            "weight": rng.lognormal(0.0, 0.5, n),
            "ua": np.stack([rng.integers(*_SDK, n)] * 2, axis=1),
        }
    elif g.kind == "enterprise":  # batch evaluation: one org, one card, 24/7 templates
        egress = _ip(rng, g.addresses)
        k = rng.integers(1, g.addresses + 1, n)
        b.ips(k, egress[rng.integers(0, egress.size, int(k.sum()))])
        kw = {
            "org": int(b.new_orgs(1)[0]),
            "card": np.full(n, b.new_cards(1)[0]),
            "email": _named(rng, n, f"labs{rng.integers(10, 99)}.example"),
            "weight": rng.uniform(0.8, 1.2, n),
            "hours": 1,
            "ua": np.full((n, 2), _HARNESS),
            "family": FAMILIES.index("eval"),
        }
    elif g.kind == "reseller":  # one account, huge volume, many IPs, diverse prompts
        b.ips(np.full(n, g.addresses), _ip(rng, n * g.addresses))
        kw = {
            "org": b.new_orgs(n),
            "hours": 1,
            "ua": np.stack([rng.integers(*_SDK, n), rng.integers(*_SDK, n)], axis=1),
        }
    elif g.kind == "framework":  # many unrelated users of one long system prompt
        _own_ips(b, n)
        kw = {"prefix": True, "ua": np.full((n, 2), _FRAMEWORK)}
    elif g.kind == "cohort":  # a class: together from the first day, from the campus
        addrs = _subnet_pool(rng, g.addresses, hosts=max(1, g.addresses))
        k = rng.integers(g.size_min, g.size_max + 1, n)
        b.ips(k, addrs[rng.integers(0, addrs.size, int(k.sum()))])
        first = EPOCH_US + int(rng.integers(0, max(1, b.p.days // 3))) * DAY_US
        start = first + (rng.random(n) * rng.uniform(2.0, 24.0) * HOUR_US).astype(np.int64)
        signup = start - (rng.random(n) * rng.uniform(1.0, 5.0) * DAY_US).astype(np.int64)
        kw = {
            "email": _named(rng, n, f"uni{rng.integers(10, 99)}.example.edu"),
            "tz": np.full(n, int(rng.integers(-8, 10))),
            "hours": 2,
            "start_us": start,
            "signup_us": signup - HOUR_US,
            "family": FAMILIES.index("homework"),
            "p_main": float(rng.uniform(0.5, 0.9)),
            "weight": rng.lognormal(0.0, 0.5, n),
        }
    elif g.kind == "ci":  # unrelated companies' CI jobs behind one cloud's egress pool
        # each job runs on a fresh runner: an account rotates through many of the
        # cloud's exits, as a hydra's accounts rotate through a proxy pool's; its own
        # card and domain, established, reviewing code around the clock
        # (addresses 0: the first campaign's pool, a campaign run from the same cloud)
        pool = (
            _subnet_pool(rng, g.addresses, hosts=min(64, g.addresses))
            if g.addresses or not b.pools
            else b.pools[0]
        )
        k = rng.integers(g.size_min, g.size_max + 1, n)
        b.ips(k, pool[rng.integers(0, pool.size, int(k.sum()))])
        kw = {
            "org": b.new_orgs(n),
            "email": _cat("ci-bot@", _cat("co", rng.integers(1000, 9999, n)), ".example"),
            "hours": 1,
            "family": FAMILIES.index("review"),
            "p_main": rng.uniform(0.6, 0.95, n),
            "weight": rng.lognormal(0.5, 0.8, n),
        }
    else:  # proxy_user: ordinary customers of the proxy service a campaign uses
        pool = b.pools[0]
        k = rng.integers(1, 4, n)
        b.ips(k, pool[rng.integers(0, pool.size, int(k.sum()))])
    b.add(n, g.group, "benign", bucket, **kw)


def _own_ips(b: _Builder, n: int) -> None:
    k = b.rng.integers(1, 4, n)
    b.ips(k, _ip(b.rng, int(k.sum())))


def build_accounts(params: WorldParams, rng: np.random.Generator) -> WorldAccounts:
    """Every account of the world with its attributes, drawn from ``rng``."""
    b = _Builder(params, rng)
    shares: list[float] = []
    for c in params.campaigns:
        _campaign(b, c, len(shares))
        shares.append(c.row_share)
    pooled = len(shares)
    shares.append(0.0)  # ordinary users and the look-alikes without a fixed share
    for g in params.lookalikes:
        if g.kind == "proxy_user" and not b.pools:
            continue
        if g.row_share > 0:
            _lookalike(b, g, len(shares))
            shares.append(g.row_share)
        else:
            _lookalike(b, g, pooled)
    _own_ips(b, params.ordinary)
    b.add(params.ordinary, "ordinary", "benign", pooled)
    shares[pooled] = max(0.0, 1.0 - sum(shares))
    cols = {k: np.concatenate(v) for k, v in b.cols.items()}
    n = cols["group"].size
    counts = np.concatenate(b.ip_counts)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    bucket = cols["bucket"].astype(np.int64)
    weight = cols["weight"].astype(np.float64)
    for k in range(len(shares)):
        sel = bucket == k
        if sel.any():
            weight[sel] /= weight[sel].sum()
    ids = np.char.add("acct_", _hex(rng, n, 10)).astype(object)
    return WorldAccounts(
        ids=ids,
        group=cols["group"].astype(str),
        kind=cols["kind"].astype(str),
        bucket=bucket,
        bucket_shares=np.asarray(shares, dtype=np.float64),
        weight=weight,
        start_us=cols["start_us"].astype(np.int64),
        end_us=cols["end_us"].astype(np.int64),
        hours=cols["hours"].astype(np.int64),
        tz=cols["tz"].astype(np.int64),
        ip_ptr=ptr,
        ip_vals=np.concatenate(b.ip_vals),
        ua=cols["ua"].astype(np.int64),
        card=cols["card"].astype(np.int64),
        org=cols["org"].astype(np.int64),
        email=_unique_emails(cols["email"], rng),
        signup_us=cols["signup_us"].astype(np.int64),
        country=cols["country"].astype(object),
        family=cols["family"].astype(np.int64),
        p_main=cols["p_main"].astype(np.float64),
        p_para=cols["p_para"].astype(np.float64),
        prefix=cols["prefix"].astype(bool),
        pivot_us=cols["pivot_us"].astype(np.int64),
    )
