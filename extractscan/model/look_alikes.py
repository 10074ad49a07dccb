"""What a family or a small team sharing a card looks like: read by the benign checks
(:mod:`extractscan.assess.benign`) and by campaign assembly (:mod:`extractscan.link.assemble`),
which must not join what the checks would explain."""

from __future__ import annotations

#: Largest family or small team sharing a card (DOMAIN.md: families of 2 to 8).
FAMILY_MAX = 8
#: Accounts at least this old (median, days at first request) are established.
ESTABLISHED_DAYS = 30.0
#: Share of a group's accounts each on an e-mail domain of its own (no mass provider's,
#: and about as many domains as accounts) for unrelated organisations: companies' jobs
#: behind one cloud's egress (as one declared org for an enterprise, one domain for a
#: cohort).
OWN_DOMAIN_SHARE = 0.8
