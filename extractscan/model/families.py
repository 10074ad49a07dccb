"""Identifier families: the vocabulary every stage shares (declared once).

A family is a kind of identifier two accounts can share (payment card, e-mail
pattern, egress IP, ...). Its ``group`` merges correlated families (an IP and its /24
count once, as ``network``); its ``reliability`` scales the rarity weight.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """An identifier family: how strongly agreement counts and what it is called."""

    group: str
    reliability: float
    label: str
    #: Whether agreement counts towards ``min_families``; supporting families (user
    #: agent, template) add weight but never make a link on their own.
    counts: bool = True


FAMILIES: dict[str, Family] = {
    "payment": Family("payment", 1.0, "shared payment card"),
    "email_pattern": Family("email", 0.6, "same e-mail pattern and domain"),
    "ip": Family("network", 0.8, "shared egress IP"),
    "ip_prefix": Family("network", 0.5, "shared IP subnet (/24, /48)"),
    "user_agent": Family("user_agent", 0.3, "same user agent", counts=False),
    "template": Family("template", 0.5, "same prompt template (near-duplicate)", counts=False),
    "co_activity": Family("co_activity", 0.8, "same template in the same minutes"),
}
