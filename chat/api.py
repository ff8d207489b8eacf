"""The HTTP API on the chat's server: ``/api/ask``, ``/api/ingest``, ``/api/health``, element files.

Every call but ``/health`` needs ``Authorization: Bearer <token>``: a token issued by
``tradeassist users token NAME`` (acts as NAME) or ``TRADEASSIST_API_TOKEN`` (acts as the user
named in the request, default ``api``). Each user has a token-bucket rate limit.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import shutil
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, File, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from tradeassist.core.errors import BadInputError, TradeAssistError
from tradeassist.core.jsonform import answer_from_json, answer_to_json, error_json, json_safe_state
from tradeassist.core.question import Turn

from tradeassist.chat.api_docs import add_offline_docs
from tradeassist.chat.bodylimit import AuthFirst
from tradeassist.chat.headers import FILE_POLICY, is_safe_type
from tradeassist.chat.history import LocalFileStorage
from tradeassist.chat.safety import UploadLimits, inert_answer_json, screen_upload
from tradeassist.chat.service import ROUTE_CHOICES, BackendPool, build_question
from tradeassist.chat.signing import Signer, state_signer
from tradeassist.chat.users import UserStore

SERVICE_USER = "api"
#: Largest ``/api/ask`` body: a question with its follow-up context (answers without their rows).
ASK_MAX_BODY = 8 * 1024 * 1024


class ContextTurn(BaseModel):
    """An earlier exchange sent along for follow-ups: the question and, optionally, its JSON answer."""

    question: str
    answer: dict[str, Any] | None = None


class AskRequest(BaseModel):
    """Body of ``POST /api/ask``."""

    question: str = Field(..., description="The plain-English question.")
    route: Literal["auto", "sql", "docs", "signals"] | None = Field(None, description="Force a route.")
    user: str | None = Field(None, description="Whose documents to search (service token only).")
    context: list[ContextTurn] = Field(
        default_factory=list, description="Earlier turns, oldest first (answers as returned, with 'state')."
    )
    model: Literal["auto", "offline"] = Field("auto", description="'offline' forbids language models.")


class Caller(BaseModel):
    """Who an API request acts as, after the token is checked."""

    user: str
    service: bool = False


def _error(status: int, type_name: str, message: str, headers: dict | None = None) -> HTTPException:
    return HTTPException(status, detail={"type": type_name, "message": message}, headers=headers)


def create_api(
    pool: BackendPool,
    users: UserStore,
    limiter,
    *,
    service_token: str | None = None,
    storage: LocalFileStorage | None = None,
    upload_limits: UploadLimits = UploadLimits(),
    state_key: bytes | None = None,
) -> FastAPI:
    """The API app, to be mounted at ``/api`` on the chat's server.

    ``state_key`` signs the route state sent with each answer, so that a follow-up's context is
    trusted only as this server issued it (a random key per process when not given).
    """
    signer = state_signer(state_key or secrets.token_bytes(32))
    api = FastAPI(
        title="tradeassist API",
        version="0.1.0",
        description="Ask questions about trading data, documents and signals; ingest documents.",
        openapi_url="/openapi.json",
        docs_url=None,  # FastAPI's page loads Swagger UI from a CDN; add_offline_docs serves it locally
        redoc_url=None,
    )
    add_offline_docs(api)
    bearer = HTTPBearer(auto_error=False)

    def token_ok(token: str) -> bool:
        if service_token and hmac.compare_digest(token.encode(), service_token.encode()):
            return True
        return users.user_for_token(token) is not None

    # Who calls is checked, and the body's size, before FastAPI reads (or spools) the body.
    upload_cap = upload_limits.max_request_bytes + 1024 * 1024  # the files, plus the multipart framing
    api.add_middleware(AuthFirst, token_ok=token_ok, caps={"/ask": ASK_MAX_BODY, "/ingest": upload_cap},
                       default_cap=ASK_MAX_BODY)

    @api.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, dict) else {"type": "HTTPError", "message": str(exc.detail)}
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=exc.headers)

    def caller(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Caller:
        if credentials is None or not credentials.credentials:
            raise _error(401, "Unauthorized", "Send 'Authorization: Bearer <token>'.",
                         {"WWW-Authenticate": "Bearer"})
        token = credentials.credentials
        if service_token and hmac.compare_digest(token.encode(), service_token.encode()):
            found = Caller(user=SERVICE_USER, service=True)
        else:
            name = users.user_for_token(token)
            if name is None:
                raise _error(401, "Unauthorized", "The API token is not valid.", {"WWW-Authenticate": "Bearer"})
            found = Caller(user=name)
        allowed, wait = limiter.allow(found.user)
        if not allowed:
            raise _error(429, "RateLimited", f"Too many requests; retry in {wait:.1f} s.",
                         {"Retry-After": str(max(1, round(wait)))})
        return found

    @api.get("/health", summary="Liveness and the routes this backend serves")
    def health() -> dict[str, Any]:
        return {"status": "ok", "routes": list(ROUTE_CHOICES[1:])}

    @api.post("/ask", summary="Answer a question; returns the JSON form of the answer")
    async def ask(body: AskRequest, who: Caller = Depends(caller)) -> JSONResponse:
        user = body.user if (who.service and body.user) else who.user
        try:
            UserStore.check_name(user)
            history = tuple(Turn(t.question, _context_answer(t.answer, signer)) for t in body.context)
            question = build_question(body.question, user=user, route=body.route, history=history)
        except TradeAssistError as exc:
            return JSONResponse({"error": error_json(exc)}, status_code=getattr(exc, "status", 400))
        answer = await pool.ask_async(question, body.model)
        status = 200
        if answer.error is not None:
            status = getattr(answer.error, "status", 500)
        data = inert_answer_json(answer_to_json(answer))  # as the chat shows it: no remote image or link
        # Route state (e.g. the SQL plan) travels with the answer so that a client can send it
        # back in ``context`` and follow-ups ("and for MSFT?") reuse it.
        data["state"] = json_safe_state(answer.state)
        data["state_signature"] = signer.sign(data["state"])
        return JSONResponse(data, status_code=status)

    @api.post("/ingest", summary="Ingest uploaded documents for the calling user")
    async def ingest(files: list[UploadFile] = File(...), who: Caller = Depends(caller)) -> JSONResponse:
        from tradeassist.chat.upload import UploadResult, ingest_files
        from tradeassist.ingest.pipeline import upload_scratch

        # Each file is streamed to a private scratch folder (never held in memory whole, also while
        # it waits for the ingest pool), checked there, ingested from there, then removed.
        with upload_scratch(pool.settings) as folder:
            batch = [(upload.filename or "upload", await asyncio.to_thread(_spool, upload, folder / f"{n}.upload"))
                     for n, upload in enumerate(files[: upload_limits.max_files + 1])]
            try:
                accepted, refused = screen_upload(batch, upload_limits)
            except BadInputError as exc:
                return JSONResponse({"error": error_json(exc)}, status_code=400)
            if not accepted:  # every file refused: a client error, with each reason
                reasons = "; ".join(reason for _, reason in refused)
                return JSONResponse({"error": error_json(BadInputError(reasons)),
                                     "files": [UploadResult(n, "", error=r).to_json() for n, r in refused]},
                                    status_code=400)
            results = [UploadResult(name, "", error=reason) for name, reason in refused]
            results += await ingest_files([(n, path) for n, path, _ in accepted], [k for _, _, k in accepted],
                                          pool.settings, who.user, pool=pool.ingest_pool,
                                          embedder=pool.services.embedder)
        failed = sum(1 for r in results if r.error)
        body = {"files": [r.to_json() for r in results], "failed": failed}
        return JSONResponse(body, status_code=200 if failed < len(results) else 422)

    if storage is not None:
        add_file_route(api, storage)
    return api


def add_file_route(api: FastAPI, storage: LocalFileStorage) -> None:
    """``GET /files/<key>``: an element file, to its owner only, always as an inert download."""
    from chainlit.auth import get_current_user

    @api.get("/files/{object_key:path}", include_in_schema=False)
    async def element_file(object_key: str, user=Depends(get_current_user)) -> FileResponse:
        # Element files belong to the user whose thread they were sent in (key = "<user id>/...").
        owner = object_key.split("/", 1)[0]
        if user is None or owner != str(getattr(user, "id", "")):
            raise _error(404, "NotFound", "No such file.")
        try:
            path = storage.path_for(object_key)
        except BadInputError:
            raise _error(404, "NotFound", "No such file.") from None
        if not path.is_file():
            raise _error(404, "NotFound", "No such file.")
        mime_file = path.with_name(path.name + ".mime")
        mime = mime_file.read_text().strip() if mime_file.exists() else ""
        # Stored files (uploads included) are data, never a page of this site: only types a
        # browser cannot run are named, everything is a download, and nothing may run in it.
        safe = mime if is_safe_type(mime) else "application/octet-stream"
        name = object_key.rsplit("/", 1)[-1] if object_key.count("/") >= 2 else "download"
        return FileResponse(path, media_type=safe, content_disposition_type="attachment", filename=name,
                            headers={"Content-Security-Policy": FILE_POLICY, "X-Content-Type-Options": "nosniff"})


def _spool(upload, path: Path) -> Path:
    """Copy an uploaded file (Starlette keeps large ones on disk already) to ``path`` in blocks; returns it."""
    upload.file.seek(0)
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1024 * 1024)
    path.chmod(0o600)
    return path


def _context_answer(data: dict[str, Any] | None, signer: Signer):
    if not data:
        return None
    try:
        answer = answer_from_json(data)
    except (TradeAssistError, KeyError, TypeError, ValueError) as exc:
        raise BadInputError(
            f"Bad context: an earlier answer is not in the JSON form /api/ask returns ({type(exc).__name__})."
        ) from None
    state = data.get("state")
    if not isinstance(state, dict) or not state:
        return answer
    # A plan the server did not issue could steer the planner anywhere: refused, not trusted.
    if not signer.valid(state, data.get("state_signature")):
        raise BadInputError("Bad context: an answer's 'state' was not issued by this server or was changed; "
                            "send answers back exactly as /api/ask returned them.")
    return answer.replace(state=state)


def mount_api(server_app: FastAPI, api: FastAPI, prefix: str = "/api") -> None:
    """Mount the API on Chainlit's server ahead of its catch-all page route."""
    from starlette.routing import Mount

    server_app.router.routes.insert(0, Mount(prefix, app=api))
