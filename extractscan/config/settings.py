"""Scan configuration: thresholds live here, once, and a TOML file may override them.

Example ``extractscan.toml``::

    [columns]
    account = "customer_ref"

    [severity]
    critical = 0.80
    high = 0.60
    medium = 0.40

    [scan]
    flag_severity = "medium"

    [limits]
    decompressed_ratio = 200     # a .gz/.zst file may expand to 200x its size ...
    decompressed_max = "64G"     # ... and never past 64 GiB
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from extractscan.model.errors import UsageError
from extractscan.model.findings import SEVERITIES
from extractscan.model.schema import ACCOUNT_ATTRS, OPTIONAL, REQUIRED

DEFAULT_CONFIG_NAME = "extractscan.toml"


@dataclass(frozen=True)
class LinkConfig:
    """How shared identifiers become links between accounts."""

    #: A value shared by more accounts than this is too common to be evidence
    #: (NAT, carrier NAT, a popular framework's system prompt), per family.
    max_accounts_per_value: dict[str, int] = field(
        default_factory=lambda: {
            "payment": 60,
            "email": 60,
            "network": 16,
            "user_agent": 60,
            "template": 400,
            "co_activity": 400,
        }
    )
    #: A link needs at least this much rarity-weighted evidence ...
    min_weight: float = 4.0
    #: ... from at least this many independent families, unless one family alone
    #: reaches ``strong_weight``.
    min_families: int = 2
    #: A family counts towards ``min_families`` only with at least this weight.
    min_family_weight: float = 1.5
    strong_weight: float = 5.5
    #: A payment card shared by at most this many accounts links them on its own.
    strong_card_accounts: int = 3
    #: Minute bin for co-activity (same template, same bin).
    co_activity_minutes: int = 5
    #: An account is extraction-heavy when the lower 95 % Wilson bound of the share of its
    #: measured prompts eliciting reasoning, tool traces, code or grading reaches this.
    #: Measured on fit worlds 1015-1044 (RESULTS.md, "Generalization"): 0.35 lost two
    #: hydras mixing 64-73 % resold traffic into every account (recall 0); 0.2 found them
    #: (worst hydra 0.85) and let one more world put customers of the campaign's proxy
    #: service into its incident.
    heavy_share: float = 0.2
    #: ... over at least this many measured prompts: one to three reasoning requests pass
    #: any bound at 95 % (customers of a campaign's proxy service with one to three
    #: requests joined its incident, fit worlds 1018 and 1020).
    heavy_min_prompts: int = 10
    #: Crowded-value test (extractscan.link.crowded): a shared value links the
    #: extraction-heavy accounts behind it when at least this many of them share it ...
    crowded_min_heavy: int = 3
    #: ... and that many is unlikely by chance: the Chernoff bound on the binomial tail
    #: (heavy accounts among the value's accounts at the population's heavy rate) is
    #: below this family-wise error rate divided by the number of values tested.
    crowded_alpha: float = 0.01
    #: ... spent per this many accounts: a log of N accounts, N above this, allows
    #: ``crowded_alpha * N / crowded_alpha_accounts`` false crowds, so a log of at least
    #: this many accounts and one four times its size have the same threshold (over the
    #: whole log it rises by ln 4, and a hydra's exits found at 1x were not at 4x); a
    #: smaller log is tested over the whole log, as before. Measured at 0, 3,000, 10,000
    #: and 30,000 (RESULTS.md "The crowds' error rate spent per account": the same
    #: detection, more benign cohort accounts in low incidents as it falls). 0: over the
    #: whole log.
    crowded_alpha_accounts: int = 10_000
    #: ... and an account is linked through crowds only when it sits behind at least this
    #: many significant cards or exit IPs. Measured on the fit worlds: 2 lost a third of
    #: a grader campaign whose accounts each used one exit and had their own cards, and
    #: kept no benign account out that the Wilson bound of ``heavy_share`` did not.
    crowded_min_values: int = 1
    #: Non-heavy accounts behind a linked crowded value join it when they send the
    #: wrappers of the heavy accounts behind it beyond chance (``extractscan.link.mixed``,
    #: at ``crowded_alpha``): a hydra's accounts that mix resold traffic into a few dozen
    #: requests each.
    crowded_mixed: bool = True
    #: Extraction-heavy accounts behind a linked exit, subnet or proxy pool that send
    #: significantly unlike its other heavy accounts (none of their wrappers) are taken
    #: out of it (``extractscan.link.unlike``): the proxy service's other customers.
    crowded_unlike: bool = True
    #: ... when, sending like those accounts, its requests would have been this unlikely
    #: (Markov's bound): per account tested, since a wrong call loses one campaign
    #: account, so at most this share of the accounts that send like their crowd is
    #: expected to be lost. Over the log it was ``crowded_alpha / tested``, 12 nats at
    #: 2,088 tests (held-out world 2202 at 4x), which an 11-request customer cannot
    #: reach. Measured on 187 randomized worlds (RESULTS.md "Unlike its crowd: the rate
    #: spent per account"): the lowest of 193,293 campaign accounts' tests was -0.3 nats,
    #: none at or below -1; 0.01 took out world 2202's customer alone. 0: over the log.
    crowded_unlike_alpha: float = 0.01
    #: Linked groups whose extraction-heavy accounts share a prompt template (near-
    #: duplicate cluster) are assembled into one incident.
    assemble_by_template: bool = True
    #: ... joining the groups of at most this many accounts (the pieces: card pairs and
    #: triples, a family-sized crowd) that share a wrapper; larger groups never take part
    #: (measured: three simulated campaigns that all sent the same generic coding request
    #: merged into one incident, and campaigns of one wrapper family into one). The curve
    #: on 95 fit and examined worlds (RESULTS.md "Assembly's largest piece, a curve"): 4
    #: and 8 give the same metrics; 12 put a NAT's users at high in 2 worlds and lost
    #: P@3 in 1, 16 did worse in 8 (classes, teams at high); a family is at most 8.
    assemble_max_accounts: int = 8
    #: Extraction-leaning groups that share a user agent (at least half of each group on
    #: it, at least half of its accounts in those groups) are one campaign
    #: (``extractscan.link.shared_client``): a grader split by subnet; and an
    #: extraction-heavy account in no group joins a group on its own client when it
    #: shares a counting identifier with one of its accounts.
    assemble_by_client: bool = True
    #: Behavioural clusters (extractscan.link.synchrony): extraction-heavy accounts with
    #: at least this many requests are clustered on their behaviour and timing ...
    synchrony_min_requests: int = 20
    #: ... a cluster needs at least this many accounts inside its synchrony box (6 and 8
    #: measured against 10 on the fit worlds and held-out 481-520: neither better on the
    #: fit worlds, RESULTS.md "Generalization") ...
    synchrony_min_accounts: int = 10
    #: ... and links them when that many accounts created, starting and moving to the
    #: newest model that close together is unlikely among the other accounts: the
    #: Chernoff bound is below this family-wise rate (corrected for the box's choice).
    #: 0 turns the search off.
    synchrony_alpha: float = 0.01
    #: ... where choosing each window of the box costs this many times ln(accounts) nats
    #: (2: every pair of its bounds; 1 measured, RESULTS.md "Generalization": finds two
    #: small held-out campaigns, but a class created in one day becomes beyond chance by
    #: its times alone).
    synchrony_window_cost: float = 2.0
    #: ... and this many for a cluster mostly outside the identifier-linked groups (its
    #: behaviour tested as one more window): a window is the cluster's own accounts'
    #: consecutive times, ``N`` choices, not ``N^2``; a group's cluster keeps the cost
    #: above (a class is one party, its times together no campaign's evidence). Measured
    #: (RESULTS.md "The cost of a window for accounts nothing ties"): at 1, four small
    #: campaigns found (held-out 2944, 3077, 3144, fit w1023's grader) and no benign
    #: account moved on the 83 regression worlds; at 1.5 one of the four.
    synchrony_free_window_cost: float = 1.0

    def window_cost(self, free: bool) -> float:
        """The cost of choosing each window of a behavioural cluster's box, in ``ln N``:
        ``synchrony_free_window_cost`` for a cluster mostly outside the identifier-linked
        groups (``free``), else ``synchrony_window_cost``."""
        return self.synchrony_free_window_cost if free else self.synchrony_window_cost


#: TLP levels a STIX export can be marked with (TLP 1.0, as the stix2 library defines them;
#: "clear" is TLP 2.0's name for "white").
TLP_LEVELS = ("white", "clear", "green", "amber", "red")


@dataclass(frozen=True)
class ShareConfig:
    """Who shares the indicators (``--stix-out``) and under which TLP marking.

    ``[share]`` in the TOML: ``organisation = "Example AI, Trust & Safety"``,
    ``tlp = "amber"``.
    """

    organisation: str = "extractscan user"
    tlp: str = "amber"


@dataclass(frozen=True)
class Limits:
    """Bounds on what one input file may cost (hostile files: decompression bombs)."""

    #: A compressed file may decompress to this many times its own size (logs compress
    #: 5-20x; 33 KB of zstd expanding to 1 GB of blank lines grew the scan to 16 GB) ...
    decompressed_ratio: int = 200
    #: ... but to at least this many bytes (a tiny file of one repeated line) ...
    decompressed_floor: int = 1 << 20
    #: ... and never past this many bytes.
    decompressed_max: int = 64 << 30

    def decompressed_limit(self, compressed: int) -> int:
        """Bytes a file of ``compressed`` bytes may decompress to."""
        return min(
            max(self.decompressed_ratio * compressed, self.decompressed_floor),
            self.decompressed_max,
        )


@dataclass(frozen=True)
class Config:
    """Everything a scan can be tuned with. Defaults are the shipped, measured ones."""

    columns: dict[str, str] = field(default_factory=dict)
    severity: dict[str, float] = field(
        default_factory=lambda: {"critical": 0.80, "high": 0.60, "medium": 0.40}
    )
    flag_severity: str = "medium"
    min_incident_accounts: int = 2
    link: LinkConfig = field(default_factory=LinkConfig)
    sample_prompts: int = 3
    limits: Limits = field(default_factory=Limits)
    #: An incident's pooled prompts this many nats (minus the log of the chance) more
    #: extraction-style than the accounts outside incidents count as full content
    #: evidence (benchmarks/RESULTS.md, "Generalization": the curve it was read from).
    contrast_full_nats: float = 30.0
    share: ShareConfig = field(default_factory=ShareConfig)
    #: The TOML file these settings came from (as given; absolute when found in the
    #: working directory), or ``None`` for the defaults. Named in every report.
    source: str | None = None
    #: Whether ``source`` was picked up from the working directory, not named by the user.
    source_implicit: bool = False

    def severity_of(self, score: float) -> str:
        """Map an incident score in [0, 1] to a severity level."""
        for level in ("critical", "high", "medium"):
            if score >= self.severity[level]:
                return level
        return "low"


def _check_columns(columns: dict[str, Any], where: str) -> dict[str, str]:
    known = set(REQUIRED) | set(OPTIONAL) | set(ACCOUNT_ATTRS)
    out: dict[str, str] = {}
    for canonical, source in columns.items():
        if canonical not in known:
            raise UsageError(
                f"{where}: unknown canonical column {canonical!r}; "
                f"known: {', '.join(sorted(known))}"
            )
        if not isinstance(source, str) or not source:
            raise UsageError(f"{where}: column {canonical!r} must map to a column name")
        out[canonical] = source
    return out


def load_config(
    path: str | Path | None,
    overrides: dict[str, str] | None = None,
    use_default: bool = True,
) -> Config:
    """Load ``path`` (or ``./extractscan.toml`` if present) and apply column overrides.

    Args:
        path: the TOML file, or ``None``.
        overrides: canonical column -> source column (``--column``).
        use_default: with ``path`` ``None``, read ``./extractscan.toml`` if present
            (``Config.source_implicit`` says so); ``False`` (``--config none``): defaults.

    Raises:
        UsageError: the file is missing, is not valid TOML, or holds unknown keys.
    """
    cfg = Config()
    implicit = path is None and use_default and Path(DEFAULT_CONFIG_NAME).is_file()
    if implicit:  # named absolutely: the report must say which folder it came from
        path = Path(DEFAULT_CONFIG_NAME).absolute()
    if path is not None:
        p = Path(path)
        if p.exists() and not p.is_dir() and not p.is_file():
            # a FIFO or device: reading it waits for a writer that may never come
            raise UsageError(f"--config {p}: not a regular file (a FIFO or device)")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise UsageError(f"config file not found: {p}") from exc
        except OSError as exc:  # a folder, no permission: the user's option, exit 2
            raise UsageError(f"--config {p}: cannot read: {exc.strerror or exc}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{p}: not valid TOML: {exc}") from exc
        except RecursionError as exc:  # tomllib recurses once per level of arrays/tables
            raise UsageError(f"{p}: not valid TOML: nested too deep") from exc
        cfg = replace(_apply(cfg, data, str(p)), source=str(p), source_implicit=implicit)
    if overrides:
        cfg = replace(cfg, columns={**cfg.columns, **_check_columns(overrides, "--column")})
    return cfg


_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _size(value: object, where: str) -> int:
    """Bytes: an integer, or a size such as "64G" or "512M" (binary units)."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgtKMGT]?)(?:i?[bB])?\s*", value)
        if m is not None and float(m.group(1)) >= 1:
            return int(float(m.group(1)) * _UNITS[m.group(2).upper()])
    elif not isinstance(value, bool) and isinstance(value, int) and value >= 1:
        return value
    raise UsageError(f"{where} must be a size such as 64G or a number of bytes, got {value!r}")


