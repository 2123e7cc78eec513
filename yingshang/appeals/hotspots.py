"""Hotspots (热点诉求): similar appeals of a period clustered, ranked by count and growth.

Plain Python, no Django. Each appeal is a `Doc` (its text, whether it falls in the period asked about or
in the previous period of the same length, its place and its department). The texts become character
n-gram TF-IDF vectors (2- and 3-grams: Chinese has no spaces, and a citizen's raw words match a
clerk's without word segmentation), and a greedy leader clustering groups them: documents in key order
(the order they were received), each joins the most similar earlier leader when the cosine similarity
reaches the threshold, else leads a new cluster. The result depends only on the input, never on a
random seed or on the order rows came from the database.

Both periods are clustered together, so a cluster's count in the previous period is its baseline:
growth is the change in count. A hotspot is a cluster with at least `min_count` appeals in the period;
it is named by its most typical appeal (the one closest to the cluster's centre) and lists its places
and departments, most frequent first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

DEFAULT_THRESHOLD = 0.3  # cosine; measured on short complaints: same matter ≥ 0.3, unrelated < 0.1
NGRAMS = (2, 3)
CHUNK = 256  # rows of the similarity matrix computed at a time (256 × n floats)
TOP_PLACES = 3
_NOT_WORD = re.compile(r"[\W_]+")

Ranking = Literal["count", "growth"]


class HotspotError(ValueError):
    """A parameter out of range; the message is Chinese."""


@dataclass(frozen=True)
class Doc:
    key: int  # unique; the order documents are clustered in (the appeal's id: the order received)
    text: str  # what similarity is measured on (title and text)
    title: str  # what names a hotspot
    current: bool  # in the period asked about (else: in the previous period of the same length)
    place: str = ""
    department: str = ""


@dataclass(frozen=True)
class Hotspot:
    title: str  # the most typical appeal's title
    keys: tuple[int, ...]  # the period's appeals of the cluster, in key order
    previous: int  # the cluster's appeals in the previous period
    places: tuple[tuple[str, int], ...]  # (place, appeals), most first
    departments: tuple[tuple[str, int], ...]  # (department, appeals), most first

    @property
    def count(self) -> int:
        return len(self.keys)

    @property
    def change(self) -> int:
        return self.count - self.previous

    @property
    def growth(self) -> float | None:
        """The change as a share of the previous period's count; None when the cluster is new."""
        return self.change / self.previous if self.previous else None

    @property
    def growth_text(self) -> str:
        if self.growth is None:
            return "新出现"
        if self.change == 0:
            return "持平"
        return f"{self.growth:+.0%}"


def normalise(text: str) -> str:
    """Lower case, punctuation and runs of spaces as one space: only words and digits are compared."""
    return _NOT_WORD.sub(" ", text.lower()).strip()


def vectorise(texts: Sequence[str]) -> Any:
    """L2-normalised character n-gram TF-IDF rows (a scipy sparse matrix); None when no text has a word
    (every text empty or punctuation only)."""
    # scikit-learn takes seconds to import: only a hotspot computation needs it, not every process that
    # imports the appeals app (the analytics module imports this engine for its types).
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, lowercase=False)
    try:
        return vectoriser.fit_transform([normalise(text) for text in texts])
    except ValueError:  # "empty vocabulary": nothing to compare
        return None


def leader_clusters(matrix: Any, threshold: float) -> list[int]:
    """The cluster of each row: a row joins the most similar earlier leader (cosine ≥ threshold; ties go
    to the earlier leader), else becomes a leader itself. Rows must be L2-normalised."""
    rows = matrix.shape[0]
    leaders: list[int] = []
    cluster = [0] * rows
    for start in range(0, rows, CHUNK):
        block = (matrix[start : start + CHUNK] @ matrix.T).toarray()
        for offset, similarities in enumerate(block):
            if leaders:
                to_leaders = similarities[leaders]
                best = int(np.argmax(to_leaders))
                # A float sum of the same products can land a hair under an exact threshold.
                if to_leaders[best] >= threshold - 1e-9:
                    cluster[start + offset] = best
                    continue
            cluster[start + offset] = len(leaders)
            leaders.append(start + offset)
    return cluster


def _most_typical(matrix: Any, members: list[int]) -> int:
    """The member closest to the members' centre (the first of equals)."""
    centre = np.asarray(matrix[members].mean(axis=0)).ravel()
    closeness = matrix[members] @ centre
    return members[int(np.argmax(closeness))]


def _counted(values: list[str], limit: int | None = None) -> tuple[tuple[str, int], ...]:
    counts = Counter(value for value in values if value)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ordered[:limit] if limit else ordered)


def find_hotspots(
    docs: Sequence[Doc],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_count: int = 2,
    limit: int = 20,
    by: Ranking = "count",
) -> list[Hotspot]:
    """The period's hotspots, at most `limit`: by count (then by growth), or by growth (the change in
    count, then by count). Growth is ranked by the change, not the percentage, so that 1 → 3 does not
    outrank 20 → 40."""
    if not 0 < threshold <= 1:
        raise HotspotError(f"相似度阈值应在 0 到 1 之间（不含 0），收到 {threshold}")
    if min_count < 1:
        raise HotspotError(f"热点的最少诉求数应至少为 1，收到 {min_count}")
    if by not in ("count", "growth"):
        raise HotspotError(f"热点排序方式只能是“count”（按数量）或“growth”（按增长），收到“{by}”")
    ordered = sorted(docs, key=lambda doc: doc.key)
    if len({doc.key for doc in ordered}) != len(ordered):
        raise HotspotError("诉求编号重复，无法聚类")
    if not any(doc.current for doc in ordered):
        return []
    matrix = vectorise([doc.text for doc in ordered])
    if matrix is None:
        return []
    clusters: dict[int, list[int]] = {}
    for row, cluster in enumerate(leader_clusters(matrix, threshold)):
        clusters.setdefault(cluster, []).append(row)
    found = []
    for members in clusters.values():
        current = [row for row in members if ordered[row].current]
        if len(current) < min_count:
            continue
        typical = ordered[_most_typical(matrix, current)]
        found.append(
            Hotspot(
                title=typical.title,
                keys=tuple(ordered[row].key for row in current),
                previous=len(members) - len(current),
                places=_counted([ordered[row].place for row in current], TOP_PLACES),
                departments=_counted([ordered[row].department for row in current]),
            )
        )
    if by == "count":
        found.sort(key=lambda spot: (-spot.count, -spot.change, spot.keys[0]))
    else:
        found.sort(key=lambda spot: (-spot.change, -spot.count, spot.keys[0]))
    return found[:limit]
