"""A scripted OpenAI-compatible HTTP server on a free loopback port, with fault injection.

The only test double of the model: real clients (LangChain ChatOpenAI / ChatAnthropic, the OpenAI
SDK, vanna through the gateway) talk HTTP to it. Each request takes the next step of the script
(the last step repeats), or a function of the request body decides the step:

    Reply(text)                    a completion; streamed as SSE when the request asks to stream
    Reply(text, first_delay_s=3)   a slow first token
    Status(429) / Status(503)      an error status (optionally with Retry-After)
    Malformed()                    a 200 whose JSON (or SSE data) does not parse
    Reply(text, cut_after=2)       a stream cut halfway (no end of the chunked body)

``closed_port_url()`` gives a URL where nothing listens (connection refused).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    """A completion: text, usage, a delay before the first token, pacing, an optional cut."""

    text: str = "ok"
    tokens_in: int = 12
    tokens_out: int | None = None
    first_delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    cut_after: int | None = None
    finish_reason: str | None = "stop"  # "length": the token limit cut it; None: a stream ended early


@dataclass(frozen=True)
class Status:
    """An HTTP error status with an OpenAI-style error body."""

    code: int
    retry_after: float | None = None


@dataclass(frozen=True)
class Malformed:
    """A 200 response whose body is not valid JSON."""


Step = Reply | Status | Malformed


class LlmServer:
    """The server; use as a context manager. ``requests`` records every request body."""

    def __init__(self, script: Sequence[Step] | Callable[[dict], Step] = (Reply(),), *, model: str = "test-model"):
        self.script = script
        self.model = model
        self.requests: list[dict] = []
        self.disconnects = 0
        self.chunks_sent: list[int] = []
        self.finished_streams = 0
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> LlmServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on a free loopback port in a daemon thread."""
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        """The OpenAI base URL (``.../v1``)."""
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def root(self) -> str:
        """The server address without ``/v1`` (what Anthropic's client wants)."""
        return self.url[: -len("/v1")]

    @property
    def completions(self) -> int:
        """How many completion requests arrived (the upstream call count)."""
        with self._lock:
            return sum(1 for r in self.requests if r["path"] != "/v1/models")

    def next_step(self, body: dict) -> Step:
        """The step for this request."""
        if callable(self.script):
            return self.script(body)
        with self._lock:
            index = min(self.completions - 1, len(self.script) - 1)
        return self.script[max(0, index)]


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (timeouts, cancelled streams) is expected here, not an error to print."""

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            super().handle_error(request, client_address)


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_state: LlmServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as separate writes; without NODELAY, Nagle's algorithm and
        # delayed ACKs add ~40 ms per response on loopback and would swamp what is measured.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args: object) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        state = self.server_state
        with state._lock:
            state.requests.append({"path": self.path, "body": {}, "headers": {k.lower(): v for k, v in self.headers.items()}})
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": state.model, "object": "model", "created": 0,
                                                         "owned_by": "test"}]})
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:  # noqa: N802
        state = self.server_state
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        with state._lock:
            state.requests.append({"path": self.path, "body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
        step = state.next_step(body)
        anthropic = self.path.endswith("/messages")
        if isinstance(step, Status):
            headers = {"retry-after": f"{step.retry_after:g}"} if step.retry_after is not None else {}
            self._json(step.code, {"error": {"message": f"scripted {step.code}", "type": "server_error",
                                             "code": step.code}}, headers)
            return
        if isinstance(step, Malformed):
            if body.get("stream"):
                self._begin_stream()
                self._chunk(b'data: {"choices": [{"delta": {"content": "x"\n\n')
                self._end_stream()
            else:
                self._raw(200, b'{"id": "x", "choices": [ {"message": ', "application/json")
            return
        if step.first_delay_s:
            time.sleep(step.first_delay_s)
        if anthropic:
            self._anthropic(step, body)
        elif body.get("stream"):
            self._stream(step, body)
        else:
            self._json(200, _completion(state.model, step))

    # ------------------------------------------------------------------ OpenAI streaming
    def _stream(self, step: Reply, body: dict) -> None:
        state = self.server_state
        pieces = _pieces(step.text)
        sent = 0
        self._begin_stream()
        try:
            for index, piece in enumerate(pieces):
                if step.cut_after is not None and index >= step.cut_after:
                    self.close_connection = True
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)  # no terminating chunk: a cut body
                    return
                delta = {"content": piece} if index else {"role": "assistant", "content": piece}
                self._event({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": state.model,
                             "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
                sent += 1
                if step.chunk_delay_s:
                    time.sleep(step.chunk_delay_s)
            self._event({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": state.model,
                         "choices": [{"index": 0, "delta": {}, "finish_reason": step.finish_reason}]})
            if (body.get("stream_options") or {}).get("include_usage"):
                self._event({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": state.model,
                             "choices": [], "usage": _usage(step)})
            self._chunk(b"data: [DONE]\n\n")
            self._end_stream()
            with state._lock:
                state.finished_streams += 1
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            with state._lock:
                state.disconnects += 1
            self.close_connection = True
        finally:
            with state._lock:
                state.chunks_sent.append(sent)

    def _anthropic(self, step: Reply, body: dict) -> None:
        usage = _usage(step)
        self._json(200, {"id": "msg_1", "type": "message", "role": "assistant", "model": self.server_state.model,
                         "content": [{"type": "text", "text": step.text}], "stop_reason": "end_turn",
                         "stop_sequence": None,
                         "usage": {"input_tokens": usage["prompt_tokens"], "output_tokens": usage["completion_tokens"]}})

    # ------------------------------------------------------------------ plumbing
    def _begin_stream(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

    def _event(self, payload: dict) -> None:
        self._chunk(b"data: " + json.dumps(payload).encode() + b"\n\n")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _json(self, code: int, payload: dict, headers: dict | None = None) -> None:
        self._raw(code, json.dumps(payload).encode(), "application/json", headers)

    def _raw(self, code: int, data: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(code)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [word if i == 0 else " " + word for i, word in enumerate(words)] or [""]


def _usage(step: Reply) -> dict:
    out = step.tokens_out if step.tokens_out is not None else max(1, len(step.text.split()))
    return {"prompt_tokens": step.tokens_in, "completion_tokens": out, "total_tokens": step.tokens_in + out}


def _completion(model: str, step: Reply) -> dict:
    return {"id": "c1", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": step.text},
                         "finish_reason": step.finish_reason}],
            "usage": _usage(step)}
