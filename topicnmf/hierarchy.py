"""Topic groups: the topics as a tree by the similarity of their term vectors, cut into a
few groups, so that 50 topics read as about 8.

The tree is scipy's average-linkage clustering of the rows of H under cosine distance
(``scipy.cluster.hierarchy.linkage``); ``fcluster(..., 'maxclust')`` cuts it into the
groups. A group is named by the top terms of its topics' mean term vector.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

AUTO_FROM = 12  # topics from which groups are shown without being asked for


@dataclass(frozen=True)
class TopicGroup:
    """One group: its number (1 = largest share), label, topics (numbered from 1), share."""

    group: int
    label: str
    topics: tuple
    share: float

    def to_dict(self):
        return {"group": self.group, "label": self.label, "topics": list(self.topics),
                "share": float(f"{self.share:.6g}")}


def n_groups(k, asked=None):
    """Groups to cut ``k`` topics into: ``asked`` (0: none), or by default ceil(sqrt(k))
    from AUTO_FROM topics on, else none."""
    if asked is not None:
        return min(asked, k) if asked > 1 else 0
    return math.ceil(math.sqrt(k)) if k >= AUTO_FROM else 0


def tree(H):
    """The scipy linkage matrix of the topics (rows of H): average linkage, cosine distance."""
    H = np.asarray(H, dtype=np.float64)
    norms = np.linalg.norm(H, axis=1, keepdims=True)
    unit = np.divide(H, norms, out=np.zeros_like(H), where=norms > 0)
    # an empty topic gets a tiny distinct direction so that cosine distances are defined
    unit[norms.ravel() == 0] = 1.0 / math.sqrt(H.shape[1])
    return linkage(unit, method="average", metric="cosine")


def topic_groups(H, shares, display_terms, asked=None, n_terms=3):
    """The :class:`TopicGroup` tuple of topics H (n_topics, n_terms), largest share first;
    () when no grouping is due (see :func:`n_groups`)."""
    k = H.shape[0]
    count = n_groups(k, asked)
    if count < 2 or k < 3:
        return ()
    cut = fcluster(tree(H), count, criterion="maxclust")
    shares = np.asarray(shares, dtype=np.float64)
    groups = []
    for c in np.unique(cut):
        members = np.flatnonzero(cut == c)
        centroid = H[members].mean(axis=0)
        top = np.argsort(-centroid, kind="stable")[:n_terms]
        label = ", ".join(display_terms[j] for j in top if centroid[j] > 0)
        groups.append((float(shares[members].sum()), label, tuple(int(t) + 1 for t in members)))
    groups.sort(key=lambda g: (-g[0], g[2]))
    return tuple(TopicGroup(i + 1, label, topics, share)
                 for i, (share, label, topics) in enumerate(groups))
