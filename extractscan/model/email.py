"""E-mail domains: an institution's own (a campus, a company) against a mass provider."""

from __future__ import annotations

import polars as pl

#: An e-mail domain holding at most this share of the log's accounts is not a mass
#: free-mail provider (those hold tens of percent of consumer sign-ups each).
INSTITUTION_DOMAIN_SHARE = 0.05


def email_domain(col: str = "email") -> pl.Expr:
    """The lower-cased domain of an e-mail address (null without an ``@``)."""
    parts = pl.col(col).str.to_lowercase().str.split("@")
    return pl.when(parts.list.len() >= 2).then(parts.list.last()).otherwise(None)
