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
    #: Whether this evidence links a pair on its own: it was tested as a whole (a value
    #: shared by significantly many extraction-heavy accounts), not pair by pair.
    decisive: bool = False
    #: What a value of this family is, for redaction: card, ip, net, email or text.
    kind: str = "text"


FAMILIES: dict[str, Family] = {
    "payment": Family("payment", 1.0, "shared payment card", kind="card"),
    "email_pattern": Family("email", 0.6, "same e-mail pattern and domain", kind="email"),
    "ip": Family("network", 0.8, "shared egress IP", kind="ip"),
    "ip_prefix": Family("network", 0.5, "shared IP subnet (/24, /48)", kind="net"),
    "user_agent": Family("user_agent", 0.3, "same user agent", counts=False),
    "template": Family("template", 0.5, "same prompt template (near-duplicate)", counts=False),
    "co_activity": Family("co_activity", 0.8, "same template in the same minutes"),
    # Crowded values, tested as a whole (extractscan.link.crowded): each links the
    # extraction-heavy accounts behind it, however many share it.
    "crowded_payment": Family(
        "crowded", 1.0, "card shared by many extraction-heavy accounts", decisive=True, kind="card"
    ),
    # A card too common to pair whose accounts lean to extraction together
    # (extractscan.link.leaning_cards): its leaning accounts, tested as a whole.
    "leaning_card": Family(
        "crowded",
        1.0,
        "card shared by many accounts whose prompts together lean to extraction",
        decisive=True,
        kind="card",
    ),
    # An egress IP too common to pair whose accounts lean to extraction together and
    # send like its crowd (extractscan.link.leaning_exits).
    "leaning_exit": Family(
        "crowded",
        1.0,
        "egress IP shared by many accounts whose prompts together lean to extraction",
        decisive=True,
        kind="ip",
    ),
    # A block of accounts rotating through egress IPs shared by a few accounts each,
    # whose prompts together lean to extraction, and whose accounts send like a crowd in
    # it (extractscan.link.rotating_pools, extractscan.link.leaning_pools).
    "leaning_pool": Family(
        "crowded",
        1.0,
        "proxy pool: egress IPs accounts rotate through, whose prompts together lean to extraction",
        decisive=True,
        kind="ip",
    ),
    "crowded_ip": Family(
        "crowded",
        1.0,
        "egress IP crowded with extraction-heavy accounts (proxy exit)",
        decisive=True,
        kind="ip",
    ),
    "crowded_subnet": Family(
        "crowded", 1.0, "subnet crowded with extraction-heavy accounts", decisive=True, kind="net"
    ),
    "crowded_pool": Family(
        "crowded",
        1.0,
        "proxy pool: subnets extraction-heavy accounts rotate through",
        decisive=True,
        kind="net",
    ),
    # Campaign assembly (extractscan.link.assemble): linked groups joined into one.
    "campaign_template": Family(
        "assembly",
        1.0,
        "linked groups on a prompt template used mostly inside linked groups",
        decisive=True,
    ),
    "campaign_client": Family(
        "assembly",
        1.0,
        "linked groups sharing a user agent that few accounts outside them use",
        decisive=True,
    ),
    "client_member": Family(
        "assembly",
        1.0,
        "extraction-heavy account on a linked campaign's own user agent, sharing another "
        "identifier with one of its accounts",
        decisive=True,
    ),
    # Behavioural clusters (extractscan.link.synchrony): nothing shared, but created,
    # started and switching models together with the same behaviour, beyond chance.
    "behaviour_cluster": Family(
        "behaviour",
        1.0,
        "accounts created, started and switching models together with the same behaviour",
        decisive=True,
    ),
}

#: Source family -> the crowded family its significant values become. Not e-mail
#: patterns: a name-and-digits shape at a disposable-mail domain is what unrelated
#: operators' sign-up scripts all make (measured: one pattern bridged three simulated
#: campaigns), so it links pairs (rarity-weighted) but never a crowd.
CROWDED_FAMILIES: dict[str, str] = {
    "payment": "crowded_payment",
    "ip": "crowded_ip",
    "ip_prefix": "crowded_subnet",
    "ip_pool": "crowded_pool",
}
