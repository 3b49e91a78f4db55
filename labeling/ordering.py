"""The labeling queue's orderings (pure numpy + scikit-learn): random, uncertainty, diversity."""
from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans

from labeling.learning_curve import uncertainty

DIVERSITY_CLUSTERS = 8


def random_order(ids: list[int], *, seed: int) -> list[int]:
    return [ids[i] for i in np.random.default_rng(seed).permutation(len(ids))]


def uncertainty_order(ids: list[int], probabilities: np.ndarray, *, measure: str) -> list[int]:
    """Most uncertain first; `probabilities` is (len(ids), classes)."""
    scores = uncertainty(probabilities, measure)
    return [ids[i] for i in np.argsort(-scores, kind="stable")]


def diversity_order(ids: list[int], embeddings: np.ndarray, *, turn: int, clusters: int = DIVERSITY_CLUSTERS) -> list[int]:
    """k-means on the embeddings, clusters taken in turn (largest first): the `turn`-th cluster's
    most typical image (nearest its centre) comes first, then the rest of that cluster."""
    clusters = min(clusters, len(ids))
    if clusters < 2:
        return list(ids)
    kmeans = KMeans(n_clusters=clusters, n_init=1, random_state=0).fit(embeddings)
    sizes = np.bincount(kmeans.labels_, minlength=clusters)
    by_size = np.argsort(-sizes, kind="stable")
    chosen = by_size[turn % clusters]
    distances = np.linalg.norm(embeddings - kmeans.cluster_centers_[kmeans.labels_], axis=1)
    in_cluster = np.flatnonzero(kmeans.labels_ == chosen)
    first = [ids[i] for i in in_cluster[np.argsort(distances[in_cluster], kind="stable")]]
    rest = [ids[i] for i in np.argsort(distances, kind="stable") if kmeans.labels_[i] != chosen]
    return first + rest
