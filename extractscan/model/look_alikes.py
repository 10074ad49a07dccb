"""What a family or a small team sharing a card, and a class at one institution, look
like: read by the benign checks (:mod:`extractscan.assess.benign`) and by campaign
assembly (:mod:`extractscan.link.assemble`), which must not join what the checks would
explain."""

from __future__ import annotations

import math

#: Largest family or small team sharing a card (DOMAIN.md: families of 2 to 8).
FAMILY_MAX = 8
#: Accounts at least this old (median, days at first request) are established.
ESTABLISHED_DAYS = 30.0
#: Share of a group's accounts each on an e-mail domain of its own (no mass provider's,
#: and about as many domains as accounts) for unrelated organisations: companies' jobs
#: behind one cloud's egress (as one declared org for an enterprise, one domain for a
#: cohort).
OWN_DOMAIN_SHARE = 0.8
#: Share of a group's accounts on one e-mail domain for a class or cohort (as for one
#: declared org in the enterprise check).
COHORT_DOMAIN_SHARE = 0.8
#: Hour-of-day spread (normalised entropy) of activity spread evenly over 12 of the 24
#: hours, ln 12 / ln 24: a class or a working day stays within it, 24/7 traffic is ~1.
CLASS_HOURS_SPREAD = math.log(12) / math.log(24)