def _limits(section: dict[str, Any], where: str) -> Limits:
    names = {f.name for f in fields(Limits)}
    bad = set(section) - names
    if bad:
        raise UsageError(f"{where}: unknown key(s) {sorted(bad)}; allowed {sorted(names)}")
    out: dict[str, int] = {}
    for k, v in section.items():
        if k == "decompressed_ratio":
            out[k] = _number(v, f"{where} {k}", True, 1)
        else:
            out[k] = _size(v, f"{where} {k}")
    return Limits(**out)


def _table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UsageError(f"{where} must be a table of key = value lines")
    return value


def _number(value: object, where: str, integer: bool, minimum: float) -> Any:
    """``value`` if it is a number (an integer if ``integer``) >= ``minimum``."""
    kind = int if integer else (int, float)
    if (
        isinstance(value, bool)
        or not isinstance(value, kind)
        or not math.isfinite(value)
        or value < minimum
    ):
        what = "an integer" if integer else "a number"
        raise UsageError(f"{where} must be {what} >= {minimum:g}, got {value!r}")
    return value if integer else float(value)


#: Smallest value each numeric setting takes (an integer setting where the default is).
_LINK_MINIMUM = {
    "min_weight": 0.0,
    "min_families": 1,
    "min_family_weight": 0.0,
    "strong_weight": 0.0,
    "strong_card_accounts": 0,
    "co_activity_minutes": 1,
    "heavy_share": 0.0,
    "heavy_min_prompts": 1,
    "crowded_min_heavy": 2,
    "crowded_alpha": 0.0,
    "crowded_alpha_accounts": 0,
    "crowded_min_values": 1,
    "crowded_unlike_alpha": 0.0,
    "assemble_max_accounts": 2,
    "synchrony_min_requests": 2,
    "synchrony_min_accounts": 3,
    "synchrony_alpha": 0.0,
    "synchrony_window_cost": 0.0,
    "synchrony_free_window_cost": 0.0,
}
_SCAN_MINIMUM = {"min_incident_accounts": 2, "sample_prompts": 0, "contrast_full_nats": 0.0}


