"""What the human-readable reports say in sentences: the executive summary, what a
score, a severity and a weight mean, one line per lesser incident, and what to do next.

Plain text, no markup and no escaping: every function returns text built from the
findings, which the caller escapes for its medium as a whole (log text included).
"""

from __future__ import annotations

from datetime import datetime

from extractscan.model.families import FAMILIES
from extractscan.model.findings import Findings, Incident, severity_rank

#: Linking families named in the summary's "tied by", in the words of a letter.
_TIE_WORDS = {
    "payment": "payment card",
    "crowded_payment": "payment card",
    "leaning_card": "payment card",
    "ip": "egress IP",
    "crowded_ip": "egress IP",
    "leaning_exit": "egress IP",
    "ip_prefix": "IP subnet",
    "crowded_subnet": "IP subnet",
    "crowded_pool": "proxy pool",
    "leaning_pool": "proxy pool",
    "email_pattern": "e-mail pattern",
    "co_activity": "prompt template in the same minutes",
    "template": "prompt template",
    "campaign_template": "extraction prompt template",
    "campaign_client": "client user agent",
    "client_member": "the campaign's own user agent",
    "user_agent": "user agent",
    "behaviour_cluster": "synchronised signup, start and model switch",
}

#: What a value of a family looks like, where the label alone does not say.
FAMILY_NOTES: dict[str, str] = {
    "email_pattern": "an e-mail pattern is the shape of the address before the @ (letters "
    "as 'a', digits as '9') with its domain: a9@mail.example stands for ops1042@mail.example",
    "template": "a template is the first words of a prompt, lowercased, with numbers shown "
    "as # and links and e-mail addresses masked",
    "co_activity": "a template in the same minutes is a template and the time window (UTC) "
    "in which the accounts sent it",
    "leaning_card": "a card whose accounts lean to extraction together is one too common to "
    "link its accounts on its own, most of whose accounts each send extraction-style "
    "prompts above the log's ordinary rate, together far beyond chance; the accounts "
    "listed are those that lean",
    "leaning_exit": "an egress IP whose accounts lean to extraction together is tested as "
    "such a card is; the accounts listed lean behind two or more such IPs (a proxy pool's "
    "rotation) and send the same templates as the IP's other accounts, far beyond chance",
    "leaning_pool": "a proxy pool whose accounts lean to extraction together is a block of "
    "accounts that each send from two or more egress IPs a few accounts share, with those "
    "IPs; its accounts' prompts together are extraction-style far beyond the log's "
    "ordinary rate; the accounts listed send the same templates as a crowd of the pool's "
    "accounts, far beyond chance",
}

#: The notation in one short line, for the terminal's evidence table.
WEIGHT_SHORT = (
    "weight: ln(accounts / accounts sharing) x reliability, summed over shared values; "
    "1 weak, 5+ strong"
)
SHORT_NOTES = {
    "email_pattern": "e-mail pattern: letters as a, digits as 9",
    "template": "template: first words, numbers as #",
}

WEIGHT_MEANING = (
    "Weight: how strongly the shared values say the accounts are run by one operator, "
    "summed over the values: ln(accounts in the log / accounts sharing the value) times "
    "how reliable the kind of value is; 1 is weak, 5 or more strong (a card shared by 2 of "
    "300 accounts weighs about 5). Crowded values (many extraction-heavy accounts behind "
    "one card, exit, subnet or proxy pool) are tested as a whole and link on their own."
)


def score_meaning(f: Findings) -> str:
    """One line: what an incident score and the severities mean."""
    floors = ", ".join(f"{level} {floor:.2f}+" for level, floor in f.severity_floors)
    return (
        "Score 0-1: how strongly an incident's linked accounts look like one extraction "
        "campaign (prompt content, link strength, coordination, volume; halved when an "
        f"innocent explanation fits). Severity by score: {floors}, low below."
    )


def score_line(f: Findings) -> str:
    """:func:`score_meaning` in one short line (under the terminal report's header)."""
    floors = ", ".join(f"{level} {floor:.2f}+" for level, floor in f.severity_floors)
    return f"score 0-1, how campaign-like: {floors}"


def day(value: datetime | None) -> str:
    """A UTC date."""
    return value.strftime("%Y-%m-%d") if value else "-"


