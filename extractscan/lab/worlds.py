"""Randomized worlds: a world's parameters drawn from wide ranges, saved as a scenario.

Fixed seeds of one generator are no test of generalization (issue #15): thresholds fitted
on them fail on the next operator. :func:`draw_world` draws everything that shapes a
world — how many campaigns of which kind, their sizes and share of the rows, how they
share cards and proxy exits, how much ordinary traffic they mix in, how often they
paraphrase, and the benign look-alikes around them — from a seeded numpy ``Generator``.
The result is a frozen :class:`WorldParams` that :mod:`extractscan.lab.world_gen`
turns into files; :func:`save` / :func:`load` keep it as a TOML or JSON scenario file,
so a world can be regenerated, edited and shared.

Counts (rows, accounts) are absolute; the shapes (exits per account, accounts per card,
shares of rows) are ratios, so :meth:`WorldParams.scaled` gives the same world at a
multiple of the rows, with the per-account volume unchanged.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

#: Campaign kinds (issue #15 item 1, issue #21).
CAMPAIGN_KINDS = ("hydra", "grader", "low_and_slow", "identifier_free")
#: Benign look-alike kinds (DOMAIN.md, "Benign look-alikes").
LOOKALIKE_KINDS = (
    "nat",
    "carrier",
    "family",
    "enterprise",
    "reseller",
    "framework",
    "proxy_user",
    "cohort",
    "team",
    "ci",
)
#: Per-campaign bounds on accounts (issue #15) and the fewest requests a campaign
#: account makes on average, so every account has a realistic history.
CAMPAIGN_ACCOUNTS = (12, 30_000)
MIN_REQUESTS_PER_ACCOUNT = 20
#: Bounds on the benign population, and the fewest rows per benign account on average.
POPULATION = (2_000, 300_000)
MIN_ROWS_PER_BENIGN = 8
#: Share of campaigns run on bought, aged accounts, and the days over which such a
#: campaign's accounts were created (its ``signup_spread_days``; otherwise 0.5-70):
#: an operator who buys established accounts gives up "created together".
AGED_SHARE = 0.25
AGED_SPREAD_DAYS = (100.0, 700.0)


@dataclass(frozen=True)
class CampaignParams:
    """One planted campaign. Ratios and shares are scale-free; ``accounts`` is a count."""

    group: str  #: truth group, e.g. ``c1_hydra``
    kind: str  #: one of :data:`CAMPAIGN_KINDS`
    accounts: int
    row_share: float  #: share of all rows sent by this campaign
    #: Accounts per shared card: a card is shared by ``card_min``..``card_max`` accounts
    #: (1..1: a card of its own per account, nothing shared).
    card_min: int
    card_max: int
    #: Exits: ``pool`` (a proxy pool of ``pool_ratio`` x accounts exits, each account
    #: rotating through ``exits_used`` of them), ``own`` (``exits_used`` residential IPs
    #: of its own) or ``residential`` (a fresh exit of a huge pool per request).
    ip_mode: str
    pool_ratio: float
    exits_used: int
    mixed_share: float  #: share of its requests that are ordinary (resold) traffic
    paraphrase: float  #: share of its extraction requests with a paraphrased wrapper
    family: str  #: template family (see :data:`extractscan.lab.paraphrase.FAMILY_CAPABILITIES`)
    ua_mode: str  #: ``campaign`` (its own client), ``sdk`` (common SDKs), ``browser``
    email_mode: str  #: ``throwaway`` or ``personal``
    org_share: float  #: share of accounts under an org id of their own
    signup_spread_days: float  #: accounts created within this many days
    start_spread_hours: float  #: first requests within this many hours (waves: per wave)
    waves: bool  #: accounts arrive in waves and older ones go quiet (hydra regrowth)
    flat_hours: bool  #: 24/7 (True) or office hours of one time zone
    pivot_lag_hours: float  #: moves to the new model this long after release (-1: never)
    volume_sigma: float  #: lognormal sigma of per-account volume (small: load-balanced)


@dataclass(frozen=True)
class LookalikeParams:
    """One benign look-alike group."""

    group: str  #: truth group, e.g. ``nat_1``
    kind: str  #: one of :data:`LOOKALIKE_KINDS`
    accounts: int
    #: Addresses: NAT and carrier pool size, the enterprise's egress IPs, each reseller's
    #: IPs, the cloud's exits for ``ci`` (0: not used; for ``ci``, the first campaign's
    #: proxy pool: a campaign run from the same cloud).
    addresses: int
    #: Share of all rows (enterprise, reseller, ci); 0: rows by the per-account weight,
    #: like ordinary users.
    row_share: float
    #: Family sizes (2..8) for ``family``; addresses per account for ``carrier`` and
    #: ``ci``.
    size_min: int
    size_max: int


@dataclass(frozen=True)
class WorldParams:
    """Everything that shapes one world; the same params always give the same files."""

    seed: int
    rows: int
    days: int
    ordinary: int  #: ordinary benign accounts (the population outside every group)
    campaigns: tuple[CampaignParams, ...]
    lookalikes: tuple[LookalikeParams, ...]

    @property
    def population(self) -> int:
        """Benign accounts in the world (ordinary plus look-alikes)."""
        return self.ordinary + sum(g.accounts for g in self.lookalikes)

    def scaled(self, factor: float) -> WorldParams:
        """The same world with ``factor`` times the rows and accounts: per-account volume,
        exits per account, accounts per card and every share stay as they are."""

        def n(x: int, low: int = 1) -> int:
            return max(low, round(x * factor))

        return replace(
            self,
            rows=n(self.rows),
            days=days_for(n(self.rows)),
            ordinary=n(self.ordinary),
            campaigns=tuple(replace(c, accounts=n(c.accounts, 2)) for c in self.campaigns),
            lookalikes=tuple(
                replace(g, accounts=n(g.accounts) if g.kind != "reseller" else g.accounts)
                for g in self.lookalikes
            ),
        )


def days_for(rows: int) -> int:
    """Length of the window, as in :func:`extractscan.lab.simulate.simulate`."""
    return 14 if rows <= 2_000_000 else (28 if rows < 10_000_000 else 42)


def _loguniform(rng: np.random.Generator, low: float, high: float) -> float:
    if high <= low:
        return float(low)
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def _logint(rng: np.random.Generator, low: int, high: int) -> int:
    return max(low, min(high, round(_loguniform(rng, low, high))))


def draw_world(seed: int, rows: int, kinds: tuple[str, ...] | None = None) -> WorldParams:
    """Draw a world's parameters from the ranges of issue #15 (item 1).

    Args:
        seed: seeds the draw (and later the generation); same seed and rows, same world.
        rows: request rows; counts are scaled to it so each campaign account makes at
            least :data:`MIN_REQUESTS_PER_ACCOUNT` requests on average.
        kinds: campaign kinds to plant (default: 1-3 distinct kinds drawn at random).
    """
    rng = np.random.default_rng([seed, 15])
    if kinds is None:
        n_camp = int(rng.integers(1, 4))
        kinds = tuple(str(k) for k in rng.choice(CAMPAIGN_KINDS, n_camp, replace=False))
    shares = np.array([_loguniform(rng, 0.001, 0.9) for _ in kinds])
    if shares.sum() > 0.9:
        shares *= 0.9 / shares.sum()
    floor = CAMPAIGN_ACCOUNTS[0] * MIN_REQUESTS_PER_ACCOUNT / rows
    shares = np.maximum(shares, floor)
    campaigns = tuple(
        _campaign(rng, f"c{i + 1}_{kind}", kind, rows, float(share))
        for i, (kind, share) in enumerate(zip(kinds, shares, strict=True))
    )
    # Bought, aged accounts, drawn from a stream of their own: every other draw of a
    # seed is what it was before they were added.
    aged = np.random.default_rng([seed, 15, 1])
    campaigns = tuple(
        replace(c, signup_spread_days=float(aged.uniform(*AGED_SPREAD_DAYS)))
        if aged.random() < AGED_SHARE
        else c
        for c in campaigns
    )
    benign_rows = rows * (1 - sum(c.row_share for c in campaigns))
    cap = max(200, int(benign_rows / MIN_ROWS_PER_BENIGN))
    population = _logint(rng, min(POPULATION[0], cap), min(POPULATION[1], cap))
    lookalikes = _lookalikes(
        rng,
        population,
        benign_share=benign_rows / rows,
        pool=any(c.ip_mode == "pool" for c in campaigns),
    )
    ordinary = max(50, population - sum(g.accounts for g in lookalikes))
    return WorldParams(seed, rows, days_for(rows), ordinary, campaigns, lookalikes)


def _campaign(
    rng: np.random.Generator, group: str, kind: str, rows: int, share: float
) -> CampaignParams:
    top = max(CAMPAIGN_ACCOUNTS[0], min(CAMPAIGN_ACCOUNTS[1], int(share * rows / 20)))
    accounts = _logint(rng, CAMPAIGN_ACCOUNTS[0], top)
    no_card = rng.random() < 0.2
    per_card = 1 if no_card else _logint(rng, 1, 100)
    pool_ratio = _loguniform(rng, 0.005, 2.0)
    pool = max(1, round(pool_ratio * accounts))
    exits = min(pool, _logint(rng, 1, 50))
    if exits * accounts / pool > 1_000:  # one exit carries at most ~1,000 campaign accounts
        exits = max(1, int(1_000 * pool / accounts))
    common = {
        "group": group,
        "kind": kind,
        "accounts": accounts,
        "row_share": share,
        "card_min": per_card,
        "card_max": per_card,
        "ip_mode": "pool",
        "pool_ratio": pool_ratio,
        "exits_used": exits,
        "mixed_share": float(rng.uniform(0.0, 0.8)),
        "paraphrase": float(rng.uniform(0.0, 0.5)),
        "family": "cot",
        "ua_mode": "campaign",
        "email_mode": "throwaway",
        "org_share": float(rng.uniform(0.0, 0.7)),
        "signup_spread_days": float(rng.uniform(1.0, 10.0)),
        "start_spread_hours": float(rng.uniform(2.0, 72.0)),
        "waves": False,
        "flat_hours": True,
        "pivot_lag_hours": float(rng.uniform(2.0, 30.0)) if rng.random() < 0.5 else -1.0,
        "volume_sigma": float(rng.uniform(0.05, 0.3)),
    }
    if kind == "hydra":
        common.update(waves=True, start_spread_hours=float(rng.uniform(2.0, 24.0)))
    elif kind == "grader":
        common.update(family="reward", mixed_share=float(rng.uniform(0.0, 0.5)))
    elif kind == "low_and_slow":
        common.update(
            card_min=2,
            card_max=3,
            ip_mode="own",
            pool_ratio=0.0,
            exits_used=int(rng.integers(1, 4)),
            paraphrase=float(rng.uniform(0.6, 1.0)),
            family="reasoning",
            ua_mode="browser",
            email_mode="personal",
            org_share=0.0,
            signup_spread_days=float(rng.uniform(20.0, 70.0)),
            start_spread_hours=float(rng.uniform(24.0, 96.0)),
            flat_hours=False,
            pivot_lag_hours=-1.0,
        )
    elif kind == "identifier_free":  # issue #21: nothing shared, only synchrony
        common.update(
            card_min=1,
            card_max=1,
            ip_mode="residential",
            pool_ratio=0.0,
            exits_used=0,
            mixed_share=float(rng.uniform(0.0, 0.5)),
            paraphrase=float(rng.uniform(0.8, 1.0)),
            # what it harvests: reasoning traces, a pivot to the newest model, or
            # rubric grading (a reward-model harvest that shares nothing either)
            family=_identifier_free_family(float(rng.random())),
            ua_mode="sdk",
            email_mode="personal",
            org_share=0.0,
            signup_spread_days=float(rng.uniform(0.5, 3.0)),
            start_spread_hours=float(rng.uniform(1.0, 12.0)),
            pivot_lag_hours=float(rng.uniform(1.0, 12.0)),
        )
    else:
        raise ValueError(f"unknown campaign kind {kind!r}")
    return CampaignParams(**common)  # type: ignore[arg-type]


def _identifier_free_family(u: float) -> str:
    """The prompt family of an identifier-free campaign from one uniform draw."""
    return "pivot" if u < 1 / 3 else "cot" if u < 2 / 3 else "reward"


#: Share of the worlds with a proxy-pool campaign whose companies' CI jobs send from that
#: campaign's exits (the campaign runs from the same cloud).
CI_ON_POOL = 0.25


def _lookalikes(
    rng: np.random.Generator, population: int, *, benign_share: float, pool: bool
) -> tuple[LookalikeParams, ...]:
    """Every kind of benign look-alike, each sized against the population; the
    enterprise jobs and resellers take a share of the benign rows."""
    out: list[LookalikeParams] = []
    for i in range(int(rng.integers(1, 3))):  # university or company NATs
        addresses = int(rng.integers(1, 5))
        per_address = _logint(rng, 10, min(5_000, max(10, population // (6 * addresses))))
        out.append(
            LookalikeParams(f"nat_{i + 1}", "nat", per_address * addresses, addresses, 0.0, 1, 2)
        )
    carrier = _logint(rng, max(20, population // 50), max(20, population // 4))
    out.append(LookalikeParams("carrier_nat", "carrier", carrier, _logint(rng, 4, 256), 0.0, 2, 6))
    fam = _logint(rng, max(4, population // 200), max(4, population // 20))
    out.append(LookalikeParams("families", "family", fam, 0, 0.0, 2, 8))
    for i in range(int(rng.integers(1, 3))):
        keys = _logint(rng, 5, max(5, min(200, population // 20)))
        share = _loguniform(rng, 0.005, 0.06) * benign_share
        ips = int(rng.integers(1, 9))
        out.append(LookalikeParams(f"enterprise_{i + 1}", "enterprise", keys, ips, share, 1, 1))
    for i in range(int(rng.integers(1, 4))):
        share = _loguniform(rng, 0.003, 0.04) * benign_share
        out.append(
            LookalikeParams(f"reseller_{i + 1}", "reseller", 1, _logint(rng, 20, 500), share, 1, 1)
        )
    framework = _logint(rng, max(10, population // 50), max(10, population // 7))
    out.append(LookalikeParams("framework_users", "framework", framework, 0, 0.0, 1, 1))
    if pool:  # ordinary customers of the same proxy service
        users = _logint(rng, 2, max(2, population // 100))
        out.append(LookalikeParams("proxy_users", "proxy_user", users, 0, 0.0, 1, 1))
    # A class or bootcamp: created in the same days, first lab within hours, step-by-step
    # homework from the campus network in class hours (drawn last: the draws above are
    # those of the worlds before it existed).
    students = _logint(rng, 15, max(15, min(300, population // 20)))
    out.append(LookalikeParams("cohort", "cohort", students, int(rng.integers(1, 4)), 0.0, 1, 2))
    # Small teams of colleagues sharing a card at one office, as extraction-heavy as a
    # class (DOMAIN.md: "families and small teams legitimately sharing a card"; drawn
    # last, as the cohort was)
    members = _logint(rng, max(2, population // 500), max(2, population // 50))
    out.append(LookalikeParams("teams", "team", members, 0, 0.0, 2, 8))
    # Companies' CI jobs behind one cloud's egress: established accounts, each with its
    # own card, org and e-mail domain, rotating through many of the cloud's exits (a
    # fresh runner per job) and reviewing code round the clock; by weight like ordinary
    # users or with a share of the rows (drawn last, as the teams were)
    bots = _logint(rng, 10, max(10, min(1_000, population // 20)))
    exits = _logint(rng, 8, 2_000)
    fewest = int(rng.integers(2, 6))
    most = int(rng.integers(fewest + 3, 41))
    share = _loguniform(rng, 0.005, 0.05) * benign_share if rng.random() < 0.5 else 0.0
    # ... in some worlds on the first pool campaign's own exits: a campaign run from the
    # same cloud (addresses 0; drawn last)
    if pool and rng.random() < CI_ON_POOL:
        exits = 0
    out.append(LookalikeParams("ci_bots", "ci", bots, exits, share, fewest, most))
    return tuple(out)


def to_dict(params: WorldParams) -> dict[str, Any]:
    """Plain data (for JSON and TOML)."""
    return asdict(params)


def from_dict(data: dict[str, Any]) -> WorldParams:
    """Inverse of :func:`to_dict`; unknown or missing keys are errors."""
    camps = tuple(CampaignParams(**c) for c in data.get("campaigns", ()))
    looks = tuple(LookalikeParams(**g) for g in data.get("lookalikes", ()))
    top = {f.name for f in fields(WorldParams)} - {"campaigns", "lookalikes"}
    extra = set(data) - top - {"campaigns", "lookalikes"}
    if extra:
        raise ValueError(f"unknown world parameters: {sorted(extra)}")
    params = WorldParams(**{k: data[k] for k in top}, campaigns=camps, lookalikes=looks)
    validate(params)
    return params


def validate(params: WorldParams) -> None:
    """Raise ``ValueError`` on parameters the generator cannot honour."""
    if params.rows < 1_000 or params.days < 1 or params.ordinary < 1:
        raise ValueError("rows >= 1000, days >= 1 and ordinary >= 1 are required")
    for c in params.campaigns:
        if c.kind not in CAMPAIGN_KINDS or c.ip_mode not in ("pool", "own", "residential"):
            raise ValueError(f"{c.group}: unknown kind or ip_mode")
        if c.accounts < 2 or not 1 <= c.card_min <= c.card_max:
            raise ValueError(f"{c.group}: accounts >= 2 and 1 <= card_min <= card_max")
    for g in params.lookalikes:
        if g.kind not in LOOKALIKE_KINDS or g.accounts < 1:
            raise ValueError(f"{g.group}: unknown kind or no accounts")
        if (
            g.kind == "ci"
            and g.addresses < 1
            and not any(c.ip_mode == "pool" for c in params.campaigns)
        ):
            raise ValueError(
                f"{g.group}: addresses = 0 puts the jobs behind the first campaign's proxy"
                " pool, and no campaign has ip_mode = 'pool'"
            )
    if (
        sum(c.row_share for c in params.campaigns) + sum(g.row_share for g in params.lookalikes)
        >= 0.99
    ):
        raise ValueError("campaigns and fixed-share look-alikes take all the rows")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return json.dumps(v)  # a TOML basic string is a JSON string for these values


def to_toml(params: WorldParams) -> str:
    """The scenario as TOML: top-level scalars, ``[[campaigns]]``, ``[[lookalikes]]``."""
    data = to_dict(params)
    lines = ["# extractscan world scenario (extractscan simulate --scenario FILE)"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, list | tuple)]
    for table in ("campaigns", "lookalikes"):
        for item in data[table]:
            lines += ["", f"[[{table}]]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def save(params: WorldParams, path: str | Path) -> Path:
    """Write ``path`` as JSON (``.json``) or TOML (anything else)."""
    p = Path(path)
    if p.suffix == ".json":
        p.write_text(json.dumps(to_dict(params), indent=2) + "\n", encoding="utf-8")
    else:
        p.write_text(to_toml(params), encoding="utf-8")
    return p


def load(path: str | Path) -> WorldParams:
    """Read a scenario written by :func:`save` (or by hand).

    Raises:
        ValueError: unreadable or invalid parameters.
    """
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if p.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{p}: {exc}") from exc
    try:
        return from_dict(data)
    except TypeError as exc:
        raise ValueError(f"{p}: {exc}") from exc
