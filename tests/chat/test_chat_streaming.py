"""The chat shows model-written text token by token (stream_start / stream_token), then the whole answer."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import httpx
import pytest

from tradeassist.chat.wsclient import ChatClient, login_cookie
from chat_pdf import make_pdf
from chat_servers import start_chat_server, stop_chat_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gateway"))
from llm_server import LlmServer, Reply  # noqa: E402

_LABEL = re.compile(r"^\[ops_manual\.pdf p\.\d+\]$", re.MULTILINE)


def _grounded_reply(body: dict) -> Reply:
    """Answers from the excerpt the prompt fenced, citing its label (any other request: a plain reply)."""
    prompt = str((body.get("messages") or [{}])[-1].get("content", ""))
    label = _LABEL.search(prompt)
    if label is None:
        return Reply("docs")
    return Reply(f"Equity trades settle two business days after the trade date {label[0]}. "
                 "![pixel](http://evil.example/p.png)", chunk_delay_s=0.01)


@pytest.fixture(scope="module")
def streaming_server(tmp_path_factory, demo_duckdb):
    """A chat server whose local model is the scripted server."""
    with LlmServer(_grounded_reply) as local:
        server = start_chat_server(tmp_path_factory.mktemp("chat-stream"), demo_duckdb, {
            "TRADEASSIST_OFFLINE_ONLY": "false", "TRADEASSIST_VLLM_URL": local.url,
            "TRADEASSIST_VLLM_MODEL": "local-model"})
        try:
            yield server, local
        finally:
            stop_chat_server(server)


def test_docs_answer_streams_token_by_token(streaming_server):
    server, local = streaming_server
    pdf = make_pdf([["Operations manual"], ["Settlement of equity trades happens two business days after trade date."]])
    with httpx.Client(base_url=server.url, timeout=120) as http:
        ingest = http.post("/api/ingest", files={"files": ("ops_manual.pdf", pdf)},
                           headers={"Authorization": f"Bearer {server.token}"})
        assert ingest.status_code == 200, ingest.text

    async def talk():
        cookie = await login_cookie(server.url, server.user, server.password)
        chat = ChatClient(server.url, cookie)
        events: list[tuple[str, dict]] = []
        chat.sio.on("stream_start", lambda step: events.append(("start", step)))
        chat.sio.on("stream_token", lambda token: events.append(("token", token)))
        await chat.connect()
        reply = await chat.ask("What do my documents say about the settlement of equity trades?", timeout=120)
        await chat.close()
        return reply, events

    reply, events = asyncio.run(talk())
    assert events and events[0][0] == "start", server.log_text()[-2000:]
    streamed_id = events[0][1]["id"]
    drafts = [events[0][1]["output"]] + [e[1]["token"] for e in events[1:]]
    assert len(drafts) >= 5 and all(e[1]["id"] == streamed_id and e[1]["isSequence"] for e in events[1:])
    # Each update is the draft so far (cleaned), growing piece by piece.
    assert all(later.startswith(earlier) and len(later) > len(earlier) for earlier, later in zip(drafts, drafts[1:]))
    assert drafts[0] == "Equity" and drafts[-1].startswith("Equity trades settle two business days")
    # The streamed message is finished with the whole answer, once: no second copy of the text.
    answers = [m for m in reply.messages if "Equity trades settle" in str(m.get("output"))]
    assert len(answers) == 1 and answers[0]["id"] == streamed_id
    assert str(answers[0]["output"]).count("Equity trades settle") == 1 and "Sources:" in answers[0]["output"]
    assert not any("![" in draft for draft in drafts) and "[image removed" in drafts[-1]  # never fetched
    assert local.finished_streams >= 1
