"""The services object: built from one Settings, passed down, and independent of any other."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tradeassist.core.backend import Backend
from tradeassist.core.errors import ConfigError
from tradeassist.core.routes import build_services
from tradeassist.core.settings import Settings, load_settings

TODAY = dt.date(2026, 11, 20)  # the pinned date of tests/conftest.py
COUNT_TRADES = "SELECT count(*) AS n FROM trades"


def _small_database(path) -> str:
    """A DuckDB file with three trades (the demo database has hundreds)."""
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE trades (trade_id INTEGER PRIMARY KEY, symbol VARCHAR, quantity INTEGER)")
        conn.execute("INSERT INTO trades VALUES (1, 'AAPL', 10), (2, 'MSFT', 5), (3, 'AAPL', 7)")
    return str(path)


def _count(backend: Backend) -> int:
    answer = backend.ask(COUNT_TRADES, route="sql")
    assert answer.error is None and answer.route == "sql"
    return int(answer.table.frame["n"].iloc[0])


def test_two_services_answer_from_their_own_home_and_database(tmp_path, demo_duckdb):
    demo = Settings(home=tmp_path / "home-a", db_url=str(demo_duckdb), today=TODAY)
    small = Settings(home=tmp_path / "home-b", db_url=_small_database(tmp_path / "small.duckdb"), today=TODAY)
    first, second = Backend(build_services(demo)), Backend(build_services(small))

    assert _count(second) == 3
    assert _count(first) > 100  # the demo's trades, not the small file's
    assert _count(second) == 3  # asking the demo in between changed nothing here

    # Taught SQL is stored in one home and matched by that home's backend only.
    first.router.by_name("sql").teacher().teach("how many trades are there", COUNT_TRADES)
    assert [pair.question for pair in first.router.by_name("sql").teacher().pairs()] == ["how many trades are there"]
    assert second.router.by_name("sql").teacher().pairs() == []
    assert not (tmp_path / "home-b" / "taught_sql.jsonl").exists()

    # Every long-lived part belongs to one services object; none is shared through the process.
    a, b = first.services, second.services
    assert a.embedder is not b.embedder and a.signal_engines is not b.signal_engines
    assert (a.embedder.home, b.embedder.home) == (tmp_path / "home-a", tmp_path / "home-b")
    assert a.classifier is not b.classifier
    for route in a.routes:
        assert route not in b.routes and route.settings is demo


def test_routes_get_their_parts_from_their_own_services(tmp_path):
    offline = Settings(home=tmp_path / "offline", today=TODAY)
    local = offline.model_copy(update={"home": tmp_path / "local", "vllm_url": "http://127.0.0.1:9/v1",
                                       "vllm_model": "m-one"})
    other = local.model_copy(update={"vllm_url": "http://127.0.0.1:10/v1", "vllm_model": "m-two"})

    none, one, two = build_services(offline), build_services(local), build_services(other)
    assert none.gateway is None and none.tie_breaker is None
    assert one.gateway is not two.gateway
    assert [p.base_url for p in one.gateway.providers] == ["http://127.0.0.1:9/v1"]
    assert [p.base_url for p in two.gateway.providers] == ["http://127.0.0.1:10/v1"]
    for services in (one, two):
        sql, docs, signals = services.routes
        # Each route got its parts in its constructor, from the services that own them.
        assert sql.llm_engine.gateway is services.gateway and docs.writer.gateway is services.gateway
        assert services.tie_breaker.gateway is services.gateway
        assert docs.embedder is services.embedder and signals.engines is services.signal_engines
    # The same settings twice: two gateways, since no gateway is kept between calls.
    assert build_services(local).gateway is not one.gateway


def test_shared_parts_are_lent_only_when_asked(tmp_path):
    auto = build_services(Settings(home=tmp_path / "home", today=TODAY, vllm_url="http://127.0.0.1:9/v1"))
    offline = build_services(auto.settings.model_copy(update={"offline_only": True}), shared=auto)
    assert offline.gateway is None and auto.gateway is not None
    assert offline.embedder is auto.embedder and offline.signal_engines is auto.signal_engines
    assert offline.routes[1].embedder is auto.embedder


def test_backend_from_settings_builds_its_own_services(tmp_path):
    settings = Settings(home=tmp_path / "home", today=TODAY)
    backend = Backend(settings)
    assert backend.services.settings is settings and backend.route_names() == ["sql", "docs", "signals"]
    assert Backend(settings).services.embedder is not backend.services.embedder


def test_chat_settings_keep_their_environment_names(monkeypatch):
    monkeypatch.setenv("TRADEASSIST_ASK_WORKERS", "7")
    monkeypatch.setenv("TRADEASSIST_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("TRADEASSIST_UPLOAD_MAX_MB", "12.5")
    monkeypatch.setenv("TRADEASSIST_CHAT_ROUTES", "my_routes:build")
    settings = load_settings()
    assert (settings.ask_workers, settings.redis_url, settings.upload_max_mb, settings.chat_routes) == (
        7, "redis://127.0.0.1:6379/0", 12.5, "my_routes:build")
    monkeypatch.setenv("TRADEASSIST_LOGIN_WINDOW_S", "0")
    with pytest.raises(ConfigError, match="TRADEASSIST_LOGIN_WINDOW_S"):
        load_settings()
