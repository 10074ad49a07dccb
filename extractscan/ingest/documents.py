"""JSON documents and what a file holds: records under a wrapper key, a file's type
from its content, and the fields a file's first records have (for error messages).

A ``.json`` document is one value: it is parsed whole by Python's ``json`` (bounded by
:data:`MAX_DOCUMENT_BYTES`; past it, write the records as JSON lines) and its records
are written as JSON lines into the scratch folder, where every reader reads them as
any JSON-lines file. Records under one list key (``Records`` as CloudTrail delivers
them to S3, ``data`` as the OpenAI and Anthropic admin APIs page them, ``result`` as
Cloudflare's API answers, ``items``) are the document's records.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from extractscan.model.errors import InputError

#: Keys under which an export's records sit, in the order they are looked for.
WRAPPERS: tuple[str, ...] = ("Records", "data", "result", "items")
#: Largest JSON document parsed whole (Python's objects take ~10x the bytes).
MAX_DOCUMENT_BYTES = 256 << 20
#: Bytes of a file's start read to decide its type from its content.
SNIFF_BYTES = 1 << 16
#: Records read for the list of a file's fields in an error message.
SAMPLE_RECORDS = 100


def load(path: Path, where: str) -> object:
    """The JSON value in ``path`` (a byte-order mark and invalid UTF-8 tolerated).

    Raises:
        InputError: the file is larger than :data:`MAX_DOCUMENT_BYTES` or not JSON.
    """
    size = path.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise InputError(
            f"{where}: a JSON document of {size:,} bytes; documents are read whole, up to "
            f"{MAX_DOCUMENT_BYTES:,} bytes: write its records as JSON lines "
            "(e.g. jq -c '.Records[]' FILE > FILE.jsonl)"
        )
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deep to read") from None


def unwrap(doc: object) -> tuple[list[object], str | None]:
    """A document's records and the key they sit under (``None``: the document is one
    record, or an array of records)."""
    if isinstance(doc, list):
        return doc, None
    if isinstance(doc, dict):
        for key in WRAPPERS:
            value = doc.get(key)
            if isinstance(value, list) and all(isinstance(v, dict) for v in value[:SAMPLE_RECORDS]):
                return value, key
    return [doc], None


def sample_fields(path: Path, fmt: str) -> list[str]:
    """The fields of a file's first :data:`SAMPLE_RECORDS` records, sorted: top-level
    keys and the keys one level below (``userIdentity.arn``); a CSV's header."""
    if fmt == "parquet":
        return sorted(pq.read_schema(path).names)
    if fmt in ("csv", "tsv"):
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            header = fh.readline().rstrip("\r\n")
        sep = "\t" if fmt == "tsv" else ","
        return sorted(h.strip().strip('"') for h in header.split(sep) if h.strip())
    found: set[str] = set()
    if fmt == "json":
        try:
            rows, _ = unwrap(load(path, str(path)))
        except InputError:
            return []
    else:
        rows = []
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            for line in fh:
                if len(rows) >= SAMPLE_RECORDS:
                    break
                try:
                    rows.append(json.loads(line))
                except (ValueError, RecursionError):
                    continue
    for row in rows[:SAMPLE_RECORDS]:
        if not isinstance(row, dict):
            continue
        for key, value in row.items():
            found.add(key)
            if isinstance(value, dict):
                found.update(f"{key}.{sub}" for sub in value)
    return sorted(found)


def sniff(path: Path) -> str | None:
    """The JSON form a text file holds, from its first :data:`SNIFF_BYTES` bytes:
    ``"json"`` (one document: an array, or an object over several lines), ``"jsonl"``
    (one object per line, more than one line), or ``None`` (not JSON, or one line:
    read as its extension says)."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text or text[0] not in "[{":
        return None
    if text[0] == "[":
        return "json"
    end = text.find("\n")
    if end < 0:  # one line (or longer than the probe): a document and a line read alike
        return None
    try:
        first = json.loads(text[:end])
    except (ValueError, RecursionError):
        return "json"  # an object over several lines: a pretty-printed document
    return "jsonl" if isinstance(first, dict) and text[end:].strip() else None


def to_json_lines(src: Path, target: Path, where: str) -> str | None:
    """Write the records of the JSON document ``src`` to ``target``, one per line, and
    return the key they sat under (``None``: not wrapped).

    Raises:
        InputError: the document is too large or not valid JSON (see :func:`load`).
    """
    rows, key = unwrap(load(src, where))
    with target.open("w", encoding="utf-8") as out:
        # bounded by MAX_DOCUMENT_BYTES: the document is already in memory
        out.writelines(json.dumps(r, separators=(",", ":")) + "\n" for r in rows)
    return key
