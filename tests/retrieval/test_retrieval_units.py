"""Pieces of retrieval without the model: dense index, fusion, duplicates, text handling."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from retrieval_helpers import make_chunks, make_doc, unit_vectors

from tradeassist.retrieval.dense import DenseIndex
from tradeassist.retrieval.extractive import candidate_units, defuse, quotes_markdown, select_quotes
from tradeassist.retrieval.fusion import collapse_duplicates, fuse, reciprocal_rank_fusion, relative_score_fusion
from tradeassist.retrieval.records import Chunk, Hit
from tradeassist.retrieval.store import Scope, title_terms
from tradeassist.retrieval.text import fts_query, keywords, sentences


def _clustered(count: int, queries: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around topic centres (like real embeddings), and queries near the same centres."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((count // 40, 384)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)

    def around(n: int) -> np.ndarray:
        points = centres[rng.integers(0, len(centres), n)] + 0.042 * rng.standard_normal((n, 384)).astype(np.float32)
        return points / np.linalg.norm(points, axis=1, keepdims=True)

    return around(count), around(queries)


def _memory_index(vectors: np.ndarray, docs: np.ndarray, threshold: int) -> DenseIndex:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE chunks (id INTEGER PRIMARY KEY, doc_id INTEGER, vector BLOB)")
    conn.executemany("INSERT INTO chunks VALUES (?,?,?)",
                     [(i + 1, int(d), v.tobytes()) for i, (d, v) in enumerate(zip(docs, vectors))])
    index = DenseIndex(384, ann_threshold=threshold)
    index.refresh(conn, 1)
    index._conn = conn
    return index


def test_ivf_recall_matches_exact_search_on_clustered_vectors():
    vectors, queries = _clustered(8000)
    index = _memory_index(vectors, np.arange(8000) // 100, threshold=1000)
    recalls = []
    for q in queries:
        approx = set(index.search(q, None, 10).ids.tolist())
        exact = set(index.search_exact(q, None, 10).ids.tolist())
        recalls.append(len(approx & exact) / 10)
    assert index._ann is not None
    assert np.mean(recalls) >= 0.95


def test_refresh_adds_and_removes_incrementally():
    vectors = unit_vectors(30)
    index = _memory_index(vectors, np.arange(30) // 10, threshold=10**9)
    conn = index._conn
    conn.execute("DELETE FROM chunks WHERE doc_id = 0")
    conn.execute("INSERT INTO chunks VALUES (?,?,?)", (31, 7, vectors[0].tobytes()))
    index.refresh(conn, 2)
    assert index.ids.tolist() == list(range(11, 32))
    top = index.search(vectors[0], None, 1)
    assert top.ids.tolist() == [31] and top.scores[0] == pytest.approx(1.0, abs=1e-5)
    assert np.isnan(index.score_ids(vectors[0], np.array([1, 31]))[0])


def test_exact_search_honours_the_mask():
    vectors = unit_vectors(20)
    index = _memory_index(vectors, np.arange(20) % 2, threshold=10**9)
    result = index.search(vectors[0], index.mask_for(np.array([1])), 5)
    assert len(result.ids) == 5 and all(i % 2 == 0 for i in result.ids.tolist())  # ids 2, 4, ... hold doc 1
    assert index.search(vectors[0], index.mask_for(np.array([9])), 5).ids.tolist() == []


def test_reciprocal_rank_fusion_adds_reciprocal_ranks():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1]], k=60)
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert list(fused)[:2] == [1, 3] and list(fused)[-1] == 2


def test_relative_score_fusion_keeps_the_size_of_a_gap():
    dense = {1: 0.49, 2: 0.48, 3: 0.45, 4: 0.20}
    keyword = {3: 12.5, 1: 3.0, 2: 2.5}
    fused = relative_score_fusion(dense, keyword, alpha=0.5)
    # 3 is far ahead on keywords and only a little behind on meaning.
    assert list(fused)[0] == 3
    assert fused[3] == pytest.approx(0.5 * (0.25 / 0.29) + 0.5 * 1.0)
    assert fused[1] == pytest.approx(0.5 * 1.0 + 0.5 * (0.5 / 10.0))
    assert fused[4] == 0.0
    assert list(fuse(dense, keyword, "rrf"))[0] == 1  # rank fusion ignores the gap
    with pytest.raises(ValueError):
        fuse(dense, keyword, "max")


def test_collapse_keeps_the_best_of_near_duplicates():
    items = ["The Committee will maintain the target range for the federal funds rate at 0 to 1/4 percent.",
             "the committee will maintain the target range for the federal funds rate at 0 to 1/4 percent",
             "Inflation has continued to run below the Committee's longer-run objective."]
    assert collapse_duplicates(items, str) == [items[0], items[2]]
    assert collapse_duplicates(items, str, limit=1) == [items[0]]


def test_keywords_and_fts_query_quote_every_term():
    assert keywords("What did the Committee say about the 1/4 percent range in the 8-K?") == [
        "committee", "1", "4", "percent", "range", "8"]
    words = keywords("Which statement raised the target range to 1/4 to 1/2 percent?")
    assert "statement" not in words and "raised" in words and "1" in words and "4" in words
    query = fts_query('NEAR("x" OR y) AND col:z')
    assert query is not None and all(part.startswith('"') and part.endswith('"') for part in query.split(" OR "))
    assert fts_query("the of and") is None


def test_sentences_split_prose_but_not_abbreviations():
    text = "Ulta Beauty, Inc. reported results. The call is at 4:30 p.m. ET on March 9.\n\nNet sales rose."
    assert sentences(text) == ["Ulta Beauty, Inc. reported results.", "The call is at 4:30 p.m. ET on March 9.", "Net sales rose."]


def test_table_rows_are_their_own_units():
    text = "Results were strong this quarter.\nNet sales $ 3,226.8 $ 2,729.4 $ 2,198.7\nFor 250,838,697\nThe end."
    units = candidate_units(text)
    assert "Net sales $ 3,226.8 $ 2,729.4 $ 2,198.7" in units and "For 250,838,697" in units


def test_title_terms_spell_out_dates_in_file_names():
    doc = make_doc("k", source="20120913.txt")
    assert "September 13 2012" in title_terms(doc, Chunk("t", 1, section="Policy"))
    assert "Policy" in title_terms(doc, Chunk("t", 1, section="Policy"))
    assert "ULTABEAUTY 2023Q4 EARNINGS" in title_terms(make_doc("u", source="ULTABEAUTY_2023Q4_EARNINGS.pdf"), Chunk("t", 1))


def test_defuse_makes_images_links_and_html_inert():
    text = 'See ![chart](http://evil.example/x.png) and [here](http://evil.example) <img src="http://e/x"> [1]: http://e'
    safe = defuse(text)
    assert "![" not in safe and "](" not in safe and "<img" not in safe
    assert "http://evil.example/x.png" in safe  # shown as text, not rendered


def test_select_quotes_prefers_sentences_with_the_question_terms():
    hit = Hit("1", make_doc("s", source="20081216.txt"),
              Chunk("The economy weakened further since the Committee met in October. The Committee established a "
                    "target range for the federal funds rate of 0 to 1/4 percent. Inflation has declined "
                    "considerably in recent months.", 1), 1.0)
    quotes = select_quotes("target range federal funds rate 0 to 1/4 percent", [hit])
    assert "0 to 1/4 percent" in quotes[0].text and quotes[0].label == "[20081216.txt p.1]"
    assert 2 <= len(quotes) <= 4
    markdown = quotes_markdown(quotes)
    assert markdown.startswith("> The Committee established") and "[20081216.txt p.1]" in markdown


def test_scope_needs_a_user():
    from tradeassist.core.errors import BadInputError

    with pytest.raises(BadInputError):
        Scope("")
    assert Scope("ann").allows(make_doc("x", collection="shared", user="bob"))
    assert not Scope("ann").allows(make_doc("x", collection="bob", user="bob"))
    assert make_chunks(["a"])[0].page == 1


def test_table_rows_of_bare_cells_are_quoted_with_their_caption_years():
    """A figure quoted without its year reads as any year's: the caption's years head the cells."""
    caption = "Consolidated Statements of Income (in millions) December 28, 2019 December 29, 2018 December 30, 2017"
    units = candidate_units(f"{caption}\nNet sales | 24,977 | 26,268 | 26,076\nOther | 1 | 2\n"
                            "Cost of sales | 2019: 16,830 | 2018: 17,347 | 2017: 17,043", table=True)
    assert "Net sales | 2019: 24,977 | 2018: 26,268 | 2017: 26,076 (in millions)" in units
    # Cells that do not fit the caption's years one to one are quoted as they are.
    assert "Other | 1 | 2 (in millions)" in units
    assert "Cost of sales | 2019: 16,830 | 2018: 17,347 | 2017: 17,043 (in millions)" in units
