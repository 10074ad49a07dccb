"""One escaping module for every sink: terminal, HTML/Markdown and CSV.

Prompts, account ids, e-mails and user agents are written by the people under
investigation. Nothing they wrote may become markup, an escape sequence, a bidi trick or
a spreadsheet formula in our output, and nothing they hid may vanish from it either.

Reference: OWASP, "CSV Injection" (formula prefixes ``= + - @``, tab and carriage
return); Unicode TR9 for the bidi controls; ECMA-48 for CSI/OSC sequences.
"""

from __future__ import annotations

import html
import re

import polars as pl

#: Characters that do not show as themselves: C0 and C1 controls (ESC, which starts
#: every CSI/OSC sequence, among them), DEL, format characters (bidi embeddings,
#: overrides, isolates and marks, zero-width characters, BOM, invisible operators, tag
#: characters), and characters that render as nothing (Hangul fillers, the braille
#: blank, variation selectors, the combining grapheme joiner). Unicode 14 categories
#: Cc and Cf plus those.
INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00, 0x08), (0x0E, 0x1F), (0x7F, 0x84), (0x86, 0x9F), (0xAD, 0xAD), (0x34F, 0x34F),
    (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD), (0x70F, 0x70F), (0x890, 0x891),
    (0x8E2, 0x8E2), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F),
    (0x202A, 0x202E), (0x2060, 0x206F), (0x2800, 0x2800), (0x3164, 0x3164), (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F), (0xE0100, 0xE01EF),
)  # fmt: skip
#: Every invisible character, one by one (for polars' literal ``replace_many``).
INVISIBLE_CHARS: tuple[str, ...] = tuple(
    chr(c) for lo, hi in INVISIBLE_RANGES for c in range(lo, hi + 1)
)
_INVISIBLE = re.compile(
    "[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in INVISIBLE_RANGES) + "]"
)
#: Line breaks and tabs: one space, so one record stays on one line.
WHITESPACE_CONTROL = "\t\n\v\f\r\x85\u2028\u2029"
_WHITESPACE_CONTROL = re.compile(f"[{WHITESPACE_CONTROL}]+")
_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def visible(ch: str) -> str:
    """How an invisible character is shown: a control picture for a C0 control or DEL
    (ESC as "␛"), else its code point, as ``<U+200B>``."""
    o = ord(ch)
    if o < 0x20:
        return chr(0x2400 + o)
    if o == 0x7F:
        return "\u2421"
    return f"<U+{o:04X}>"


#: Lone surrogates: no UTF-8 sink can write them (a file name that is not UTF-8 reaches
#: Python as U+DC80-U+DCFF, one per byte; a JSON "\\ud800" escape decodes to one).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate(m: re.Match[str]) -> str:
    """A byte of an undecodable file name as ``\\xff``, any other surrogate as
    ``<U+D800>``."""
    o = ord(m.group())
    return f"\\x{o - 0xDC00:02x}" if 0xDC80 <= o <= 0xDCFF else f"<U+{o:04X}>"


def clean(text: object, max_len: int | None = None) -> str:
    """Show invisible characters as visible markers (:func:`visible`); truncate.

    Nothing is deleted: an escape sequence shows as "␛[2J", a zero-width space as
    "<U+200B>", so no sequence reaches the terminal, and an account id with a hidden
    character never looks like another account's (deleting them made
    ``acct_1\u200b`` show as ``acct_1``). Tabs and line breaks become single spaces so
    one record stays on one line.
    """
    s = "" if text is None else str(text)
    s = _SURROGATE.sub(_surrogate, s)
    s = _WHITESPACE_CONTROL.sub(" ", s)
    s = _INVISIBLE.sub(lambda m: visible(m.group()), s)
    if max_len is not None and len(s) > max_len:
        s = s[: max(0, max_len - 1)] + "…"
    return s


#: :func:`clean_column`'s line breaks and tabs (polars' regex syntax) and markers.
_WHITESPACE_COLUMN = r"[\t\n\x0B\x0C\r\x{85}\x{2028}\x{2029}]+"
_MARKERS = [visible(ch) for ch in INVISIBLE_CHARS]


def clean_column(col: pl.Expr) -> pl.Expr:
    """Polars twin of :func:`clean` (without truncation) for a whole column: line breaks
    and tabs to one space, then every invisible character as its marker (one literal
    ``replace_many`` pass)."""
    return col.str.replace_all(_WHITESPACE_COLUMN, " ").str.replace_many(
        list(INVISIBLE_CHARS), _MARKERS
    )


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


#: What GitHub-flavoured Markdown turns into a link by itself ("http://", "www.").
_AUTOLINK = re.compile(r"(?i):(?=//)|(?<=www)\.")  # any "www.": "_www.x" links too
#: Inline Markdown that changes the rendering wherever it stands: backslash, code span,
#: emphasis (``*``; ``_`` only where it is not inside a word: CommonMark never opens or
#: closes emphasis on an intraword ``_``, so ``acct_1`` stays as written), link and
#: image brackets, table cell breaks, GFM strikethrough, raw HTML (``<`` before a tag,
#: an autolink or a comment) and character references (``&`` before ``name;``).
_MD_INLINE = re.compile(r"[\\`*\[\]|~]|(?<![^\W_])_|_(?![^\W_])|<(?=[A-Za-z/!?])|&(?=#?\w+;)")
_MD_ENTITY = {"<": "&lt;", "&": "&amp;"}
#: What makes a block at the start of a line: a heading, a blockquote, a list item
#: ("- x", "+ x", "1. x", "1) x"), a thematic break ("---"). Only there, and only
#: followed by a space or the end ("-5" and "162.152.196.10" are text).
_MD_BLOCK = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|>|[-+](?=[\s-]|$))")
_MD_NUMBER_START = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")


def _md_inline(m: re.Match[str]) -> str:
    ch = m.group()
    return _MD_ENTITY.get(ch, "\\" + ch)


def for_markdown(text: object, max_len: int | None = None) -> str:
    """Clean text and escape what would change its rendering as Markdown (GFM).

    Only what would render as something else is escaped, so a Markdown report pasted
    into a letter reads as plain text: ids, IPs, numbers and ordinary words are left as
    written (``acct_371e``, ``162.152.196.10``, ``account's``). Escaped: inline syntax
    (see ``_MD_INLINE``), a block marker at the start (``# ``, ``> ``, ``- ``, ``1. ``),
    and URLs, which stay as written on screen but are not links: the ":" of "://" and
    the "." of "www." are character references, which GFM's autolinker does not read
    (an e-mail address still becomes a mailto: link to what it shows).
    """
    s = _MD_INLINE.sub(_md_inline, clean(text, max_len).lstrip())  # as a paragraph would
    s = _MD_NUMBER_START.sub(r"\1\\\2", s)
    s = _MD_BLOCK.sub(lambda m: m.group(1) + "\\" + m.group(2), s)
    return _AUTOLINK.sub(lambda m: "&#58;" if m.group() == ":" else "&#46;", s)


def for_html(text: object, max_len: int | None = None) -> str:
    """Clean text and escape it for an HTML document: text content or a quoted
    attribute value (``&``, ``<``, ``>``, ``"`` and ``'`` as character references)."""
    return html.escape(clean(text, max_len), quote=True)


def for_csv(value: object) -> str:
    """Clean a cell and defuse spreadsheet formulas with a leading apostrophe."""
    s = clean(value)
    return "'" + s if s.lstrip(" ").startswith(_CSV_TRIGGERS) else s
