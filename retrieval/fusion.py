"""Combining ranked lists (reciprocal rank fusion) and collapsing near-duplicate chunks."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

#: The constant of reciprocal rank fusion (Cormack et al. 2009); 60 is the usual choice.
RRF_K = 60
#: The default fusion method (chosen by measurement: see docs/documents.md).
FUSION = "relative"
#: Weight of the dense leg against the keyword leg in relative score fusion.
DENSE_WEIGHT = 0.5
#: Two chunks whose 3-word shingles overlap this much say the same thing.
DUPLICATE_JACCARD = 0.8

_WORD = re.compile(r"[a-z0-9]+(?:[./][a-z0-9]+)*")


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], *, k: int = RRF_K) -> dict[int, float]:
    """Fuse ranked id lists: each id scores the sum of 1 / (k + rank) over the lists holding it."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return dict(sorted(fused.items(), key=lambda pair: -pair[1]))


def relative_score_fusion(
    dense: dict[int, float], keyword: dict[int, float], *, alpha: float | None = None
) -> dict[int, float]:
    """Fuse scores: ``alpha`` x min-max(cosine) + (1 - alpha) x min-max(BM25), best first.

    Each leg's scores are rescaled to 0..1 over the candidates (Weaviate's "relative score
    fusion"). Unlike rank fusion this keeps the size of a gap: a chunk that alone holds a rare
    query term (BM25 far above the rest) is not outvoted by many chunks that are all about
    equally close in meaning, and a chunk far closer in meaning is not outvoted by one that
    merely shares a common word.
    """
    alpha = DENSE_WEIGHT if alpha is None else alpha
    dense_norm, keyword_norm = _min_max(dense), _min_max(keyword)
    fused = {
        item: alpha * dense_norm.get(item, 0.0) + (1 - alpha) * keyword_norm.get(item, 0.0)
        for item in dense.keys() | keyword.keys()
    }
    return dict(sorted(fused.items(), key=lambda pair: (-pair[1], pair[0])))


def _min_max(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    spread = high - low
    if spread <= 0:
        return {item: 1.0 for item in scores}
    return {item: (value - low) / spread for item, value in scores.items()}


def fuse(dense: dict[int, float], keyword: dict[int, float], method: str = FUSION) -> dict[int, float]:
    """Fuse the two legs of a hybrid search by ``method`` ("relative" or "rrf"), best first."""
    if method == "rrf":
        by_dense = sorted(dense, key=lambda i: -dense[i])
        by_keyword = sorted(keyword, key=lambda i: -keyword[i])
        return reciprocal_rank_fusion([ranking for ranking in (by_dense, by_keyword) if ranking])
    if method == "relative":
        return relative_score_fusion(dense, keyword)
    raise ValueError(f"unknown fusion method {method!r}")


def shingles(text: str, size: int = 3) -> frozenset[str]:
    """The set of ``size``-word shingles of a text, lowercased, punctuation dropped."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Overlap of two sets, 0 to 1 (two empty sets count as equal)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def collapse_duplicates(
    items: Iterable[T], text_of: Callable[[T], str], *, threshold: float = DUPLICATE_JACCARD,
    limit: int | None = None,
) -> list[T]:
    """Keep the first (best-ranked) of each group of near-duplicate texts, in order; at most
    ``limit`` of them (the items after the last one kept cannot change which are kept before it)."""
    kept: list[T] = []
    kept_shingles: list[frozenset[str]] = []
    for item in items:
        if limit is not None and len(kept) >= limit:
            break
        current = shingles(text_of(item))
        if any(jaccard(current, seen) >= threshold for seen in kept_shingles):
            continue
        kept.append(item)
        kept_shingles.append(current)
    return kept
