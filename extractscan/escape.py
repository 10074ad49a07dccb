"""One escaping module for every sink: terminal, HTML/Markdown and CSV.

Prompts, account ids, e-mails and user agents are written by the people under
investigation. Nothing they wrote may become markup, an escape sequence, a bidi trick or
a spreadsheet formula in our output.

Reference: OWASP, "CSV Injection" (formula prefixes ``= + - @``, tab and carriage
return); Unicode TR9 for the bidi controls; ECMA-48 for CSI/OSC sequences.
"""

from __future__ import annotations

import html
import re

# ESC-initiated sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other ESC x.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, terminated or not
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b.?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x9d[^\x07\x9c]*[\x07\x9c]?"  # 8-bit OSC
)
# C0 and C1 controls, DEL, bidi embeddings/overrides/isolates/marks, zero-width chars,
# line/paragraph separators, BOM.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
_WHITESPACE_CONTROL = re.compile(r"[\t\n\r\v\f]+")
_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def clean(text: object, max_len: int | None = None) -> str:
    """Remove escape sequences and control/bidi/zero-width characters; truncate.

    Tabs and newlines become single spaces so one record stays on one line.
    """
    s = "" if text is None else str(text)
    s = _ANSI.sub("", s)
    s = _WHITESPACE_CONTROL.sub(" ", s)
    s = _CONTROL.sub("", s)
    if max_len is not None and len(s) > max_len:
        s = s[: max(0, max_len - 1)] + "…"
    return s


#: An opening bracket with the backslashes before it, and the rest of a tag if it starts
#: one (rich's tag pattern: a lowercase letter, ``#``, ``/`` or ``@``, up to ``]``).
_BRACKET = re.compile(r"(\\*)(\[(?:[a-z#/@][^\[]*?\])?)")


def _escape_bracket(m: re.Match[str]) -> str:
    backslashes, bracket = m.group(1), m.group(2)
    if len(bracket) > 1:  # a tag: rich.markup.escape's rule (n backslashes -> 2n + 1)
        return backslashes * 2 + "\\" + bracket
    # Not a tag: rich reads "\\[" in plain text as an escaped bracket and drops the
    # backslash, so one more keeps the backslashes as written (rich.markup.escape
    # leaves these alone, and "\\[" lost its backslash on screen).
    return backslashes + ("\\" if backslashes else "") + bracket


def for_terminal(text: object, max_len: int | None = None) -> str:
    """Clean text and escape rich markup, for rich renderables printed with markup.

    Escape a whole cell (or line) once: pieces escaped one by one and then joined can
    make a tag between them (an unclosed "[" in one, a "]" in the next). Join the
    :func:`clean` pieces first, as the terminal report does.
    """
    s = _BRACKET.sub(_escape_bracket, clean(text, max_len))
    # A trailing backslash could escape a closing tag after the text; a space keeps
    # the text as written.
    return s + " " if s.endswith("\\") else s


def for_html(text: object, max_len: int | None = None) -> str:
    """Clean text and escape HTML and Markdown syntax, for Markdown and HTML output."""
    return html.escape(_MARKDOWN.sub(r"\\\1", clean(text, max_len)), quote=True)


def for_csv(value: object) -> str:
    """Clean a cell and defuse spreadsheet formulas with a leading apostrophe."""
    s = clean(value)
    return "'" + s if s.lstrip(" ").startswith(_CSV_TRIGGERS) else s
