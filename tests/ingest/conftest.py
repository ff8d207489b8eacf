"""Fixtures for the ingest tests: a warm parser and a real document index in a private home."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def warm_parser():
    """unstructured and its spaCy model loaded once for the whole session (several seconds)."""
    from ingest.worker import warm_up

    warm_up()


@pytest.fixture
def one_torch_thread():
    """One intra-op torch thread for the test's embeddings, restored afterwards.

    On a shared CI machine torch's spinning threads made each small embed call ~10x slower.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def index(settings, one_torch_thread):
    """The real document index (embedded store + MiniLM) under the test's private home."""
    from retrieval.index import DocumentIndex

    opened = DocumentIndex.open(settings)
    yield opened
    opened.close()


@pytest.fixture
def parse(warm_parser, tmp_path):
    """Write bytes to a file named ``name`` in tmp and parse it in this process."""
    from ingest.limits import Limits
    from ingest.worker import ParseJob, parse_file

    def run(name: str, data: bytes, limits: Limits | None = None):
        path = tmp_path / "files" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return parse_file(ParseJob(str(path), name, limits or Limits()))

    return run