def _apply(cfg: Config, data: dict[str, Any], where: str) -> Config:
    """``cfg`` with the file's settings; every key and value checked (a wrong type or
    range is a usage error naming it, not a failure deep in the scan)."""
    allowed = {"columns", "severity", "scan", "link", "share", "limits"}
    unknown = set(data) - allowed
    if unknown:
        raise UsageError(
            f"{where}: unknown section(s) {sorted(unknown)}; allowed {sorted(allowed)}"
        )
    for section in allowed & set(data):
        _table(data[section], f"{where} [{section}]")
    if "columns" in data:
        cfg = replace(cfg, columns=_check_columns(data["columns"], f"{where} [columns]"))
    if "severity" in data:
        sev = dict(cfg.severity)
        for k, v in data["severity"].items():
            if k not in sev:
                raise UsageError(f"{where} [severity]: {k!r} must be one of {sorted(sev)}")
            sev[k] = _number(v, f"{where} [severity] {k}", integer=False, minimum=0.0)
        if not sev["critical"] >= sev["high"] >= sev["medium"]:
            raise UsageError(f"{where} [severity]: need critical >= high >= medium")
        cfg = replace(cfg, severity=sev)
    if "scan" in data:
        scan = data["scan"]
        names = {"flag_severity", "min_incident_accounts", "sample_prompts", "contrast_full_nats"}
        bad = set(scan) - names
        if bad:
            raise UsageError(f"{where} [scan]: unknown key(s) {sorted(bad)}")
        if "flag_severity" in scan and scan["flag_severity"] not in SEVERITIES:
            raise UsageError(f"{where} [scan]: flag_severity must be one of {SEVERITIES}")
        scan = {
            k: v
            if k == "flag_severity"
            else _number(v, f"{where} [scan] {k}", k != "contrast_full_nats", _SCAN_MINIMUM[k])
            for k, v in scan.items()
        }
        cfg = replace(cfg, **scan)
    if "limits" in data:
        cfg = replace(cfg, limits=_limits(data["limits"], f"{where} [limits]"))
    if "share" in data:
        cfg = replace(cfg, share=_share(data["share"], f"{where} [share]"))
    if "link" in data:
        link = dict(data["link"])
        names = {f.name for f in fields(LinkConfig)}
        bad = set(link) - names
        if bad:
            raise UsageError(f"{where} [link]: unknown key(s) {sorted(bad)}")
        for k, v in link.items():
            if isinstance(getattr(cfg.link, k), bool):
                if not isinstance(v, bool):
                    raise UsageError(f"{where} [link] {k} must be true or false, got {v!r}")
            elif k != "max_accounts_per_value":
                integer = isinstance(getattr(cfg.link, k), int)
                link[k] = _number(v, f"{where} [link] {k}", integer, _LINK_MINIMUM[k])
        if "max_accounts_per_value" in link:
            caps = _table(link["max_accounts_per_value"], f"{where} [link.max_accounts_per_value]")
            from extractscan.model.families import FAMILIES  # a family (ip) or its group (network)

            known = cfg.link.max_accounts_per_value
            names = set(known) | set(FAMILIES) | {f.group for f in FAMILIES.values()}
            for fam, v in caps.items():
                if fam not in names:
                    raise UsageError(
                        f"{where} [link.max_accounts_per_value]: unknown family {fam!r}; "
                        f"known: {', '.join(sorted(names))}"
                    )
                _number(v, f"{where} [link.max_accounts_per_value] {fam}", True, 1)
            link["max_accounts_per_value"] = {**known, **caps}
        cfg = replace(cfg, link=replace(cfg.link, **link))
    return cfg


def _share(table: dict[str, Any], where: str) -> ShareConfig:
    """``[share]``: the reporting organisation's name and the TLP level."""
    bad = set(table) - {"organisation", "tlp"}
    if bad:
        raise UsageError(f"{where}: unknown key(s) {sorted(bad)}; allowed organisation, tlp")
    out = ShareConfig()
    if "organisation" in table:
        name = table["organisation"]
        if not isinstance(name, str) or not name.strip():
            raise UsageError(f"{where} organisation must be a non-empty string")
        out = replace(out, organisation=name.strip())
    if "tlp" in table:
        tlp = str(table["tlp"]).strip().lower().removeprefix("tlp:")
        if tlp not in TLP_LEVELS:
            raise UsageError(f"{where} tlp must be one of {', '.join(TLP_LEVELS)}, got {tlp!r}")
        out = replace(out, tlp=tlp)
    return out
