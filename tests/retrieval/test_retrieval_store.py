"""The embedded store: round trip, atomic replace under kill -9, concurrency, scope, dedupe."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from retrieval_helpers import make_chunks, make_doc, unit_vectors

from tradeassist.core.errors import BadInputError
from tradeassist.retrieval.records import Chunk
from tradeassist.retrieval.store import Scope



def test_round_trip_keeps_every_field(store):
    doc = make_doc("a", pages=3)
    chunks = [
        Chunk(text="Net sales rose to 3.2 billion.", page=2, section="Results", element_types=("Table",),
              html="<table><tr><td>3.2</td></tr></table>", ordinal=0),
        Chunk(text="The board met in May.", page=3, section="Governance", ordinal=1),
    ]
    vectors = unit_vectors(2)
    assert store.replace_document(doc, chunks, vectors) == 2
    assert store.has("a", "h1") and not store.has("a", "other") and not store.has("b", "h1")
    [stored] = store.documents()
    assert stored.info == doc and stored.chunks == 2 and stored.ingested_at
    hits = store.search("net sales", vectors[0], Scope("local"), k=5)
    assert hits[0].chunk == chunks[0]
    assert hits[0].document.key == "a" and hits[0].dense_score == pytest.approx(1.0, abs=1e-5)
    assert hits[0].keyword_score > 0


def test_replace_swaps_versions_without_duplicates(store):
    store.replace_document(make_doc("a"), make_chunks(["old text one", "old text two"]), unit_vectors(2))
    store.replace_document(make_doc("a", content_hash="h2"), make_chunks(["new text"]), unit_vectors(1, 5))
    [stored] = store.documents()
    assert stored.chunks == 1 and stored.info.content_hash == "h2"
    assert store.search("old", unit_vectors(1)[0], Scope("local"), mode="keyword") == []
    texts = [h.chunk.text for h in store.search("text", unit_vectors(1, 5)[0], Scope("local"))]
    assert texts == ["new text"]


def test_remove_respects_the_owner(store):
    store.replace_document(make_doc("mine", user="ann", collection="ann"), make_chunks(["x y z"]), unit_vectors(1))
    assert store.remove("mine", user="bob") is False
    assert store.remove("missing") is False
    assert store.remove("mine", user="ann") is True
    assert store.documents() == []
    assert store.search("x", unit_vectors(1)[0], Scope("ann")) == []


def test_wrong_vector_shape_is_refused(store):
    with pytest.raises(BadInputError, match="vectors"):
        store.replace_document(make_doc("a"), make_chunks(["one", "two"]), unit_vectors(1))


_CRASHING_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from retrieval_helpers import make_chunks, make_doc, unit_vectors
    from tradeassist.retrieval.embedded_store import EmbeddedStore

    store = EmbeddedStore({path!r})
    conn = store._connect()
    inserted = 0

    def trace(statement):
        # Die with SIGKILL halfway through writing the new version's chunks.
        global inserted
        if statement.startswith("INSERT INTO chunks("):
            inserted += 1
            if inserted == 3:
                os.kill(os.getpid(), signal.SIGKILL)

    conn.set_trace_callback(trace)
    store.replace_document(make_doc("a", content_hash="new"), make_chunks(["new %d" % i for i in range(6)]),
                           unit_vectors(6, 9))
    """
)


def test_kill_9_in_the_middle_of_replace_leaves_the_old_version(store, tmp_path):
    store.replace_document(make_doc("a", content_hash="old"), make_chunks(["old 0", "old 1", "old 2"]), unit_vectors(3))
    script = _CRASHING_WRITER.format(tests=str(Path(__file__).parent), path=str(store.path))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    store.close()
    from tradeassist.retrieval.embedded_store import EmbeddedStore

    reopened = EmbeddedStore(store.path)
    [stored] = reopened.documents()
    assert stored.info.content_hash == "old" and stored.chunks == 3
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == 3
    assert conn.execute("SELECT COUNT(*) FROM chunks_fts").fetchone()[0] == 3
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    # And the next writer succeeds: no lock or half-written state was left behind.
    reopened.replace_document(make_doc("a", content_hash="new"), make_chunks(["new 0"]), unit_vectors(1))
    assert [s.info.content_hash for s in reopened.documents()] == ["new"]
    reopened.close()


_WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from retrieval_helpers import make_chunks, make_doc, unit_vectors
    from tradeassist.retrieval.embedded_store import EmbeddedStore

    store = EmbeddedStore({path!r})
    for i in range(15):
        store.replace_document(make_doc("{name}-%d" % (i % 5), content_hash=str(i)),
                               make_chunks(["{name} text %d" % i] * 4), unit_vectors(4, i))
    print("done")
    """
)


def test_two_processes_write_and_a_third_reads_at_once(store):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER.format(tests=str(Path(__file__).parent),
                                                  path=str(store.path), name=name)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for name in ("p", "q")
    ]
    seen = set()
    while any(p.poll() is None for p in procs):
        # Reading while others write never sees a document with a partial set of chunks.
        for stored in store.documents():
            assert stored.chunks == 4
            seen.add(stored.info.key)
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-2000:]
    assert len(store.documents()) == 10
    assert all(s.chunks == 4 for s in store.documents())


def _fill_scoped(store):
    store.replace_document(make_doc("shared-doc"), make_chunks(["quarterly revenue grew strongly"]), unit_vectors(1, 1))
    store.replace_document(make_doc("ann-doc", user="ann", collection="ann-notes"),
                           make_chunks(["secret merger plan codename falcon"]), unit_vectors(1, 2))
    store.replace_document(make_doc("bob-doc", user="bob", collection="bob-notes"),
                           make_chunks(["bob's private trading diary"]), unit_vectors(1, 3))


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_user_b_never_retrieves_user_a_upload(store, mode):
    _fill_scoped(store)
    secret_vector = unit_vectors(1, 2)[0]
    bob_keys = {h.document.key for h in store.search("secret merger plan falcon", secret_vector, Scope("bob"), k=50, mode=mode)}
    assert "ann-doc" not in bob_keys
    ann_keys = {h.document.key for h in store.search("secret merger plan falcon", secret_vector, Scope("ann"), k=50, mode=mode)}
    assert "ann-doc" in ann_keys and "bob-doc" not in ann_keys
    assert {s.info.key for s in store.documents(user="bob")} == {"shared-doc", "bob-doc"}


def test_collections_narrow_the_scope_inside_the_search(store):
    _fill_scoped(store)
    hits = store.search("revenue diary", unit_vectors(1, 3)[0], Scope("bob", collections=("bob-notes",)), k=10)
    assert {h.document.key for h in hits} == {"bob-doc"}
    hits = store.search("revenue diary", unit_vectors(1, 3)[0], Scope("bob", collections=("shared",)), k=10)
    assert {h.document.key for h in hits} == {"shared-doc"}
    assert store.search("anything", unit_vectors(1)[0], Scope("bob", collections=("ann-notes",))) == []


def test_filter_applies_inside_the_approximate_index(tmp_path):
    # Force the IVF path (more visible vectors than the threshold) while a large private
    # document is invisible: a post-filter over the global top-k would come back short.
    from tradeassist.retrieval.dense import DenseIndex
    from tradeassist.retrieval.embedded_store import EmbeddedStore

    store = EmbeddedStore(tmp_path / "s.sqlite3", dense=DenseIndex(384, ann_threshold=50))
    store.replace_document(make_doc("big"), make_chunks([f"common words {i}" for i in range(300)]), unit_vectors(300, 4))
    bob_vectors = unit_vectors(200, 5)
    store.replace_document(make_doc("bob-doc", user="bob", collection="bob"),
                           make_chunks([f"bob words {i}" for i in range(200)]), bob_vectors)
    store.replace_document(make_doc("ann-doc", user="ann", collection="ann"), make_chunks(["ann only"] * 3), unit_vectors(3, 8))
    hits = store.search("bob words", bob_vectors[0], Scope("ann"), k=10, mode="dense")
    assert store.dense._ann is not None, "the approximate index was not used"
    assert len(hits) == 10 and "bob-doc" not in {h.document.key for h in hits}
    narrow = store.search("bob words", bob_vectors[0], Scope("ann", collections=("ann",)), k=10, mode="dense")
    assert {h.document.key for h in narrow} == {"ann-doc"}
    store.close()


def test_near_duplicate_chunks_are_collapsed(store):
    boiler = ("Voting for the FOMC monetary policy action were Ben Bernanke, Chairman; William Dudley, "
              "Vice Chairman; Elizabeth Duke; Charles Evans; and Janet Yellen.")
    store.replace_document(make_doc("s1"), make_chunks([boiler, "The Committee raised rates."]), unit_vectors(2, 1))
    store.replace_document(make_doc("s2"), make_chunks([boiler + " ", "The Committee held rates."]), unit_vectors(2, 2))
    hits = store.search("voting monetary policy action Bernanke", unit_vectors(1, 1)[0], Scope("local"), k=10)
    assert sum("Voting for the FOMC" in h.chunk.text for h in hits) == 1


def test_keyword_search_treats_fts_syntax_as_words(store):
    store.replace_document(make_doc("a"), make_chunks(['He said "NEAR" OR AND * ( ) : ^ -x']), unit_vectors(1))
    for query in ['NEAR(a b', '" OR "', "AND * ^ :", "col:value", "'; DROP TABLE chunks; --"]:
        store.search(query, unit_vectors(1)[0], Scope("local"), mode="keyword")  # must not raise
    assert store.documents()[0].chunks == 1
