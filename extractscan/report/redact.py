"""Redact: mask e-mails, IP addresses and payment fingerprints for briefings.

The same value always gets the same token within one report (``email-3``, ``ip-12``,
``card-2``), so an investigator can still see that two incidents share a card, while
the briefing's readers cannot recover the value. Tokens are numbered in sorted order of
the values, so the same input gives the same redacted report.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import replace
from pathlib import Path

import polars as pl

from extractscan.model.families import FAMILIES
from extractscan.model.findings import (
    Findings,
    Incident,
    InputSummary,
    LinkEvidence,
    Suppression,
)

#: An e-mail address, or one cut short at the end of a text (a field cut at 200
#: characters left "carol@cut.exa", which the full pattern missed).
EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.+-]+@[\w.-]*(?=…?\Z)"
IPV4 = r"\b(?:\d{1,3}\.){3}\d{1,3}\b"
#: A candidate IPv6 address, compressed ("2001:db8::1") or not, with an IPv4 tail
#: ("::ffff:198.51.100.7" kept its last three octets); only candidates that parse as an
#: address are masked (not a time such as 10:30:45 or a MAC address).
IPV6 = (
    r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4})(?![\w:])"
)
_PATTERN = re.compile(f"({EMAIL})|({IPV4})|({IPV6})")
#: Words of a free text looked up among the payment fingerprints (a card quoted in a
#: prompt survived: fingerprints have no shape of their own, only known values).
_WORD = re.compile(r"[\w+/=.-]*\w")
#: Whether a text may hold something :meth:`Redactor.text` masks (a cheap pre-filter;
#: payment fingerprints are looked for as values, see :func:`_masked_text`).
MAYBE = r"@|\d\.\d|:"
#: Placeholders of :func:`mask_text`, for text shown before the report's tokens exist.
_KIND_TOKEN = {1: "<email>", 2: "<ip>", 3: "<ip>"}
_KIND_OF_FAMILY = {k: f.kind for k, f in FAMILIES.items() if f.kind != "text"}


class Redactor:
    """Consistent value -> token maps, one per kind of value."""

    def __init__(self, values: dict[str, set[str]]) -> None:
        self.tokens: dict[str, dict[str, str]] = {
            kind: {v: f"{kind}-{i}" for i, v in enumerate(sorted(vals), start=1)}
            for kind, vals in values.items()
        }

    def token(self, kind: str, value: str) -> str:
        """The token of ``value``; values not seen before get the next number."""
        table = self.tokens.setdefault(kind, {})
        if value not in table:
            table[value] = f"{kind}-{len(table) + 1}"
        return table[value]

    def text(self, s: str) -> str:
        """Free text with every e-mail and IP address replaced by its token."""

        def swap(m: re.Match[str]) -> str:
            if m.group(1):
                return "<" + self.token("email", m.group(0)) + ">"
            try:
                ipaddress.ip_address(m.group(0))
            except ValueError:  # 999.1.1.1, a time, a MAC address: not an IP
                return m.group(0)
            return "<" + self.token("ip", m.group(0)) + ">"

        out = _PATTERN.sub(swap, s)
        cards = self.tokens.get("card")
        if cards:
            out = _WORD.sub(
                lambda m: "<" + cards[m.group()] + ">" if m.group() in cards else m.group(), out
            )
        return out


def mask_text(s: str) -> str:
    """Free text with e-mails and IP addresses replaced by ``<email>`` / ``<ip>``: for
    progress lines and messages, written before the report's numbered tokens exist."""

    def swap(m: re.Match[str]) -> str:
        if not m.group(1):
            try:
                ipaddress.ip_address(m.group(0))
            except ValueError:
                return m.group(0)
        return _KIND_TOKEN[m.lastindex or 1]

    return _PATTERN.sub(swap, s)


