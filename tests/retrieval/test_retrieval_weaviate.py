"""The Weaviate store against a real server: runs when TRADEASSIST_TEST_WEAVIATE_URL is set."""

from __future__ import annotations

import os
import uuid

import pytest
from retrieval_helpers import make_chunks, make_doc, unit_vectors

from tradeassist.retrieval.store import Scope

URL = os.environ.get("TRADEASSIST_TEST_WEAVIATE_URL")
pytestmark = pytest.mark.skipif(
    not URL, reason="set TRADEASSIST_TEST_WEAVIATE_URL (e.g. http://localhost:8080) to run against Weaviate"
)


@pytest.fixture
def weaviate_store(monkeypatch):
    import tradeassist.retrieval.weaviate_store as ws

    # Collections of this run only, removed afterwards.
    suffix = uuid.uuid4().hex[:8]
    monkeypatch.setattr(ws, "DOCUMENTS", f"TestDocument{suffix}")
    monkeypatch.setattr(ws, "CHUNKS", f"TestChunk{suffix}")
    store = ws.WeaviateStore.connect(URL)
    yield store
    store.client.collections.delete(ws.DOCUMENTS)
    store.client.collections.delete(ws.CHUNKS)
    store.close()


def test_round_trip_replace_and_remove(weaviate_store):
    store = weaviate_store
    store.replace_document(make_doc("a"), make_chunks(["old text about rates"] * 2), unit_vectors(2))
    store.replace_document(make_doc("a", content_hash="h2"), make_chunks(["new text about rates"]), unit_vectors(1, 3))
    assert store.has("a", "h2") and not store.has("a", "h1")
    hits = store.search("rates", unit_vectors(1, 3)[0], Scope("local"), k=10)
    assert [h.chunk.text for h in hits] == ["new text about rates"]
    assert store.remove("a", user="someone-else") is False
    assert store.remove("a") is True and store.documents() == []


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_user_b_never_retrieves_user_a_upload(weaviate_store, mode):
    store = weaviate_store
    store.replace_document(make_doc("ann", user="ann", collection="ann"), make_chunks(["secret falcon merger plan"]), unit_vectors(1, 1))
    store.replace_document(make_doc("shared"), make_chunks(["public market commentary"]), unit_vectors(1, 2))
    keys = {h.document.key for h in store.search("secret falcon merger", unit_vectors(1, 1)[0], Scope("bob"), k=10, mode=mode)}
    assert "ann" not in keys
    keys = {h.document.key for h in store.search("secret falcon merger", unit_vectors(1, 1)[0], Scope("ann"), k=10, mode=mode)}
    assert "ann" in keys
