"""The chat's backend pool: deployment routes share the services' parts; charts are made in the question's thread."""

from __future__ import annotations

import asyncio
import sys
import textwrap

import pytest

from tradeassist.chat.service import BackendPool, build_question
from tradeassist.core.answer import Chart, Notice, Text
from tradeassist.core.settings import Settings

TODAY = "2026-11-20"

ROUTES_MODULE = '''
import threading

from tradeassist.core.answer import Answer, Chart, Text
from tradeassist.core.routes import default_routes

#: Names of the threads chart builders ran in.
BUILT_IN = []


def _figure():
    import plotly.graph_objects as go

    BUILT_IN.append(threading.current_thread().name)
    return go.Figure(data=[{"type": "bar", "x": ["a"], "y": [1]}])


def _broken():
    raise ValueError("no such column")


class ChartRoute:
    name = "charts"
    description = "Draws a chart, or a broken one."

    def claim(self, question):
        return 0.0

    def answer(self, question):
        builder = _broken if "broken" in question.text else _figure
        return Answer(route=self.name, parts=(Text("here"), Chart(builder, kind="bar")))


def extended(settings, inputs):
    return (*default_routes(settings, inputs), ChartRoute())


def older(settings):
    return (*default_routes(settings), ChartRoute())
'''


@pytest.fixture
def routes_module(tmp_path, monkeypatch):
    """A deployment's routes module, importable as ``deployment_routes``."""
    (tmp_path / "deployment_routes.py").write_text(textwrap.dedent(ROUTES_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield __import__("deployment_routes")
    sys.modules.pop("deployment_routes", None)


def _settings(tmp_path, **changes) -> Settings:
    return Settings(home=tmp_path / "home", today=TODAY, offline_only=True, **changes)


def test_a_routes_function_extends_the_services_being_built(tmp_path, routes_module):
    pool = BackendPool(_settings(tmp_path), "deployment_routes:extended")
    services = pool.services
    assert [route.name for route in services.routes] == ["sql", "docs", "signals", "charts"]
    docs, signals = services.routes[1], services.routes[2]
    # The product's routes came from this services object: no second embedder or signal engines.
    assert docs.embedder is services.embedder
    assert signals.engines is services.signal_engines


def test_an_older_routes_function_of_settings_still_works(tmp_path, routes_module):
    pool = BackendPool(_settings(tmp_path), "deployment_routes:older")
    assert [route.name for route in pool.services.routes] == ["sql", "docs", "signals", "charts"]


def test_charts_are_made_in_the_question_thread_and_a_broken_one_is_a_warning(tmp_path, routes_module):
    pool = BackendPool(_settings(tmp_path), "deployment_routes:extended")

    async def ask(text):
        return await pool.ask_async(build_question(text, user="alice", route="charts"))

    answer = asyncio.run(ask("draw it"))
    assert answer.error is None and routes_module.BUILT_IN
    assert all(name.startswith("tradeassist-ask") for name in routes_module.BUILT_IN)
    shown = len(routes_module.BUILT_IN)
    assert answer.chart.figure is answer.chart.figure and len(routes_module.BUILT_IN) == shown  # made once

    broken = asyncio.run(ask("draw the broken one"))
    assert broken.error is None and broken.text == "here"
    assert broken.chart is None
    assert [n.level for n in broken.notices] == ["warning"] and "ValueError" in broken.notices[0].message
