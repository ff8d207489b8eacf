"""One notebook conversation: settings, the backend (in-process or a shared server), the turns.

The magics, the chat panel and the TradeAssist kernel all talk to a ``NotebookSession``; it keeps
the conversation so that follow-ups ("and for MSFT?") work, and picks where questions go:

- in-process (default): ``tradeassist.core.backend.Backend(settings)``; SQL typed with ``%sql`` always runs
  here, through the same backend's sql route;
- shared: with ``TRADEASSIST_SERVER_URL`` set, ``POST {url}/api/ask`` with the JSON body
  ``{question, route, user, context}`` and the JSON form of an answer back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tradeassist.core.answer import Answer, error_answer
from tradeassist.core.errors import BadInputError, DataSourceError, IngestError, TradeAssistError
from tradeassist.core.question import Question, Turn
from tradeassist.core.settings import Settings, load_settings

if TYPE_CHECKING:
    import pandas as pd

    from tradeassist.core.backend import Backend

#: How many earlier turns travel with a question (older ones rarely matter to a follow-up).
MAX_CONTEXT_TURNS = 8
#: Rows of each earlier answer sent to a shared server as context.
CONTEXT_ROWS = 50
#: Files per ``/api/ingest`` request (the chat server's per-request limit).
UPLOAD_BATCH = 10


class AnswerSource(Protocol):
    """Where questions are answered: the in-process backend or a shared server."""

    def ask(self, question: Question) -> Answer:
        """Answer one question; failures come back as an Answer with ``error`` set."""
        ...


class LocalSource:
    """Answers in this process through ``tradeassist.core.backend.Backend``."""

    def __init__(self, settings: Settings, backend: Backend | None = None):
        self.settings = settings
        self._backend = backend

    @property
    def backend(self) -> Backend:
        """The backend over this notebook's services, built on first use (models load when first asked)."""
        if self._backend is None:
            from tradeassist.core.backend import Backend
            from tradeassist.core.routes import build_services

            self._backend = Backend(build_services(self.settings))
        return self._backend

    def ask(self, question: Question) -> Answer:
        """Answer through the in-process backend."""
        return self.backend.ask_safely(question)


def context_json(context: Sequence[Turn]) -> list[dict[str, Any]]:
    """Earlier turns in the JSON form the shared server takes: question and JSON answer."""
    from tradeassist.core.jsonform import answer_to_json

    turns = []
    for turn in context:
        answer = answer_to_json(turn.answer) if turn.answer else None
        if answer is not None:
            # A follow-up needs the SQL and the shape, not every row: keep request bodies small.
            answer["rows"] = answer["rows"][:CONTEXT_ROWS]
            answer["chart"] = None
        turns.append({"question": turn.question, "answer": answer})
    return turns


class RemoteSource:
    """Answers through a shared tradeassist server's ``/api/ask`` endpoint."""

    def __init__(self, url: str, token: str | None = None, timeout_s: float = 120.0, client: Any = None):
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        # ``client``: an httpx.Client already pointed at the server (tests pass an in-process one).
        self._client = client or httpx.Client(base_url=self.url, timeout=timeout_s)
        self._client.headers.update(headers)

    def ask(self, question: Question) -> Answer:
        """POST the question; rebuild the Answer from the JSON form the server returns."""
        import httpx

        from tradeassist.core.jsonform import answer_from_json

        if question.frames:
            raise BadInputError("Notebook DataFrames (--df) are answered in-process, not by a shared server.")
        body = {
            "question": question.text,
            "route": question.route,
            "user": question.user,
            "context": context_json(question.context),
        }
        started = time.perf_counter()
        try:
            response = self._client.post("/api/ask", json=body)
        except httpx.HTTPError as exc:
            raise DataSourceError(f"The shared tradeassist server at {self.url} is unreachable: {exc}") from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or not ("route" in data or "error" in data):
            raise DataSourceError(
                f"The shared tradeassist server at {self.url} answered HTTP {response.status_code} "
                "without a JSON answer."
            )
        if "route" not in data:  # an error-only body, e.g. a refused token
            data = {**data, "route": question.route or "none"}
        answer = answer_from_json(data)
        return answer.with_timing(remote=(time.perf_counter() - started) * 1000)

    def ingest(self, files: Sequence[tuple[str, bytes]]) -> list[dict[str, Any]]:
        """POST files to ``/api/ingest`` (the server's document index); one result dict per file."""
        import httpx

        results: list[dict[str, Any]] = []
        # The server takes a few files per request; send them in batches of its size.
        for start in range(0, len(files), UPLOAD_BATCH):
            batch = files[start:start + UPLOAD_BATCH]
            try:
                response = self._client.post(
                    "/api/ingest", files=[("files", (name, data)) for name, data in batch]
                )
                body = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise DataSourceError(f"The shared tradeassist server at {self.url} did not take the files: {exc}") from exc
            if not isinstance(body, dict) or "files" not in body:
                error = (body or {}).get("error") if isinstance(body, dict) else None
                message = error["message"] if isinstance(error, dict) else f"HTTP {response.status_code}"
                raise IngestError(f"The shared server refused the upload: {message}")
            results.extend(body["files"])
        return results

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()


