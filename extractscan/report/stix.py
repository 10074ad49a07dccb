"""STIX 2.1 export (``--stix-out``): indicators to share with other providers.

One bundle built with the OASIS ``stix2`` library:

- an ``identity`` for the reporting organisation (``[share] organisation`` in the
  config), which creates every other object;
- a ``campaign`` per incident at high or critical severity, named after the incident
  id, with its first and last request and a description of its size and evidence;
- an ``indicator`` per egress IP that links the accounts of such an incident (the
  ``ip`` and ``crowded_ip`` evidence: proxy exits), with a STIX pattern
  (``[ipv4-addr:value = '…']``) valid from the incident's first request;
- an ``indicator`` per e-mail pattern that links them (the ``email_pattern`` evidence:
  the shape of the local part, letters as ``a`` and digits as ``9``, at one domain),
  as a regular expression over addresses
  (``[email-addr:value MATCHES '^[a-z]+[0-9]+@mail\\.example$']``);
- ``relationship`` objects: indicator ``indicates`` campaign;
- every object marked with the TLP level of ``[share] tlp`` (default TLP:AMBER).

Object ids are UUIDv5 of the incident id and value, so the same incident exported again
(ids are stable with ``--baseline``) updates the same STIX objects rather than adding
new ones.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from pathlib import Path

import stix2

from extractscan.config import Config
from extractscan.model.errors import UsageError
from extractscan.model.findings import Findings, Incident, severity_rank
from extractscan.report.escape import clean

#: Namespace of the deterministic object ids (UUIDv5).
NAMESPACE = uuid.UUID("5c1c63c4-3f0e-4f5e-9d0f-6b3f8e3a1f17")
#: TLP level -> the stix2 library's marking definition.
TLP = {
    "white": stix2.TLP_WHITE,
    "clear": stix2.TLP_WHITE,
    "green": stix2.TLP_GREEN,
    "amber": stix2.TLP_AMBER,
    "red": stix2.TLP_RED,
}
#: Evidence families whose values are egress IPs.
IP_FAMILIES = ("ip", "crowded_ip")
#: Evidence families whose values are e-mail patterns (:func:`email_regex`).
EMAIL_FAMILIES = ("email_pattern",)


def _id(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join(parts))}"


def _pattern(value: str) -> str | None:
    """A STIX pattern for an IP address, or None if ``value`` is not one."""
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    kind = "ipv4-addr" if ip.version == 4 else "ipv6-addr"
    return f"[{kind}:value = '{ip.compressed}']"


def email_regex(shape: str) -> str | None:
    """The regular expression of the addresses an e-mail pattern stands for, or None.

    The pattern is :func:`extractscan.features.identifiers.email_pattern`'s: the
    lowercased local part with each run of letters written ``a`` and each run of digits
    ``9``, then ``@`` and the domain. Letters and digits of the pattern are those runs;
    every other character (and the domain) stands for itself. Addresses are matched
    lowercased, as the pattern was made (``(?i)``).
    """
    local, at, domain = shape.partition("@")
    if not at or not local or not domain:
        return None
    parts = ["[a-z]+" if c == "a" else "[0-9]+" if c == "9" else re.escape(c) for c in local]
    return "(?i)^" + "".join(parts) + "@" + re.escape(domain) + "$"


def _email_pattern(shape: str) -> str | None:
    """A STIX pattern for the addresses of an e-mail pattern, or None."""
    regex = email_regex(shape)
    if regex is None:
        return None
    # a STIX string literal: backslash and quote escaped (STIX 2.1 patterning, 9.2)
    literal = regex.replace("\\", "\\\\").replace("'", "\\'")
    return f"[email-addr:value MATCHES '{literal}']"


def _description(inc: Incident) -> str:
    evidence = "; ".join(f"{ln.label} ({ln.accounts} accounts)" for ln in inc.links)
    return clean(
        f"extractscan incident {inc.id}: {inc.severity} (score {inc.score:.2f}), "
        f"{inc.accounts} accounts, {inc.exchanges} exchanges. Linked by: {evidence}.",
        2000,
    )


def build_bundle(findings: Findings, cfg: Config) -> stix2.Bundle:
    """The STIX 2.1 bundle of the incidents at high or above."""
    marking = TLP[cfg.share.tlp]
    made = findings.generated_at
    org = stix2.Identity(
        id=_id("identity", cfg.share.organisation),
        name=cfg.share.organisation,
        identity_class="organization",
        created=made,
        modified=made,
        object_marking_refs=[marking],
    )
    objects: list[object] = [marking, org]
    common = {
        "created_by_ref": org.id,
        "created": made,
        "modified": made,
        "object_marking_refs": [marking],
    }
    floor = severity_rank("high")
    for inc in findings.incidents:
        if severity_rank(inc.severity) < floor:
            continue
        campaign = stix2.Campaign(
            id=_id("campaign", inc.id),
            name=f"Model-extraction campaign {inc.id}",
            description=_description(inc),
            first_seen=inc.first_seen,
            last_seen=inc.last_seen,
            objective="model extraction (distillation) through the API",
            **common,
        )
        objects.append(campaign)
        for value, pattern, name, what in _indicators(inc):
            indicator = stix2.Indicator(
                id=_id("indicator", inc.id, value),
                name=f"{name} of {inc.id}",
                description=f"{what} shared by accounts of extractscan incident {inc.id}",
                indicator_types=["malicious-activity"],
                pattern=pattern,
                pattern_type="stix",
                valid_from=inc.first_seen,
                **common,
            )
            objects.append(indicator)
            objects.append(
                stix2.Relationship(
                    id=_id("relationship", inc.id, value, "indicates"),
                    relationship_type="indicates",
                    source_ref=indicator.id,
                    target_ref=campaign.id,
                    **common,
                )
            )
    return stix2.Bundle(objects=objects, id=_id("bundle", *(i.id for i in findings.incidents)))


def _indicators(inc: Incident) -> list[tuple[str, str, str, str]]:
    """(value, STIX pattern, name, description) of each shareable value of ``inc``:
    its exit IPs, then its e-mail patterns, each sorted."""
    out: list[tuple[str, str, str, str]] = []
    for families, make, name, what in (
        (IP_FAMILIES, _pattern, "Egress IP", "Proxy exit"),
        (EMAIL_FAMILIES, _email_pattern, "E-mail pattern", "Sign-up e-mail pattern"),
    ):
        values = sorted({v for ln in inc.links if ln.family in families for v, _ in ln.values})
        for value in values:
            pattern = make(value)
            if pattern is not None:
                out.append((value, pattern, name, what))
    return out


def check_path(path: str | Path, redacted: bool) -> None:
    """Refuse a STIX export of redacted findings (said before the scan): indicators
    are shared to be matched, and a token matches nothing.

    Raises:
        UsageError: ``redacted``.
    """
    if redacted:
        raise UsageError(
            f"--stix-out {path}: cannot be combined with --redact (shared indicators "
            "need the real values)"
        )


def write_bundle(findings: Findings, cfg: Config, path: str | Path) -> None:
    """Write :func:`build_bundle` as JSON."""
    text = build_bundle(findings, cfg).serialize(pretty=True)
    Path(path).write_text(text + "\n", encoding="utf-8")
