"""Grounded docs answers streamed piece by piece to ``Question.on_text``, and stopped by ``cancel``."""

from __future__ import annotations

import threading
import time

import pytest
from llm_server import LlmServer, Reply

from tradeassist.core.gateway import Gateway
from tradeassist.core.question import Question
from tradeassist.retrieval.grounded import GroundedWriter
from tradeassist.retrieval.records import Chunk, DocumentInfo

STATEMENT = "The Committee decided to maintain the target range at 5.25 to 5.5 percent. Inflation remains elevated."
REPLY = "The Committee kept the target range at 5.25 to 5.5 percent [fomc.pdf p.3]."
QUESTION = "what did the committee decide about the target range?"


@pytest.fixture(scope="module")
def fomc_index(tmp_path_factory):
    """A real document index (embedded store, MiniLM) holding one short statement."""
    from tradeassist.core.settings import Settings
    from tradeassist.retrieval.index import DocumentIndex

    index = DocumentIndex.open(Settings(home=tmp_path_factory.mktemp("docs-stream-home")))
    doc = DocumentInfo(key="fomc.pdf", source="fomc.pdf", path="/docs/fomc.pdf", content_hash="h1", pages=3)
    index.replace_document(doc, [Chunk(text=STATEMENT, page=3)])
    yield index
    index.close()


def _route(settings, index):
    from tradeassist.retrieval.route import DocsRoute

    return DocsRoute(settings, writer=GroundedWriter(Gateway.from_settings(settings), settings), index=index)


def test_pieces_arrive_in_order_and_join_to_the_answer(model_settings, fomc_index):
    pieces: list[str] = []
    with LlmServer([Reply(REPLY)]) as local:
        answer = _route(model_settings(local=local), fomc_index).answer(Question(QUESTION, on_text=pieces.append))
        assert local.requests[-1]["body"].get("stream") is True
    assert answer.model.provider == "vllm" and answer.model.method == "llm"
    assert len(pieces) == len(REPLY.split(" ")) > 5
    assert pieces[0] == "The" and pieces[1] == " Committee"
    assert "".join(pieces) == answer.text == REPLY


def test_without_on_text_the_complete_path_is_used(model_settings, fomc_index):
    with LlmServer([Reply(REPLY)]) as local:
        answer = _route(model_settings(local=local), fomc_index).answer(Question(QUESTION))
        assert not local.requests[-1]["body"].get("stream")
    assert answer.text == REPLY


def test_cancel_stops_the_stream_and_the_server_sees_the_client_leave(model_settings, fomc_index):
    words = " ".join(f"word{i}" for i in range(60))
    cancel = threading.Event()
    pieces: list[str] = []

    def collect(piece: str) -> None:
        pieces.append(piece)
        if len(pieces) == 3:
            cancel.set()  # what the chat does when the person presses stop

    with LlmServer([Reply(f"{words} [fomc.pdf p.3].", chunk_delay_s=0.02)]) as local:
        answer = _route(model_settings(local=local), fomc_index).answer(
            Question(QUESTION, on_text=collect, cancel=cancel))
        deadline = time.monotonic() + 5
        while local.disconnects == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert local.disconnects == 1 and local.finished_streams == 0
        assert local.chunks_sent[-1] < 60
    assert len(pieces) == 3
    # A stopped model answer is not shown as an answer: the route answers from the passages instead.
    assert answer.model.method == "extractive" and "stopped" in answer.notices[0].message
    assert "word10" not in answer.text
