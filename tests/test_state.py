"""Incremental scans (``--state DIR``): the window from the state equals a full rescan."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

import extractscan
from extractscan.cli.main import main
from extractscan.config import Config
from extractscan.features.partials import PARTS
from extractscan.model.errors import UsageError
from extractscan.model.findings import Findings
from extractscan.report.formats.json_report import findings_dict
from extractscan.run import incremental, pipeline
from extractscan.run.memory import MemoryPlan
from extractscan.run.state import State, shape
from tests.conftest import campaign_frames

CFG = Config()


@pytest.fixture()
def days(tmp_path: Path) -> tuple[list[Path], Path]:
    """The campaign log as three daily CSV files (the third with two bad rows)."""
    req, acc = campaign_frames(n_campaign=12, n_benign=60)
    day = pl.col("timestamp").str.slice(0, 10)
    logs = tmp_path / "logs"
    logs.mkdir()
    out = []
    for i, d in enumerate(("2026-04-22", "2026-04-23")):
        part = req.filter(day == d)
        if i == 1:  # the third file holds the second day's evening, and two bad rows
            late = pl.col("timestamp").str.slice(11, 2) >= "12"
            part.filter(~late).write_csv(logs / "d2.csv")
            out.append(logs / "d2.csv")
            bad = pl.DataFrame(
                {
                    "timestamp": ["yesterday", "2026-04-23T13:00:00Z"],
                    "account": ["c01", ""],
                    "ip": ["198.51.100.0", "198.51.100.0"],
                    "user_agent": ["x", "x"],
                    "prompt": ["=cmd()", "no account"],
                    "input_tokens": [1, 1],
                    "output_tokens": [1, 1],
                }
            )
            pl.concat([part.filter(late), bad]).write_csv(logs / "d3.csv")
            out.append(logs / "d3.csv")
        else:
            part.write_csv(logs / "d1.csv")
            out.append(logs / "d1.csv")
    acc.write_csv(tmp_path / "accounts.csv")
    return out, tmp_path / "accounts.csv"


def _scan(paths: list[Path], accounts: Path, **kw: Any) -> Findings:
    return extractscan.scan(
        [str(p) for p in paths], accounts=accounts, config=CFG, memory_limit=None, **kw
    )


def _comparable(f: Findings) -> dict[str, Any]:
    d = findings_dict(f)
    d.pop("generated_at")
    d["input"].pop("state")
    return d


def _same(a: Findings, b: Findings) -> None:
    assert _comparable(a) == _comparable(b)
    assert_frame_equal(a.accounts, b.accounts)
    assert_frame_equal(a.rejects.sort("file", "row"), b.rejects.sort("file", "row"))


def test_state_scan_equals_a_full_rescan(days: tuple[list[Path], Path], tmp_path: Path) -> None:
    files, acc = days
    state = tmp_path / "state"
    first = _scan(files[:2], acc, state=state)
    assert first.input.state is not None
    assert (first.input.state.files_from_state, first.input.state.files_read) == (0, 2)
    inc = _scan(files, acc, state=state)
    full = _scan(files, acc)
    assert inc.input.state is not None and full.input.state is None
    assert (inc.input.state.files_from_state, inc.input.state.files_read) == (2, 1)
    assert inc.input.state.note is None
    _same(inc, full)
    # the window's incidents, members, scores and ranks, and every row accounted for
    assert [i.id for i in inc.incidents] == [i.id for i in full.incidents]
    assert inc.incidents and inc.incidents[0].accounts == 12
    assert inc.input.rows_read == inc.input.rows_analysed + inc.input.rows_rejected
    assert dict(inc.input.rejected_by_reason) == {"bad_timestamp": 1, "missing_account": 1}
    assert inc.incidents[0].sample_prompts == full.incidents[0].sample_prompts
    # nothing new: every file from the state, same findings again, and the example
    # prompts the last scan showed come from the state too (no file is opened)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(incremental, "open_all", _no_open)
        again = _scan(files, acc, state=state)
    assert again.input.state is not None
    assert (again.input.state.files_from_state, again.input.state.files_read) == (3, 0)
    _same(again, full)
    # a moving --since reuses the state (filters mark the window's rows)
    since = _scan(files, acc, state=state, since="2026-04-23")
    assert since.input.state is not None and since.input.state.files_read == 0
    _same(since, _scan(files, acc, since="2026-04-23"))


def test_progress_of_a_state_scan_names_merging_then_finishing(
    days: tuple[list[Path], Path], tmp_path: Path
) -> None:
    """The day-N scan's progress: the new file read, the state's partials merged, then
    the per-account tables finished (as a full scan says once its rows are read), once
    each and in that order, before linking."""
    files, acc = days
    state = tmp_path / "state"
    _scan(files[:2], acc, state=state)
    calls: list[tuple[str, int | None]] = []
    _scan(files, acc, state=state, progress=lambda s, n: calls.append((s, n)))
    stages = [s for s, _ in calls]
    merging = "merging the per-file tables kept in the state"
    finishing = "finishing the per-account tables"
    assert stages.count(merging) == 1 and stages.count(finishing) == 1
    new = stages.index("reading 1 new file(s); 2 from the state")
    assert new < stages.index(merging) < stages.index(finishing) < stages.index("linking accounts")
    # under --since the partials are merged too (a file across the bound made again)
    calls.clear()
    _scan(files, acc, state=state, since="2026-04-23", progress=lambda s, n: calls.append((s, n)))
    stages = [s for s, _ in calls]
    assert stages.index(merging) < stages.index(finishing) < stages.index("linking accounts")


def _no_open(*args: object) -> None:
    raise AssertionError("a file was opened")


def test_the_window_is_merged_from_the_partials_without_reading_rows(
    days: tuple[list[Path], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a row filter, in one pass, the window's tables come from the per-file
    partials (one folder of tables a segment), not from the stored rows."""
    files, acc = days
    state = tmp_path / "state"
    _scan(files[:2], acc, state=state)

    def no_rows(*args: object, **kw: object) -> None:
        raise AssertionError("the window was aggregated from its rows")

    with monkeypatch.context() as m:
        m.setattr(incremental.aggregate, "aggregate", no_rows)
        inc = _scan(files, acc, state=state)
    assert inc.input.state is not None and inc.input.state.files_read == 1
    _same(inc, _scan(files, acc))
    manifest = json.loads((state / "manifest.json").read_text())
    segments = sorted({e["segment"] for e in manifest["files"]})
    assert len(segments) == 2
    assert sorted(p.name for p in (state / "partials").iterdir()) == segments
    assert sorted(p.name for p in (state / "partials" / segments[0]).iterdir()) == sorted(
        f"{t}.parquet" for t in PARTS
    )
    # --since/--until: files inside merged as stored, files outside counted as filtered,
    # a file across a bound made again from its stored rows; still no window of rows
    for since, until in (
        ("2026-04-23", None),  # d1 outside, d2 and d3 inside
        ("2026-04-22T06:00:00Z", "2026-04-23T05:00:00Z"),  # d1 and d2 across, d3 outside
        (None, "2026-04-23T16:00:00Z"),  # d3 across
    ):
        with monkeypatch.context() as m:
            m.setattr(incremental.aggregate, "aggregate", no_rows)
            cut = _scan(files, acc, state=state, since=since, until=until)
        assert cut.input.state is not None and cut.input.state.files_read == 0
        full = _scan(files, acc, since=since, until=until)
        assert cut.input.rows_filtered == full.input.rows_filtered > 0
        _same(cut, full)
    # --account cuts inside every file's tables: aggregated from the stored rows
    with monkeypatch.context() as m:
        m.setattr(incremental.aggregate, "aggregate", no_rows)
        with pytest.raises(AssertionError, match="from its rows"):
            _scan(files, acc, state=state, only_accounts=["c01"])
    _same(
        _scan(files, acc, state=state, only_accounts=["c01"]),
        _scan(files, acc, only_accounts=["c01"]),
    )