def redactor_for(f: Findings) -> Redactor:
    """The redactor of ``f``: tokens numbered in sorted order of the cards, e-mails,
    IPs and subnets the findings name (free text adds the rest as it is masked)."""
    values: dict[str, set[str]] = {"card": set(), "email": set(), "ip": set(), "net": set()}
    acc = f.accounts
    if "payment" in acc.columns:
        values["card"] |= set(acc["payment"].drop_nulls().to_list())
    if "email" in acc.columns:
        values["email"] |= set(acc["email"].drop_nulls().to_list())
    for inc in f.incidents:
        for ln in inc.links:
            kind = _KIND_OF_FAMILY.get(ln.family)
            if kind:
                values[kind] |= {v for v, _ in ln.values}
    pairs = f.pairs
    if pairs.height and "example" in pairs.columns:
        for fam, kind in _KIND_OF_FAMILY.items():
            values[kind] |= set(
                pairs.filter(pl.col("family") == fam)["example"].drop_nulls().to_list()
            )
    return Redactor(values)


def redactor(f: Findings) -> Redactor:
    """The tokens of ``f``'s cards, e-mails and addresses (:func:`redactor_for`)."""
    return redactor_for(f)


def redact(f: Findings, r: Redactor | None = None) -> Findings:
    """A copy of ``f`` with e-mails, IPs and payment fingerprints masked everywhere.

    ``r``: the redactor to use (:func:`redactor_for`, default); pass one to keep its
    tokens afterwards (``--redact-key``, ``explain --redact``, ``--rejects-out``).
    """
    return _masked(f, r or redactor_for(f))


def mask_rows(rows: pl.DataFrame, r: Redactor) -> pl.DataFrame:
    """Rejected rows (or a batch of them) with every text column masked by ``r``."""
    return _masked_text(rows, _text_columns(rows), r)


def _masked(f: Findings, r: Redactor) -> Findings:
    """:func:`redact` with the tokens of ``r``."""
    incidents = tuple(_incident(inc, r) for inc in f.incidents)
    acc, pairs = f.accounts, f.pairs
    accounts = acc
    for col, kind in (("payment", "card"), ("email", "email")):
        if col in acc.columns:
            mapping = r.tokens[kind]
            accounts = accounts.with_columns(
                pl.col(col).replace_strict(mapping, default=None, return_dtype=pl.String)
            )
    # Every other text column of the accounts table (an org written as an e-mail, a
    # country as an IP) and of the rejected rows (the file's name, a timestamp field
    # holding an address) gets the report's tokens too.
    accounts = _masked_text(accounts, _text_columns(accounts, skip=("payment", "email")), r)
    rejects = _masked_text(f.rejects, _text_columns(f.rejects), r)
    summary: InputSummary = _summary(f.input, r)
    incidents = tuple(
        replace(i, suppressed=tuple(_suppression(x, r) for x in i.suppressed)) for i in incidents
    )
    return replace(
        f,
        expired_suppressions=tuple(_suppression(x, r) for x in f.expired_suppressions),
        incidents=incidents,
        accounts=accounts,
        rejects=rejects,
        input=summary,
        pairs=_masked_pairs(pairs, r),
    )


def _suppression(s: Suppression, r: Redactor) -> Suppression:
    """A ``--suppress`` entry with its value masked: a card, e-mail or IP the report
    tokenised gets the same token, any other text its addresses masked."""
    for table in r.tokens.values():
        if s.value in table:
            return replace(s, value=table[s.value])
    return replace(s, value=r.text(s.value))


