"""One behaviour per behavioural cluster: the core's largest group of alike accounts.

HDBSCAN clusters the candidates on their times and their behaviour together
(:mod:`.synchrony`). A campaign whose signups spread over weeks is a sparse cloud in the
time dimensions, and its core then takes in whatever else was busy in those weeks,
however differently it behaves: in report world 254, the core of a 1,300-account
low-and-slow campaign held 19 students of a class, 51 hydra accounts, 17 grader accounts
and 61 enterprise keys. Each of those groups lies 3.5 units or more (a unit: 0.1 of a
capability share, a quarter of the log token ratio, ...) from the nearest campaign
account in behaviour alone, while every campaign account is within 0.7 of another one.
The box then kept 14 of the students (they started in the campaign's days) and the class
became part of a critical incident.

So the core is cut to one behaviour: the accounts connected to each other by steps no
longer than the radius :func:`.alike.alike` uses (the 95th percentile of the core's
nearest-neighbour distances in behaviour, at least one unit), the largest such group
kept, and with it every group too small to be a cluster's core on its own (fewer than
HDBSCAN's ``min_samples``): a lone account or a pair apart is the core's fringe, often
an account of the campaign with few requests and so noisy shares (report world 271: two
of an identifier-free campaign's 39 accounts, cut, changed its box and lost it). The
groups cut become the cluster's outliers, which join only when alike the kept core (they
are not, by construction) and inside the box's margin. The groups cut on the 70 fit
worlds were other groups' accounts: students of classes, enterprise keys, accounts of
other campaigns.

Big cores are cut on a fixed sample of :data:`SAMPLED` members (their radius measured
on the sample too, so a group must hold ``min_samples`` of the sample to be cut); every
other member stays unless it is within the radius of a sampled member of a group cut and
of none of the kept group. The pairs within the radius grow with the square of a dense
core, so the whole core is never enumerated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import sparray, spmatrix

#: At most this many core members are connected pairwise (see the module's text).
SAMPLED = 2_000
#: The sample's seed (determinism).
SEED = 29


def main_behaviour(x: np.ndarray, least_reach: float, least_group: int) -> np.ndarray:
    """Whether each row of ``x`` (a cluster core's behaviour vectors, times left out)
    stays in the core: it belongs to the core's largest group of alike accounts, or to a
    group of fewer than ``least_group`` (see the module's text). ``least_reach`` is the
    smallest radius (units)."""
    from sklearn.neighbors import NearestNeighbors, radius_neighbors_graph

    n = x.shape[0]
    if n < 3:
        return np.ones(n, dtype=bool)
    sample = np.arange(n)
    if n > SAMPLED:
        sample = np.sort(np.random.default_rng(SEED).choice(n, SAMPLED, replace=False))
    xs = x[sample]
    own = NearestNeighbors(n_neighbors=2).fit(xs).kneighbors(xs)[0][:, 1]
    reach = max(float(np.quantile(own, 0.95)), least_reach)
    labels = components(radius_neighbors_graph(xs, reach, mode="connectivity"))
    sizes = np.bincount(labels)
    # the largest group (among equal sizes the one holding the lowest row: determinism)
    # and the groups too small to be a cluster's core on their own: the core's fringe
    keep = (labels == int(np.argmax(sizes))) | (sizes[labels] < least_group)
    if sample.size == n:
        return keep
    group = labels == int(np.argmax(sizes))
    kept = NearestNeighbors(n_neighbors=1).fit(xs[group]).kneighbors(x)[0][:, 0] <= reach
    # a member left out of the sample: kept when within reach of the kept group, or alone
    # (no sampled member of a left-out group within reach either)
    left = xs[~keep]
    if left.shape[0]:
        near_left = NearestNeighbors(n_neighbors=1).fit(left).kneighbors(x)[0][:, 0] <= reach
        kept |= ~near_left
    kept[sample] = keep
    return kept


def components(graph: sparray | spmatrix) -> np.ndarray:
    """The connected components of a radius graph (CSR, a point set against itself):
    per row its component, numbered in the order of each component's lowest row, as
    SciPy's undirected search numbers them.

    Such a graph is symmetric (each pair's distance is computed the same way from
    either side), so its strongly connected components are its components, found
    without the transpose that the undirected search builds first (measured at 28.8M
    rows: 0.9 s of the 2.8 s of :func:`main_behaviour`, on graphs of up to 4M edges).
    A graph whose rows and columns do not hold as many edges each is not symmetric and
    is searched undirected."""
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import connected_components

    csr = csr_array(graph)
    if not np.array_equal(np.diff(csr.indptr), np.bincount(csr.indices, minlength=csr.shape[0])):
        return np.asarray(connected_components(csr, directed=False)[1])
    _, labels = connected_components(csr, directed=True, connection="strong")
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first)
    number = np.empty_like(order)
    number[order] = np.arange(order.size)
    return np.asarray(number[labels])
