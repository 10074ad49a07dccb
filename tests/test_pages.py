"""NumPy's huge-page advice is off while a scan runs and restored after it
(:mod:`extractscan.run.pages`), unless the user chose it with NUMPY_MADVISE_HUGEPAGE."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from extractscan.config import Config
from extractscan.run import pages

ROOT = Path(__file__).resolve().parent.parent

multiarray = pytest.importorskip("numpy._core.multiarray")
if not hasattr(multiarray, "_get_madvise_hugepage"):
    pytest.skip("this NumPy has no huge-page switch", allow_module_level=True)


def _advice() -> bool:
    return bool(multiarray._get_madvise_hugepage())


@pytest.fixture(params=[True, False], ids=["advice-on", "advice-off"])
def before(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[bool]:
    """NumPy's setting before the block (either), restored after the test."""
    monkeypatch.delenv(pages.ENV_VAR, raising=False)
    kept = multiarray._set_madvise_hugepage(request.param)
    try:
        yield request.param
    finally:
        multiarray._set_madvise_hugepage(kept)


def test_off_inside_and_restored_after(before: bool) -> None:
    with pages.no_huge_page_advice():
        assert _advice() is False
        with pages.no_huge_page_advice():
            assert _advice() is False
        assert _advice() is False  # the inner block's end does not restore it
    assert _advice() is before


def test_restored_after_an_error(before: bool) -> None:
    with pytest.raises(RuntimeError), pages.no_huge_page_advice():
        raise RuntimeError("boom")
    assert _advice() is before


def test_overlapping_blocks_in_threads(before: bool) -> None:
    """Two scans in two threads: the second leaves last and restores it."""
    inside, leave = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other() -> None:
        with pages.no_huge_page_advice():
            inside.set()
            leave.wait(10)
            seen.append(_advice())

    t = threading.Thread(target=other)
    with pages.no_huge_page_advice():
        t.start()
        assert inside.wait(10)
    assert _advice() is False  # the other block is still open
    leave.set()
    t.join(10)
    assert seen == [False]
    assert _advice() is before


def test_the_users_choice_is_kept(before: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pages.ENV_VAR, "1")
    with pages.no_huge_page_advice():
        assert _advice() is before
    assert _advice() is before


def test_a_scan_runs_without_it(before: bool) -> None:
    import extractscan

    during: set[bool] = set()

    def progress(stage: str, rows: int | None) -> None:
        during.add(_advice())

    extractscan.scan(
        ROOT / "sample_logs" / "requests.csv.gz",
        accounts=ROOT / "sample_logs" / "accounts.csv",
        config=Config(),
        progress=progress,
    )
    assert during == {False}
    assert _advice() is before