def _masked_pairs(pairs: pl.DataFrame, r: Redactor) -> pl.DataFrame:
    """Pair evidence (``--graph-out``) with the same tokens as the report: example values
    of card, e-mail, IP and subnet families by kind, other text and the accounts as
    free text."""
    if not pairs.height or "example" not in pairs.columns:
        return pairs
    tokens = {
        fam: {v: r.token(kind, v) for v in pairs.filter(pl.col("family") == fam)["example"]}
        for fam, kind in _KIND_OF_FAMILY.items()
    }
    example = pl.col("example")
    for fam, mapping in tokens.items():
        if mapping:
            example = (
                pl.when(pl.col("family") == fam)
                .then(pl.col("example").replace(mapping))
                .otherwise(example)
            )
    pairs = pairs.with_columns(example.alias("example"))
    return _masked_text(pairs, ["a", "b", "example"], r)


def _summary(s: InputSummary, r: Redactor) -> InputSummary:
    """The input summary with addresses in file names (and column names) masked: an
    e-mail in the input file's name appeared in every report."""

    def opt(v: str | None) -> str | None:
        return None if v is None else r.text(v)

    return replace(
        s,
        files=tuple(replace(x, path=r.text(x.path)) for x in s.files),
        files_skipped=tuple((r.text(p), r.text(e)) for p, e in s.files_skipped),
        accounts_file=opt(s.accounts_file),
        config_file=opt(s.config_file),
        column_mapping=tuple((c, r.text(v)) for c, v in s.column_mapping),
    )


def _text_columns(df: pl.DataFrame, skip: tuple[str, ...] = ()) -> list[str]:
    return [c for c, t in df.schema.items() if t == pl.String and c not in skip]


def _masked_text(df: pl.DataFrame, cols: list[str], r: Redactor) -> pl.DataFrame:
    """``df`` with :meth:`Redactor.text` applied to ``cols``; only the distinct values
    that may hold an address or a known card go through Python (most ids and prompts
    do not; the cards are found by one multi-pattern search)."""
    cards = sorted(r.tokens.get("card", {}))
    for col in cols:
        vals = df.get_column(col).drop_nulls().unique().sort()
        maybe = vals.str.contains(MAYBE)
        if cards:
            maybe = maybe | vals.str.contains_any(cards)
        candidates = vals.filter(maybe).to_list()
        mapping = {v: m for v in candidates if (m := r.text(v)) != v}
        if mapping:
            df = df.with_columns(pl.col(col).replace(mapping))
    return df


def _incident(inc: Incident, r: Redactor) -> Incident:
    links = []
    for ln in inc.links:
        kind = _KIND_OF_FAMILY.get(ln.family)
        if kind:
            vals = tuple((r.token(kind, v), n) for v, n in ln.values)
        else:
            vals = tuple((r.text(v), n) for v, n in ln.values)
        links.append(LinkEvidence(ln.family, ln.label, ln.accounts, ln.pairs, ln.weight, vals))
    t = inc.timeline
    if t is not None:  # model names are log text
        t = replace(t, models=tuple((r.text(m), v) for m, v in t.models))
    return replace(
        inc,
        timeline=t,
        links=tuple(links),
        sample_prompts=tuple(r.text(p) for p in inc.sample_prompts),
        top_accounts=tuple(replace(a, account=r.text(a.account)) for a in inc.top_accounts),
        member_accounts=tuple(r.text(a) for a in inc.member_accounts),
    )


def write_key(r: Redactor, path: Path) -> None:
    """The token -> value table of ``r`` as JSON (``--redact-key``): for the
    investigator who must trace a redacted briefing back. Values exactly as logged
    (JSON escapes control characters; nothing in it is a formula or markup); the caller
    makes the file 0600 and never puts it into a report."""
    rows = [
        {"token": token, "kind": kind, "value": value}
        for kind in sorted(r.tokens)
        for value, token in sorted(r.tokens[kind].items(), key=lambda kv: _number(kv[1]))
    ]
    doc = {
        "about": "extractscan --redact-key: the value behind each token of a redacted "
        "report (keep it apart from the report)",
        "tokens": rows,
    }
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        json.dump(doc, fh, indent=2, ensure_ascii=True)
        fh.write("\n")


def _number(token: str) -> int:
    return int(token.rsplit("-", 1)[1])
