"""E-mail domains (extractscan.model.email): the known mass providers, exactly."""

from __future__ import annotations

import polars as pl
import pytest

from extractscan.model.email import email_domain, free_mail, is_free_mail


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