def tied_by(inc: Incident, most: int = 3) -> str:
    """E.g. ``2 payment cards, 3 egress IPs and e-mail patterns`` (the strongest links)."""
    seen: list[str] = []
    for ln in sorted(inc.links, key=lambda x: (-x.weight, x.family)):
        word = _TIE_WORDS.get(
            ln.family, FAMILIES[ln.family].label if ln.family in FAMILIES else ln.family
        )
        if word not in seen:
            seen.append(word)
    seen = seen[:most]
    if not seen:
        return "no shared value"
    words = [w if w.startswith("synchronised") else f"shared {w}s" for w in seen]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def how_sure(inc: Incident) -> str:
    """E.g. ``score 0.88; identifier-linked; 5 innocent explanations tested, none fits``
    (the kind says what the incident rests on: a behavioural cluster is weaker evidence)."""
    n = len(inc.benign_checks)
    fits = inc.explained_by
    if not n:
        tested = "no innocent explanation tested"
    elif fits:
        tested = f"{n} innocent explanations tested; fits: {'; '.join(fits)}"
    else:
        tested = f"{n} innocent explanations tested, none fits"
    return f"score {inc.score:.2f}; {inc.kind}; {tested}"


def next_step(inc: Incident) -> str:
    """What an investigator should do about an incident, by severity and checks."""
    if inc.suppressed:
        return "suppressed: no action unless the suppression no longer holds"
    if inc.explained_by:
        return "confirm the innocent explanation with the account owners before acting"
    if inc.kind == "behavioural cluster":
        return (
            "corroborate (payment, signup and traffic records of the member accounts) before "
            "acting: nothing is shared beyond chance, only timing and behaviour"
        )
    if severity_rank(inc.severity) >= severity_rank("high"):
        return (
            "suspend or throttle the member accounts (appendix), block the shared cards and "
            "exits, and preserve the logs"
        )
    if inc.severity == "medium":
        return "review the member accounts and watch them on the next scan"
    return "no action; kept for the record"


def one_line(inc: Incident) -> str:
    """An incident in one line (for incidents below ``--min-severity``)."""
    down = f"; ranked down: {'; '.join(inc.explained_by)} fits" if inc.explained_by else ""
    return (
        f"#{inc.rank} {inc.severity} {inc.id}: score {inc.score:.2f}, {inc.accounts:,} accounts, "
        f"{inc.exchanges:,} exchanges, {day(inc.first_seen)} to {day(inc.last_seen)}, "
        f"tied by {tied_by(inc, 2)}{down}"
    )


def headline(f: Findings, floor: str) -> str:
    """The executive summary's first sentence: how many incidents, accounts and
    exchanges at or above ``floor``, since when."""
    main = f.at_or_above(floor)
    below = len(f.incidents) - len(main)
    if not main:
        lower = f" ({below:,} below {floor}, listed in one line each)" if below else ""
        return f"No incident at {floor} or above{lower}."
    by = ", ".join(
        f"{sum(i.severity == s for i in main)} {s}"
        for s in ("critical", "high", "medium", "low")
        if any(i.severity == s for i in main)
    )
    accounts = sum(i.accounts for i in main)
    exchanges = sum(i.exchanges for i in main)
    tokens = [i.output_tokens for i in main if i.output_tokens is not None]
    out_tokens = f", {sum(tokens):,} output tokens" if tokens else ""
    since = min(i.first_seen for i in main)
    until = max(i.last_seen for i in main)
    lower = (
        f" {below:,} lesser incident(s) below {floor} are listed in one line each." if below else ""
    )
    n = len(main)
    return (
        f"{n} incident{'s' if n != 1 else ''} at {floor} or above ({by}): {accounts:,} accounts "
        f"made {exchanges:,} exchanges{out_tokens} between {day(since)} and {day(until)}.{lower}"
    )


def incident_sentence(inc: Incident) -> str:
    """Who, how many, since when: one sentence for the summary of one incident."""
    return (
        f"{inc.accounts:,} accounts tied by {tied_by(inc)} made {inc.exchanges:,} exchanges "
        f"since {day(inc.first_seen)} (last {day(inc.last_seen)})"
    )


def how_to_read(f: Findings, incidents: tuple[Incident, ...]) -> str:
    """What the score, the severities and the weights mean, and the notation of the
    kinds of value the ``incidents`` are tied by (said once, for the whole report)."""
    families = sorted({ln.family for i in incidents for ln in i.links} & set(FAMILY_NOTES))
    notes = [FAMILY_NOTES[fam][0].upper() + FAMILY_NOTES[fam][1:] + "." for fam in families]
    return " ".join([score_meaning(f), WEIGHT_MEANING, *notes])


def evidence_caption(inc: Incident) -> str:
    """The weight's meaning and the notation of the kinds of value ``inc`` is tied by."""
    fams = sorted({ln.family for ln in inc.links} & set(SHORT_NOTES))
    return "; ".join([WEIGHT_SHORT, *(SHORT_NOTES[f] for f in fams)])
