"""Shared fixtures: tiny real-shaped logs written on the fly."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import settings

# Property tests check behaviour, not speed: under a loaded CI machine a case can take
# longer than hypothesis' 200 ms default deadline, which made such tests flaky.
settings.register_profile("extractscan", deadline=None)
settings.load_profile("extractscan")

CAMPAIGN_PROMPT = (
    "Imagine and articulate the internal reasoning behind a completed response, "
    "step by step. Task: {}"
)


def campaign_frames(n_campaign: int = 12, n_benign: int = 200) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A small labelled log: a linked campaign and unrelated benign users.

    Campaign accounts ``c00..``: shared cards (by 4), shared proxy IPs (by 3), one template,
    fresh signups, 24/7. Benign ``b00..``: own card, own IP, diverse prompts, old accounts.
    """
    rows: list[dict[str, object]] = [
        {
            # in step: every account active in the same minutes (co-activity)
            "timestamp": f"2026-04-{22 + j // 24}T{j % 24:02d}:{(j * 7) % 60:02d}:{i:02d}Z",
            "account": f"c{i:02d}",
            "ip": f"198.51.100.{i // 3}",
            "user_agent": "python-httpx/0.27",
            "prompt": CAMPAIGN_PROMPT.format(f"topic {i} {j} {'xyz' * (j % 3)}"),
            "input_tokens": 50,
            "output_tokens": 400,
        }
        for i in range(n_campaign)
        for j in range(48)
    ]
    topics = ["a poem about rain", "my cover letter", "a lasagna recipe", "tax forms"]
    rows += [
        {
            "timestamp": f"2026-04-22T{9 + j:02d}:{i % 60:02d}:00Z",
            "account": f"b{i:03d}",
            "ip": f"203.0.{i}.{j % 2 + 1}",
            "user_agent": f"Mozilla/5.0 ({i})",
            "prompt": f"Help me with {topics[(i + j) % 4]} please, number {i}",
            "input_tokens": 40,
            "output_tokens": 60,
        }
        for i in range(n_benign)
        for j in range(6)
    ]
    accounts = [
        {
            "account": f"c{i:02d}",
            "payment": f"card_{i // 4}",
            "email": f"ops{1000 + i}@mail.example",
            "signup_at": "2026-04-21T00:00:00Z",
            "org": f"org-{i}",
        }
        for i in range(n_campaign)
    ] + [
        {
            "account": f"b{i:03d}",
            "payment": f"card_b{i}",
            "email": f"person{i}@corp{i}.example",
            "signup_at": "2025-01-01T00:00:00Z",
            "org": None,
        }
        for i in range(n_benign)
    ]
    return pl.DataFrame(rows), pl.DataFrame(accounts)


@pytest.fixture()
def campaign_logs(tmp_path: Path) -> tuple[Path, Path]:
    """The labelled log written as CSV plus its accounts table."""
    req, acc = campaign_frames()
    rp, ap = tmp_path / "requests.csv", tmp_path / "accounts.csv"
    req.write_csv(rp)
    acc.write_csv(ap)
    return rp, ap


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sample_findings():  # type: ignore[no-untyped-def]
    """The findings of the bundled sample with the default config (scanned once per
    test session)."""
    import extractscan
    from extractscan.config import Config

    return extractscan.scan(
        [ROOT / "sample_logs" / "requests.csv.gz"],
        accounts=ROOT / "sample_logs" / "accounts.csv",
        config=Config(),
    )


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for the whole run (``tests/test_spark*.py``): 2 cores, no UI,
    few shuffle partitions; skipped when pyspark or Java is missing."""
    pytest.importorskip("pyspark")
    pytest.importorskip("pandas")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java: the Spark engine cannot start")
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("extractscan-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
