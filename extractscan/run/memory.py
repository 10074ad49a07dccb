"""Memory plan: how many account-slice passes keep a scan within a memory limit."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from extractscan.model.errors import UsageError


@dataclass(frozen=True)
class MemoryPlan:
    """Passes over the rows, and why (said in the progress line)."""

    passes: int
    why: str
    #: the limit in bytes (``None``: none) and whether a scan past it is refused
    limit: int | None = None
    strict: bool = True

    def check_accounts(self, rows: int, accounts: int) -> str | None:
        """After the first pass, when the accounts are known: ``None`` if the stages
        after the row passes fit the limit with ``accounts`` accounts, else a note.

        Raises:
            UsageError: an explicit limit below :func:`account_floor` (the accounts,
                not the rows, set the peak, and passes do not divide it).
        """
        floor = account_floor(rows, accounts)
        if self.limit is None or floor <= self.limit:
            return None
        about = round(accounts, 2 - len(str(accounts)))  # two significant digits
        said = (
            f"about {floor / 2**30:.1f} GiB estimated for about {about:,} accounts "
            f"(linking and scoring hold every account at once, whatever the passes)"
        )
        if self.strict:
            raise UsageError(
                f"--memory-limit {self.limit / 2**30:.1f} GiB is below the {said}; raise "
                "the limit, or scan fewer accounts at a time (--org, --account, fewer files)"
            )
        return f"{said}, above the memory limit: scan fewer accounts at a time if it runs out"


def plan(rows: int, memory_limit: int | Literal["auto"] | None) -> MemoryPlan:
    """The passes a scan of ``rows`` rows needs within ``memory_limit``.

    ``"auto"``: half of this machine's memory (:func:`auto_memory_limit`), using at most
    :data:`MAX_PASSES` passes rather than refusing; ``None``: one pass.
    """
    if memory_limit == "auto":
        limit = auto_memory_limit()
        passes = plan_passes(rows, limit, strict=False)
        why = f"memory limit {limit / 2**30:.1f} GiB, half of this machine's"
        if estimated_peak(rows, passes) > limit:  # said, not refused: it may still fit
            why += (
                f"; about {estimated_peak(rows, passes) / 2**30:.1f} GiB estimated even so, "
                "scan fewer files at a time if it runs out of memory"
            )
        return MemoryPlan(passes, why, limit, strict=False)
    passes = plan_passes(rows, memory_limit)
    return MemoryPlan(
        passes,
        f"memory limit {memory_limit / 2**30:.1f} GiB" if memory_limit else "",
        memory_limit,
    )


#: Peak memory of a scan, measured on simulated logs (benchmarks/scale.py): about
#: ``BASE_BYTES`` plus ``BYTES_PER_ROW`` per input row, of which the row aggregation
#: (what extra passes divide) is ``AGGREGATION_SHARE``. Fitted on the worst runs at
#: 28.8M rows: 13.8 GiB peak in one pass (11.5 to 13.8 over runs), 7.0 GiB in four or
#: six passes (linking and scoring, about 6.5 GiB, then set the peak): about 510 bytes
#: a row, 60 % of it divided by passes.
BASE_BYTES = 400 * 2**20
BYTES_PER_ROW = 510
AGGREGATION_SHARE = 0.6
MAX_PASSES = 16
#: Peak memory per distinct account of the stages after the row passes (the per-account
#: tables, linking, scoring), beyond the per-row model: one request per account, 1M
#: accounts peaked at 1.5 to 1.7 GiB in one to three passes (benchmarks/memory_limit.py):
#: up to 1,070 bytes an account past ``BASE_BYTES`` and the undivided part of the rows.
BYTES_PER_ACCOUNT = 1_200
#: Share of the machine's memory the default (``"auto"``) limit allows.
AUTO_SHARE = 0.5


def auto_memory_limit() -> int:
    """Half of this machine's physical memory, or of the container's limit if lower
    (cgroup v2 ``memory.max`` or v1 ``memory.limit_in_bytes``). A ``ulimit -v`` is not
    taken into account: it limits address space, most of it reserved and never used
    (``cli/resources.py``), and more passes did not make a scan fit in less of it."""
    return int(_physical_memory() * AUTO_SHARE)


def address_space_limit() -> int | None:
    """The soft ``ulimit -v`` (RLIMIT_AS) in bytes, or ``None`` when unlimited."""
    try:
        import resource  # POSIX only

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, AttributeError, ValueError, OSError):
        return None
    return None if soft == resource.RLIM_INFINITY else soft


def _physical_memory() -> int:
    """This machine's physical memory, or the container's limit if lower."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: assume a small laptop
        total = 8 * 2**30
    for cgroup in (
        Path("/sys/fs/cgroup/memory.max"),
        Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
    ):
        try:
            text = cgroup.read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def estimated_peak(rows: int, passes: int) -> float:
    """Estimated peak memory in bytes of a scan of ``rows`` rows in ``passes`` passes."""
    fixed = BASE_BYTES + (1 - AGGREGATION_SHARE) * BYTES_PER_ROW * rows
    return fixed + AGGREGATION_SHARE * BYTES_PER_ROW * rows / passes


def account_floor(rows: int, accounts: int) -> float:
    """Estimated peak in bytes of a scan of ``rows`` rows of ``accounts`` accounts in
    many passes: what passes do not divide (the peak when the accounts are many)."""
    return (
        BASE_BYTES + (1 - AGGREGATION_SHARE) * BYTES_PER_ROW * rows + BYTES_PER_ACCOUNT * accounts
    )


def plan_passes(rows: int, memory_limit: int | None, strict: bool = True) -> int:
    """How many account-slice passes keep the estimated peak within ``memory_limit``.

    Raises:
        UsageError: the limit is below what the scan needs however many passes
            (the part that passes do not divide: linking, scoring, the report);
            with ``strict=False`` the most passes are used instead.
    """
    if memory_limit is None:
        return 1
    for passes in range(1, MAX_PASSES + 1):
        if estimated_peak(rows, passes) <= memory_limit:
            return passes
    if not strict:
        return MAX_PASSES
    floor = estimated_peak(rows, MAX_PASSES)
    raise UsageError(
        f"--memory-limit {memory_limit / 2**30:.1f} GiB is below the estimated "
        f"{floor / 2**30:.1f} GiB this scan needs for {rows:,} rows even in "
        f"{MAX_PASSES} passes; raise the limit or scan fewer files at a time"
    )
