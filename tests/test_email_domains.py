"""E-mail domains (extractscan.model.email): the known mass providers, exactly."""

from __future__ import annotations

import polars as pl
import pytest

from extractscan.model.email import email_domain, free_mail, institution_domain, is_free_mail


@pytest.mark.parametrize(
    ("domain", "free"),
    [
        ("gmail.com", True),
        ("proton.me", True),
        ("hotmail.co.uk", True),
        ("yahoo.co.jp", True),
        ("outlook.de", True),
        ("yahoo.com.br", True),
        ("uni7.example.edu", False),
        ("gmail.com.evil.example", False),
        ("mygmail.com", False),
        ("yahoo.example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_known_mass_providers(domain: str | None, free: bool) -> None:
    assert is_free_mail(domain) is free


def test_free_mail_on_a_column_of_addresses() -> None:
    frame = pl.DataFrame({"email": ["A.B@GMail.com", "x@corp.example", "no-at-sign", None]})
    got = frame.select(free_mail(email_domain()).alias("free"))["free"].to_list()
    assert got == [True, False, None, None]


@pytest.mark.parametrize(
    ("domain", "members", "population", "own"),
    [
        ("uni7.example.edu", 6, 900, True),  # academic, whatever its share of the log
        ("cs.ox.ac.uk", 6, 900, True),
        ("labs82.example", 6, 40, True),  # 4 % of the log's 1,000 accounts, no provider's
        ("labs82.example", 6, 60, False),  # 6 %: as common as a mass provider
        ("gmail.com", 6, 40, False),  # a known provider
        ("gmail.com", 30, 40, True),  # ... unless most of its accounts are the group's
        ("mailbox-relay.example", 0, 10, False),  # no member on it
        ("labs82.example", 6, None, False),  # not counted
    ],
)
def test_an_institutions_own_domain(
    domain: str, members: int, population: int | None, own: bool
) -> None:
    got = pl.select(
        institution_domain(pl.lit(domain), pl.lit(members), pl.lit(population, pl.Int64), 1_000)
    ).item()
    assert got is own
