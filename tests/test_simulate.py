"""simulate: deterministic, complete ground truth; an end-to-end run finds the campaign."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

import extractscan
from extractscan.lab import simulate_text as tx
from extractscan.lab.evaluate import evaluate
from extractscan.lab.simulate import GROUPS, simulate
from extractscan.model.schema import OPTIONAL, REQUIRED
from extractscan.report import render


def _digest(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulate(40_000, 3, out, fmt="csv.gz")
    return out


def test_deterministic_by_seed(tmp_path: Path) -> None:
    simulate(5_000, 1, tmp_path / "a")
    simulate(5_000, 1, tmp_path / "b")
    simulate(5_000, 2, tmp_path / "c")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


@pytest.mark.parametrize("fmt", ["csv.gz", "jsonl"])
def test_text_formats_deterministic_with_iso_z_timestamps(tmp_path: Path, fmt: str) -> None:
    a = simulate(5_000, 4, tmp_path / "a", fmt=fmt)
    simulate(5_000, 4, tmp_path / "b", fmt=fmt)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert a.files[0] == str(tmp_path / "a" / f"requests.{fmt}")
    path = tmp_path / "a" / f"requests.{fmt}"
    req = pl.read_csv(path, infer_schema=False) if fmt == "csv.gz" else pl.read_ndjson(path)
    assert req.columns == [*REQUIRED, *OPTIONAL] and req.height == 5_000
    assert req["timestamp"].str.contains(r"^2026-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$").all()
    signup = pl.read_csv(tmp_path / "a" / "accounts.csv")["signup_at"]
    assert signup.str.contains(r"^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()


def test_parquet_parts_and_summary(tmp_path: Path) -> None:
    s = simulate(12_000, 5, tmp_path / "p", part_rows=5_000)
    parts = sorted((tmp_path / "p" / "requests").iterdir())
    assert [p.name for p in parts] == [f"part-{i:05d}.parquet" for i in range(3)]
    assert s.files[:3] == tuple(str(p) for p in parts)
    req = pl.read_parquet(parts)
    assert req.height == s.rows == 12_000
    assert req.schema["timestamp"] == pl.Datetime("us", "UTC")
    assert req.schema["input_tokens"] == req.schema["output_tokens"] == pl.Int64
    first, last = req["timestamp"].min(), req["timestamp"].max()
    assert isinstance(first, datetime) and isinstance(last, datetime)
    assert first >= datetime(2026, 4, 22, tzinfo=UTC) and last < datetime(2026, 5, 6, tzinfo=UTC)
    truth = pl.read_csv(tmp_path / "p" / "truth.csv")
    assert s.accounts == truth.height == req["account"].n_unique()
    assert s.groups == dict(truth.group_by("group").len().sort("group").iter_rows())
    assert sum(s.groups.values()) == s.accounts
    single = simulate(12_000, 5, tmp_path / "one", part_rows=20_000)
    assert single.files[0] == str(tmp_path / "one" / "requests.parquet")


def test_rows_truth_and_accounts_complete(sim: Path) -> None:
    req = pl.read_csv(sim / "requests.csv.gz", infer_schema=False)
    truth = pl.read_csv(sim / "truth.csv")
    accounts = pl.read_csv(sim / "accounts.csv")
    assert req.height == 40_000
    assert set(req["account"]) == set(truth["account"]) == set(accounts["account"])
    assert set(truth["group"]) == set(GROUPS)
    campaigns = truth.filter(pl.col("kind") == "campaign")["group"].unique().sort().to_list()
    assert campaigns == ["hydra", "low_and_slow", "pivot", "reward_harvest"]


def test_evasive_campaign_shapes(sim: Path) -> None:
    req = pl.read_csv(sim / "requests.csv.gz", infer_schema=False)
    truth = pl.read_csv(sim / "truth.csv")
    acc = pl.read_csv(sim / "accounts.csv").join(truth, on="account")
    rows = req.join(truth, on="account")
    slow = rows.filter(pl.col("group") == "low_and_slow")
    # no shared IPs: every IP of the low-and-slow campaign is used by one account only
    assert slow.group_by("ip").agg(pl.col("account").n_unique())["account"].max() == 1
    cards = acc.filter(pl.col("group") == "low_and_slow").group_by("payment").len()["len"]
    assert cards.min() >= 2 and cards.max() <= 3  # type: ignore[operator]
    pivot = rows.filter(pl.col("group") == "pivot")
    new = pivot.filter(pl.col("model") == "model-z-2026-06")
    release = new["timestamp"].min()
    assert isinstance(release, str) and release >= "2026-04-29"  # released mid-window
    reward = rows.filter(pl.col("group") == "reward_harvest")
    assert reward["ip"].n_unique() <= 8


def test_group_shapes(sim: Path) -> None:
    req = pl.read_csv(sim / "requests.csv.gz", infer_schema=False)
    truth = pl.read_csv(sim / "truth.csv")
    acc = pl.read_csv(sim / "accounts.csv").join(truth, on="account")
    ent = acc.filter(pl.col("group") == "enterprise_eval")
    assert ent["org"].n_unique() == 1 and ent["payment"].n_unique() == 1
    hydra = acc.filter(pl.col("group") == "hydra")
    per_card = hydra.group_by("payment").agg(pl.len(), pl.col("org").n_unique())
    assert per_card["len"].min() > 1  # type: ignore[operator]
    assert (per_card["org"] > 1).all()  # every card reused across orgs
    uni = req.join(truth, on="account").filter(pl.col("group") == "university_nat")
    assert uni["ip"].n_unique() <= 3


def test_end_to_end_ground_truth(sim: Path, tmp_path: Path) -> None:
    f = extractscan.scan(sim / "requests.csv.gz", accounts=sim / "accounts.csv")
    assert f.input.rows_read == f.input.rows_analysed == 40_000
    report = tmp_path / "report.json"
    with report.open("w") as fh:
        render(f, "json", fh)
    ev = evaluate(sim / "truth.csv", report)
    assert ev.top_incident_kind == "campaign"
    assert ev.recall >= 0.9 and ev.precision >= 0.9
    for g in ev.groups:
        if g.kind == "benign":
            assert g.top_severity in (None, "low", "medium"), g


def test_no_group_revealed_by_identifiers(sim: Path) -> None:
    acc = pl.read_csv(sim / "accounts.csv")
    assert acc["account"].str.contains(r"^acct_[0-9a-f]{10}$").all()
    assert acc["payment"].str.contains(r"^card_[0-9a-f]{12}$").all()
    assert acc["email"].is_unique().all()  # one address per account


def test_hydra_shape(sim: Path) -> None:
    req = pl.read_csv(sim / "requests.csv.gz", infer_schema=False)
    truth = pl.read_csv(sim / "truth.csv")
    acc = pl.read_csv(sim / "accounts.csv").join(truth, on="account")
    rows = req.join(truth, on="account")
    hydra = acc.filter(pl.col("group") == "hydra")
    assert hydra.height >= 40
    domains = "|".join(d.replace(".", r"\.") for d in tx.THROWAWAY)
    assert hydra["email"].str.contains(rf"^[a-z]+\d{{4}}@({domains})$").all()
    h = rows.filter(pl.col("group") == "hydra")
    assert 0.25 < h.height / req.height < 0.40
    assert set(h["user_agent"]) <= set(tx.CAMPAIGN_UAS)
    # signed up at most 3 days before the first day of use
    first = h.group_by("account").agg(pl.col("timestamp").min().str.to_datetime(time_zone="UTC"))
    gap = first.join(hydra.select("account", "signup_at"), on="account").select(
        (pl.col("timestamp") - pl.col("signup_at").str.to_datetime(time_zone="UTC"))
        .dt.total_hours()
        .alias("h")
    )["h"]
    assert gap.min() >= 0 and gap.median() < 96  # type: ignore[operator]
    # templated extraction share and long answers
    wrappers = tuple(t[:30] for t in tx.CAMPAIGN_TEMPLATES)
    templated = h["prompt"].str.starts_with(wrappers[0])
    for w in wrappers[1:]:
        templated |= h["prompt"].str.starts_with(w)
    assert 0.6 < templated.mean() < 0.8  # type: ignore[operator]
    ratio = h.filter(templated).select(
        (pl.col("output_tokens").cast(pl.Int64) / pl.col("input_tokens").cast(pl.Int64)).median()
    )
    assert 4 <= ratio.item() <= 8
    # proxy pool: shared IPs over several /24s, a few also used by ordinary customers
    pool = h["ip"].unique()
    assert pool.len() <= 40 and pool.str.replace(r"\.\d+$", "").n_unique() >= 3
    per_acct = h.group_by("account").agg(pl.col("ip").n_unique())["ip"]
    assert per_acct.median() >= 3  # type: ignore[operator]
    on_pool = rows.filter(pl.col("ip").is_in(pool.implode()) & (pl.col("group") != "hydra"))
    assert set(on_pool["group"]) == {"ordinary"} and on_pool["account"].n_unique() >= 2


def test_benign_look_alike_shapes(sim: Path) -> None:
    req = pl.read_csv(sim / "requests.csv.gz", infer_schema=False)
    truth = pl.read_csv(sim / "truth.csv")
    acc = pl.read_csv(sim / "accounts.csv").join(truth, on="account")
    rows = req.join(truth, on="account")

    def of(g: str) -> pl.DataFrame:
        return rows.filter(pl.col("group") == g)

    def cards(g: str) -> pl.Series:
        return acc.filter(pl.col("group") == g).group_by("payment").len()["len"]

    uni = of("university_nat")
    assert uni["ip"].str.replace(r"\.\d+$", "").n_unique() == 1
    uni_mail = acc.filter(pl.col("group") == "university_nat")["email"]
    assert uni_mail.str.contains(r"^[a-z][a-z.]*[a-z]@uni\.example\.edu$").all()  # no digits
    assert cards("university_nat").max() == 1
    carrier = of("carrier_nat")
    assert carrier["ip"].n_unique() <= 12 and cards("carrier_nat").max() == 1
    assert carrier["user_agent"].str.contains("iPhone|Android").all()
    ent = of("enterprise_eval")
    assert ent["account"].n_unique() >= 6
    assert ent["prompt"].str.starts_with("Let's think step by step. Question:").all()
    reseller = of("reseller").group_by("account").agg(pl.col("ip").n_unique())
    assert 1 <= reseller.height <= 3 and reseller["ip"].min() >= 20  # type: ignore[operator]
    fw = of("framework_users")
    assert len(tx.FRAMEWORK_PREFIX.split()) >= 40
    assert fw["prompt"].str.starts_with(tx.FRAMEWORK_PREFIX).all()
    assert cards("framework_users").max() == 1 and fw["account"].n_unique() >= 10
    fam = cards("family_card")
    assert fam.min() >= 2 and fam.max() <= 4  # type: ignore[operator]
    fam_ips = of("family_card").join(acc.select("account", "payment"), on="account")
    assert fam_ips.group_by("payment").agg(pl.col("ip").n_unique())["ip"].max() == 1
    ordinary = of("ordinary")
    assert ordinary.filter(pl.col("ip").str.contains(":"))["account"].n_unique() >= 1
    assert rows.filter(pl.col("ip").str.contains(":"))["group"].unique().to_list() == ["ordinary"]