def test_changed_and_dropped_files(days: tuple[list[Path], Path], tmp_path: Path) -> None:
    files, acc = days
    state = tmp_path / "state"
    _scan(files, acc, state=state)
    # a file that changed is read again (its old rows are no longer used)
    text = files[1].read_text()
    files[1].write_text(text + text.splitlines()[1] + "\n")
    changed = _scan(files, acc, state=state)
    assert changed.input.state is not None
    assert (changed.input.state.files_from_state, changed.input.state.files_read) == (2, 1)
    _same(changed, _scan(files, acc))
    # a file no longer given leaves the window and the state
    kept = [files[0], files[2]]
    dropped = _scan(kept, acc, state=state)
    _same(dropped, _scan(kept, acc))
    manifest = json.loads((state / "manifest.json").read_text())
    assert sorted(Path(e["path"]).name for e in manifest["files"]) == ["d1.csv", "d3.csv"]
    # a segment mostly made of dropped files' rows is rewritten without them
    only = [files[2]]
    _same(_scan(only, acc, state=state), _scan(only, acc))
    manifest = json.loads((state / "manifest.json").read_text())
    [entry] = manifest["files"]
    assert "-c-" in entry["segment"]
    assert manifest["segments"] == {entry["segment"]: entry["rows"]}
    stored = pl.read_parquet(state / "segments" / entry["segment"])
    assert stored.height == entry["rows"] == 146  # 12 accounts x 12 evening hours, 2 bad
    assert sorted(p.name for p in (state / "segments").iterdir() if "prompts" not in p.name) == [
        entry["segment"]
    ]
    # its partials were rewritten with it (only the kept file's), the old ones removed
    assert [p.name for p in (state / "partials").iterdir()] == [entry["segment"]]
    counts = pl.read_parquet(state / "partials" / entry["segment"] / "counts.parquet")
    assert counts["_fid"].unique().to_list() == [entry["fid"]]
    assert counts["n"].sum() == 146