def source_for(settings: Settings, backend: Backend | None = None) -> AnswerSource:
    """The shared server when ``server_url`` is set (and no backend is given), else in-process."""
    if settings.server_url and backend is None:
        return RemoteSource(settings.server_url, settings.api_token)
    return LocalSource(settings, backend)


class NotebookSession:
    """A conversation inside a notebook: asks, remembers turns, runs SQL, ingests files."""

    def __init__(
        self,
        settings: Settings | None = None,
        backend: Backend | None = None,
        source: AnswerSource | None = None,
        user: str | None = None,
    ):
        self.settings = settings or load_settings()
        self.source = source or source_for(self.settings, backend)
        self.user = user or self.settings.user
        self.turns: list[Turn] = []
        self._local: LocalSource | None = source if isinstance(source, LocalSource) else None
        if backend is not None and self._local is None:
            self._local = LocalSource(self.settings, backend)

    @property
    def local(self) -> LocalSource:
        """The in-process source (used for notebook DataFrames even when a server is shared)."""
        if self._local is None:
            self._local = self.source if isinstance(self.source, LocalSource) else LocalSource(self.settings)
        return self._local

    def question(
        self, text: str, route: str | None = None, frames: dict[str, pd.DataFrame] | None = None
    ) -> Question:
        """The next Question of this conversation (earlier turns as context)."""
        return Question(
            text,
            route=route or None,
            context=tuple(self.turns[-MAX_CONTEXT_TURNS:]),
            user=self.user,
            frames=dict(frames or {}),
        )

    def ask(
        self,
        text: str,
        route: str | None = None,
        frames: dict[str, pd.DataFrame] | None = None,
        remember: bool = True,
    ) -> Answer:
        """Answer a question; never raises for bad input: the Answer carries the error."""
        started = time.perf_counter()
        try:
            question = self.question(text, route, frames)
            # The notebook's own DataFrames live in this process, so they are answered here.
            source = self.local if question.frames else self.source
            answer = source.ask(question)
        except TradeAssistError as exc:
            return error_answer(route or "none", exc, {"total": (time.perf_counter() - started) * 1000})
        if remember and answer.error is None:
            self.turns.append(Turn(question.text, answer))
        return answer

    def reset(self) -> None:
        """Forget the conversation (the next question starts afresh)."""
        self.turns.clear()

    # -- SQL typed by the person -------------------------------------------------------------

    def run_sql(self, statement: str) -> Answer:
        """Ask the backend's sql route to guard and run SQL as written; an Answer with SQL, table, chart.

        Answered in this process (the SQL names this notebook's database), and not remembered as a
        turn: a follow-up question plans from the conversation, not from hand-written SQL.
        """
        started = time.perf_counter()
        try:
            if not statement.strip():
                raise BadInputError("There is no SQL to run. Write a SELECT after %sql.")
            return self.local.ask(Question("", sql=statement, user=self.user))
        except TradeAssistError as exc:
            return error_answer("sql", exc, {"total": (time.perf_counter() - started) * 1000})

    # -- documents --------------------------------------------------------------------------

    def ingest(self, paths: Sequence[str | Path], progress: Callable[..., Any] | None = None) -> Any:
        """Ingest files or folders into this user's documents; returns the pipeline's IngestReport.

        With a shared server the files are uploaded to it, so its document index answers.
        """
        from tradeassist.ingest.pipeline import ingest_paths

        if isinstance(self.source, RemoteSource):
            return self._ingest_remote(paths)
        with self._document_index() as index:
            return ingest_paths([Path(p).expanduser() for p in paths], self.settings, user=self.user,
                                progress=progress, index=index)

    def ingest_upload(self, name: str, content: bytes) -> Any:
        """Ingest one uploaded file's bytes into this user's documents; the pipeline's FileResult."""
        from tradeassist.ingest.pipeline import ingest_bytes

        if isinstance(self.source, RemoteSource):
            return _file_result(self.source.ingest([(name, content)])[0])
        with self._document_index() as index:
            return ingest_bytes(name, content, self.settings, user=self.user, index=index)

    def _document_index(self) -> Any:
        """The document index, embedding with this notebook's services' model (the one the docs route uses)."""
        from tradeassist.retrieval.index import DocumentIndex

        services = self.local.backend.services
        return DocumentIndex.open(self.settings, embedder=services.embedder if services is not None else None)

    def _ingest_remote(self, paths: Sequence[str | Path]) -> Any:
        from tradeassist.ingest.pipeline import IngestReport, discover_files

        assert isinstance(self.source, RemoteSource)
        started = time.perf_counter()
        found, problems = discover_files(paths)
        results = self.source.ingest([(path.name, path.read_bytes()) for path in found])
        report = IngestReport(files=[*problems, *(_file_result(r) for r in results)])
        report.seconds = time.perf_counter() - started
        return report


def _file_result(data: dict[str, Any]) -> Any:
    """A shared server's per-file upload result as the pipeline's FileResult."""
    from tradeassist.ingest.pipeline import FileResult

    name = str(data.get("name") or "upload")
    error = data.get("error")
    return FileResult(
        path=name, source=name, status="failed" if error else "ok", reason=error or "",
        kind=data.get("kind") or "", pages=int(data.get("pages") or 0), chunks=int(data.get("chunks") or 0),
    )

