"""Line ends of text logs: CR-only (old Mac), CRLF and mixed files read as lines.

The readers split lines on LF only: a file whose lines end in a bare CR read as one
header line and no row. :func:`bare_cr` spots such a file from its first block and
:func:`lf_line_ends` copies it with LF line ends (into the scratch folder, as
decompression and UTF-8 repair do).
"""

from __future__ import annotations

import re
from pathlib import Path

#: Text formats read line by line, whose line ends are normalised
#: (see :func:`extractscan.ingest.files.plain_path`).
LINE_FORMATS = ("csv", "tsv", "jsonl")
#: Bytes read from the start of a text file to decide whether its lines end in bare CRs.
PROBE_BYTES = 1 << 20
_BARE_CR = re.compile(rb"\r(?!\n)")
_LINE_END = re.compile(rb"\r\n?")


def _outside_quotes(data: bytes, inside: bool) -> list[int]:
    """Indexes of the parts of ``data.split(b'"')`` that lie outside quoted fields."""
    return list(range(1 if inside else 0, data.count(b'"') + 1, 2))


def bare_cr(block: bytes, quoted: bool, whole: bool = False) -> bool:
    """Whether ``block`` ends a line with a CR not followed by LF (outside quoted fields
    for CSV, where a CR inside quotes is content). A CR last in the block counts only
    if the block is the ``whole`` file: otherwise its LF may be the next byte."""
    if not whole and block.endswith(b"\r"):
        block = block[:-1]
    if not quoted or b"\n" not in block:  # CR-only: every CR ends a line
        return _BARE_CR.search(block) is not None
    parts = block.split(b'"')
    return any(_BARE_CR.search(parts[i]) for i in _outside_quotes(block, False))


def lf_line_ends(src: Path, target: Path, quoted: bool, chunk: int = 8 << 20) -> None:
    """Copy ``src`` to ``target`` with every line end (CRLF, or a bare CR as old Mac
    files end lines) written as LF, streaming in ``chunk``-byte blocks.

    With ``quoted`` (CSV, TSV) a CR inside a quoted field is content and kept; quotes
    are tracked by parity (an escaped ``""`` toggles twice), so a malformed quote can
    only leave a line end unconverted, never split a field.
    """
    inside = False
    carry = b""
    with src.open("rb") as raw, target.open("wb") as out:
        while True:
            block = raw.read(chunk)
            data = carry + block
            carry = b""
            if block and data.endswith(b"\r"):  # maybe half a CRLF: decided with the next
                data, carry = data[:-1], b"\r"
            if not data:
                if not block:
                    break
                continue
            if not quoted:
                out.write(_LINE_END.sub(b"\n", data))
                continue
            parts = data.split(b'"')
            for i in _outside_quotes(data, inside):
                parts[i] = _LINE_END.sub(b"\n", parts[i])
            inside ^= len(parts) % 2 == 0  # an odd number of quotes flips the state
            out.write(b'"'.join(parts))


def holds_data(path: Path, fmt: str) -> bool:
    """Whether a text file holds more than a header: any non-blank byte (JSON lines)
    or any non-blank byte after the first line end (CSV, TSV)."""
    seen_line_end = fmt == "jsonl"
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            if not seen_line_end:
                cut = min((i for i in (block.find(b"\n"), block.find(b"\r")) if i >= 0), default=-1)
                if cut < 0:
                    continue
                seen_line_end, block = True, block[cut + 1 :]
            if block.strip():
                return True
    return False
