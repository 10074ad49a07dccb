"""A behavioural box's reference: the campaign's own accounts left out of it.

A box's chance (:mod:`.synchrony_box`) has a floor, the reference's share inside the
box, so a campaign's own busy accounts that are not extraction-heavy (its resold traffic,
or wrappers in words the capability patterns miss) and were not clustered with it make
its box look common. Those that send the cluster's wrappers beyond chance are not
ordinary accounts of those days: they leave the reference (:func:`own_inside`).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.mixed import WrapperTest
from extractscan.link.synchrony_box import BEHAVIOUR, Fitted, Times


def own_inside(
    fitted: dict[int, Fitted],
    behaving: dict[int, Times],
    busy: pl.DataFrame,
    cand: pl.DataFrame,
    in_core: dict[int, np.ndarray],
    groups: list[int],
    wrappers: WrapperTest,
    cfg: LinkConfig,
) -> dict[int, np.ndarray]:
    """Per cluster, a mask over ``busy``: the accounts that are not candidates, sit inside
    every time window its box tests (the behaviour window aside: a campaign's account
    that mixes resold traffic in behaves otherwise) and send its accounts' wrappers
    beyond chance (the Poisson likelihood ratio of :func:`.wrapper_rates.wrapper_llr` at
    ``ln(M / crowded_alpha)``, ``M`` the accounts tested over all clusters, as
    :func:`.mixed.boxed_members`).

    The box's chance is at least the reference's share inside it, so a campaign's own
    busy accounts that are not extraction-heavy (its resold traffic, or wrappers in
    words the capability patterns miss) made its box look common: an identifier-free
    campaign of 19 accounts in another hand's wording (fit world 1003), 10 of them
    clustered, 3 more inside the box in the reference, 9 nats against 40 (found this way
    in fit world 1011: 14 accounts, missed before). An ordinary
    account inside the box passes the wrapper test with chance ``crowded_alpha / M``
    at most, so it stays in the reference."""
    accounts = busy["account"]
    plain = ~accounts.is_in(cand["account"].implode()).to_numpy()
    tested, members = [], []
    for g in groups:
        box = fitted[g]
        if not box.windows or not box.counted:
            continue
        times = behaving[g]
        inside = plain & ~in_core[g]
        for c, (lo, hi) in box.tested.items():
            if c != BEHAVIOUR:  # behaving otherwise: resold traffic mixed in
                x = times.hours[c]
                inside &= (x >= lo) & (x <= hi)
        if inside.any():
            tested.append(pl.DataFrame({"account": accounts.filter(inside), "box": g}))
            members.append(pl.DataFrame({"account": list(box.counted), "box": g}))
    masks = {g: np.zeros(busy.height, dtype=bool) for g in groups}
    if not tested or cfg.crowded_alpha <= 0:
        return masks
    rows = pl.concat(tested)
    llr = wrappers(rows, pl.concat(members))
    threshold = math.log(rows.height / cfg.crowded_alpha)
    passed = llr.filter(pl.col("llr") >= threshold)
    for g in passed["box"].unique().to_list():
        mine = passed.filter(pl.col("box") == g)["account"].implode()
        masks[g] = accounts.is_in(mine).to_numpy()
    return masks
