"""Output safety: outputs never touch inputs, and are never left half written.

:func:`check_outputs` refuses, before anything is read, an output that is an input
(the same file by path, symlink or hard link), lies inside a scanned folder or matches
an input pattern (the next scan would read it as a log), or is another output.
:class:`StagedOutputs` writes each output to a temporary file beside its final name and
renames them all onto their names only once every one is written; on any failure or
abort (an exception, or a signal the CLI turns into one) the temporary files are removed
and earlier outputs of the same name stay as they were.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from extractscan.model.errors import UsageError

_WILDCARDS = "*?["


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of an existing file, following symlinks; ``None`` otherwise."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _is_special(path: Path) -> bool:
    """An existing file that is not a regular one (``/dev/null``, a FIFO, a terminal)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    ia = _identity(a)
    return ia is not None and ia == _identity(b)


def check_outputs(
    inputs: Sequence[str],
    outputs: Mapping[str, str | None],
    other_inputs: Iterable[tuple[str, str | None]] = (),
) -> None:
    """Refuse outputs that would overwrite or feed an input, or overwrite each other.

    Args:
        inputs: the scanned paths as given: files, folders (searched recursively) or globs.
        outputs: option name -> output path (``None`` when not given).
        other_inputs: (option name, path) of other files read, e.g. ``--accounts``.

    Raises:
        UsageError: an output is an input file (also through a symlink or hard link),
            lies inside a scanned folder or matches an input pattern, or is the same
            file as another output.
    """
    given = [(opt, Path(p)) for opt, p in outputs.items() if p]
    files: list[tuple[str, Path]] = [(opt, Path(p)) for opt, p in other_inputs if p]
    folders: list[Path] = []
    patterns: list[str] = []
    for raw in inputs:
        if raw.startswith("file:///"):  # a local file given as a URI (--engine spark)
            raw = raw[len("file://") :]
        p = Path(raw)
        if p.is_dir():
            folders.append(p)
        elif p.exists():
            files.append(("input", p))
        elif any(ch in raw for ch in _WILDCARDS):
            patterns.append(raw)
            # Path.glob cannot take an absolute pattern; users give either.
            files += [("input", Path(f)) for f in glob.glob(raw, recursive=True)]  # noqa: PTH207
    for opt, out in given:
        for what, src in files:
            if _same_file(out, src):
                via = "" if what == "input" else f" ({what})"
                raise UsageError(
                    f"{opt} {out} is an input{via}: writing it would destroy the evidence; "
                    "write the output elsewhere"
                )
        for folder in folders:
            if out.resolve().is_relative_to(folder.resolve()):
                raise UsageError(
                    f"{opt} {out} is inside the scanned folder {folder}: a later scan of "
                    f"that folder would read it as a log; write it elsewhere (outside {folder})"
                )
        for pattern in patterns:
            if fnmatch.fnmatchcase(os.path.abspath(out), os.path.abspath(pattern)):  # noqa: PTH100
                raise UsageError(
                    f"{opt} {out} matches the input pattern {pattern}: a later scan would "
                    "read it as a log; write it elsewhere"
                )
    for i, (opt, out) in enumerate(given):
        for other_opt, other in given[:i]:
            if _same_file(out, other) and not _is_special(out):
                raise UsageError(
                    f"{other_opt} and {opt} name the same file {out}: each output needs "
                    "its own file"
                )


def _new_file_mode(final: Path) -> int:
    """The mode the final file would have had if written in place."""
    try:
        return stat.S_IMODE(final.stat().st_mode)
    except OSError:
        umask = os.umask(0)  # read it back: there is no other way to read the umask
        os.umask(umask)
        return 0o666 & ~umask


class StagedOutputs:
    """Temporary files beside each output, renamed onto the outputs together on success.

    Example:
        >>> with StagedOutputs() as staged:  # doctest: +SKIP
        ...     staged.path("report.md").write_text("...")
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path, int | None]] = []

    def path(self, final: str | Path, mode: int | None = None) -> Path:
        """Where to write the output meant for ``final``: a new temporary file in the
        same folder (so the rename is atomic), or ``final`` itself when that is not a
        regular file (``/dev/stdout``, a FIFO), which cannot be renamed onto.

        ``mode``: the final file's permissions (``0o600`` for a secret: the temporary
        file is created 0600, so its content is never readable by others), else those
        the file would have had if written in place.
        """
        p = Path(final)
        if _is_special(p):
            return p
        target = p.resolve()  # through a symlink: the file it names is replaced, not the link
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        self._staged.append((Path(name), target, mode))
        return Path(name)

    def __enter__(self) -> StagedOutputs:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                for temp, final, mode in self._staged:
                    temp.chmod(_new_file_mode(final) if mode is None else mode)
                    temp.replace(final)
        finally:
            for temp, _, _ in self._staged:
                temp.unlink(missing_ok=True)
            self._staged.clear()