def test_an_interrupted_run_leaves_the_state_as_it_was(
    days: tuple[list[Path], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, acc = days
    state = tmp_path / "state"
    _scan(files[:2], acc, state=state)
    before = (state / "manifest.json").read_bytes()
    segments = sorted(p.name for p in (state / "segments").iterdir())

    def interrupted(*args: object, **kw: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(pipeline, "link", interrupted)  # after the new file's rows are stored
        with pytest.raises(KeyboardInterrupt):
            _scan(files, acc, state=state)
    assert (state / "manifest.json").read_bytes() == before
    assert len(list((state / "segments").iterdir())) == len(segments) + 1  # the .part
    assert [p.suffix for p in (state / "partials").iterdir()].count(".part") == 1
    inc = _scan(files, acc, state=state)
    assert inc.input.state is not None and inc.input.state.files_read == 1
    _same(inc, _scan(files, acc))
    assert not [p for p in (state / "segments").iterdir() if p.suffix == ".part"]
    assert not [p for p in (state / "partials").iterdir() if p.suffix == ".part"]


def test_another_shape_rebuilds_the_state(days: tuple[list[Path], Path], tmp_path: Path) -> None:
    files, acc = days
    state = tmp_path / "state"
    _scan(files, acc, state=state)
    other = replace(CFG, link=replace(CFG.link, co_activity_minutes=10))
    f = extractscan.scan(
        [str(p) for p in files], accounts=acc, config=other, memory_limit=None, state=state
    )
    assert f.input.state is not None and f.input.state.files_read == 3
    assert f.input.state.note is not None
    assert "co_activity_minutes 5 -> 10" in f.input.state.note
    # another extractscan version: rebuilt too, never mixed
    manifest = json.loads((state / "manifest.json").read_text())
    manifest["shape"]["extractscan"] = "0.0.1"
    (state / "manifest.json").write_text(json.dumps(manifest))
    g = _scan(files, acc, state=state)
    assert g.input.state is not None and g.input.state.files_read == 3
    assert g.input.state.note is not None and "extractscan '0.0.1' ->" in g.input.state.note
    _same(g, _scan(files, acc))
    # a state of the first layout (projections only, no partials): rebuilt, said
    manifest = json.loads((state / "manifest.json").read_text())
    manifest["shape"]["state_format"] = 1
    (state / "manifest.json").write_text(json.dumps(manifest))
    old = _scan(files, acc, state=state)
    assert old.input.state is not None and old.input.state.files_read == 3
    assert old.input.state.note is not None and "state_format 1 -> 2" in old.input.state.note
    # a segment's partials gone: rebuilt, never aggregated from half of what it needs
    for folder in (state / "partials").iterdir():
        shutil.rmtree(folder)
    gone = _scan(files, acc, state=state)
    assert gone.input.state is not None and gone.input.state.files_read == 3
    assert gone.input.state.note is not None and "partials of segment" in gone.input.state.note
    _same(gone, _scan(files, acc))
    # a segment gone from the state: rebuilt from the files
    for seg in (state / "segments").iterdir():
        seg.unlink()
    h = _scan(files, acc, state=state)
    assert h.input.state is not None and h.input.state.files_read == 3
    assert h.input.state.note is not None and "is missing from the state" in h.input.state.note
    _same(h, _scan(files, acc))


def test_state_is_refused_inside_a_scanned_folder_and_locked(
    days: tuple[list[Path], Path], tmp_path: Path
) -> None:
    files, acc = days
    with pytest.raises(UsageError, match="inside the scanned folder"):
        _scan([files[0].parent], acc, state=files[0].parent / "state")
    with State(tmp_path / "s", shape(CFG, None)), pytest.raises(UsageError, match="in use"):
        State(tmp_path / "s", shape(CFG, None))


def test_cli_state_in_header_and_json(days: tuple[list[Path], Path], tmp_path: Path) -> None:
    files, acc = days
    args = [
        "scan",
        *map(str, files),
        "--accounts",
        str(acc),
        "--config",
        "none",
        "--state",
        str(tmp_path / "st"),
    ]
    r = CliRunner().invoke(main, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["input"]["state"] == {
        "directory": str(tmp_path / "st"),
        "files_from_state": 0,
        "files_read": 3,
        "note": None,
    }
    r = CliRunner().invoke(main, [*args, "--no-color"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "3 file(s) from the state, 0 read" in r.stdout
    # another column mapping: rebuilt, said on stderr and in the report
    r = CliRunner().invoke(main, [*args, "--column", "account=account", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "warning: --state rebuilt: built under another columns" in r.stderr
    assert json.loads(r.stdout)["input"]["state"]["files_read"] == 3
    assert (tmp_path / "st" / "manifest.json").exists()


def test_daily_job_with_state_and_its_own_report_as_baseline(
    days: tuple[list[Path], Path], tmp_path: Path
) -> None:
    """The README's cron job: --state, --baseline onto the report it rewrites, --fail-on."""
    files, acc = days
    last = tmp_path / "last.json"
    common = ["--accounts", str(acc), "--config", "none", "--state", str(tmp_path / "st")]

    def run(paths: list[Path], *extra: str) -> tuple[int, dict[str, Any]]:
        r = CliRunner().invoke(
            main, ["scan", *map(str, paths), *common, "--format", "json", "-o", str(last), *extra]
        )
        assert r.exit_code in (0, 1), r.output
        return r.exit_code, json.loads(last.read_text())

    code, first = run(files[:2], "--fail-on", "high")
    assert code == 1 and [i["status"] for i in first["incidents"]] == ["new"]
    code, second = run(files, "--baseline", str(last), "--fail-on", "high")
    assert second["input"]["state"]["files_read"] == 1
    assert [i["id"] for i in second["incidents"]] == [i["id"] for i in first["incidents"]]
    assert [i["status"] for i in second["incidents"]] == ["known"]
    assert code == 0  # known, and no higher than before
    code, third = run(files, "--baseline", str(last), "--fail-on", "high")
    assert code == 0 and third["input"]["state"]["files_read"] == 0
    assert [i["status"] for i in third["incidents"]] == ["known"]


def test_state_in_several_passes_equals_one_pass(
    days: tuple[list[Path], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Account slices of the stored projections (keyed by the stored ``aid``) make the
    same tables as slices of the rows, and as one pass."""
    files, acc = days
    one = _scan(files, acc)
    monkeypatch.setattr(pipeline.memory, "plan", lambda rows, limit: MemoryPlan(3, "test"))
    _scan(files[:1], acc, state=tmp_path / "st")
    sliced = _scan(files, acc, state=tmp_path / "st")
    assert sliced.input.passes == 3 and sliced.input.state is not None
    assert sliced.input.state.files_read == 2
    full = _scan(files, acc)
    assert full.input.passes == 3
    _same(sliced, full)
    a, b = _comparable(sliced), _comparable(one)
    a["input"].pop("passes"), b["input"].pop("passes")
    assert a == b
