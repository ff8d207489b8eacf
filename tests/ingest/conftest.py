"""Fixtures for the ingest tests: a warm parser and a real document index in a private home."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def warm_parser():
    """unstructured and its spaCy model loaded once for the whole session (several seconds)."""
    from tradeassist.ingest.worker import warm_up

    warm_up()


@pytest.fixture
def index(settings):
    """The real document index (embedded store + MiniLM) under the test's private home."""
    from tradeassist.retrieval.index import DocumentIndex

    opened = DocumentIndex.open(settings)
    yield opened
    opened.close()


@pytest.fixture
def parse(warm_parser, tmp_path):
    """Write bytes to a file named ``name`` in tmp and parse it in this process."""
    from tradeassist.ingest.limits import Limits
    from tradeassist.ingest.worker import ParseJob, parse_file

    def run(name: str, data: bytes, limits: Limits | None = None):
        path = tmp_path / "files" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return parse_file(ParseJob(str(path), name, limits or Limits()))

    return run
