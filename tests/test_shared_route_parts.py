"""Parts a route makes on first use are made once when the chat's worker threads ask together."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tradeassist.sql import llm_engine, teach
from tradeassist.retrieval import index as index_module
from tradeassist.retrieval.route import DocsRoute
from tradeassist.sql.route import SqlRoute

THREADS = 8


def _made_once(make, monkeypatch_target, monkeypatch, attribute: str, read):
    """Read a lazy part from THREADS threads at once; return the distinct results and the number made."""
    made = []

    def slow_make(*args, **kwargs):
        time.sleep(0.05)  # wide enough that unlocked readers would all see "not made yet"
        made.append(1)
        return make(*args, **kwargs)

    monkeypatch.setattr(monkeypatch_target, attribute, slow_make)
    start = threading.Barrier(THREADS)

    def reader(_):
        start.wait()
        return read()

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(reader, range(THREADS)))
    return {id(result) for result in results}, len(made)


def test_sql_route_teacher_is_made_once(settings, monkeypatch):
    route = SqlRoute(settings)
    distinct, made = _made_once(lambda _settings: object(), teach, monkeypatch, "Teacher", route.teacher)
    assert (len(distinct), made) == (1, 1)


def test_docs_route_index_is_opened_once(settings, monkeypatch):
    route = DocsRoute(settings)
    distinct, made = _made_once(lambda *a, **k: object(), index_module.DocumentIndex, monkeypatch, "open",
                                lambda: route.index)
    assert (len(distinct), made) == (1, 1)


def test_vanna_class_is_made_once(monkeypatch):
    monkeypatch.setattr(llm_engine, "_CLASS", None)

    def read():
        llm_engine.CatalogVanna(None, [], today="2026-01-02")
        return llm_engine._CLASS

    distinct, made = _made_once(lambda: (lambda *a, **k: None), llm_engine, monkeypatch,
                                "_make_catalog_vanna", read)
    assert (len(distinct), made) == (1, 1)
