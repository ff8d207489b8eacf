"""The Chainlit app: login, history, starters, settings, uploads, answers, feedback, notebook export.

Run it with ``tradeassist chat`` (``python -m tradeassist.chat.serve``). It holds no routing, SQL or
retrieval logic: it builds Questions, asks the shared backend in a worker thread, and renders.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path
from typing import Any

import chainlit as cl
from chainlit.input_widget import Select
from chainlit.server import app as server_app

from tradeassist.core.errors import BadInputError, TradeAssistError
from tradeassist.core.jsonform import answer_from_json
from tradeassist.core.question import Turn
from tradeassist.core.quiet import quiet_libraries
from tradeassist.core.settings import load_settings

from tradeassist.chat.api import create_api, mount_api
from tradeassist.chat.api_docs import docs_assets_mount
from tradeassist.chat.export import ExportTurn, notebook_bytes, settings_secrets
from tradeassist.chat.guards import install_guards
from tradeassist.chat.history import make_data_layer, storage_for
from tradeassist.chat.offline_page import LocalAssetsOnly
from tradeassist.chat.ratelimit import TokenBucketLimiter, make_limiter
from tradeassist.chat.render import METADATA_KEY, send_answer
from tradeassist.chat.resume import server_written_answer, sign_answer
from tradeassist.chat.safety import UploadLimits, plain_name, screen_upload, strip_remote_images
from tradeassist.chat.service import ROUTE_CHOICES, BackendPool, TextRelay, build_question
from tradeassist.chat.upload import UploadResult, ingest_files
from tradeassist.chat.sessions import SESSION_KEY
from tradeassist.chat.signing import metadata_signer
from tradeassist.chat.users import UserStore, ensure_auth_secret

quiet_libraries()  # also when started with `chainlit run` rather than `tradeassist chat`
SETTINGS = load_settings()
os.environ.setdefault("CHAINLIT_AUTH_SECRET", ensure_auth_secret(SETTINGS))
USERS = UserStore(SETTINGS)
POOL = BackendPool(SETTINGS, SETTINGS.chat_routes, workers=SETTINGS.ask_workers, per_user=SETTINGS.ask_per_user,
                   ingest_workers=SETTINGS.ingest_workers)
UPLOAD_LIMITS = UploadLimits(SETTINGS.upload_max_files, SETTINGS.upload_max_bytes())
MESSAGE_LIMIT = TokenBucketLimiter(SETTINGS.ws_rate_per_minute, SETTINGS.ws_burst)
MODEL_CHOICES = {"auto (local model, cloud, then offline)": "auto", "offline only": "offline"}
#: Signs the answer metadata stored with each answer message: a resumed conversation trusts nothing else.
METADATA_SIGNER = metadata_signer(os.environ["CHAINLIT_AUTH_SECRET"].encode())

mount_api(
    server_app,
    create_api(
        POOL,
        USERS,
        make_limiter(SETTINGS.api_rate_per_minute, SETTINGS.api_burst, SETTINGS.redis_url),
        service_token=SETTINGS.api_token,
        storage=storage_for(SETTINGS),
        upload_limits=UPLOAD_LIMITS,
        state_key=os.environ["CHAINLIT_AUTH_SECRET"].encode(),
    ),
)
install_guards(server_app, USERS, SETTINGS, os.environ["CHAINLIT_AUTH_SECRET"])

# Chainlit's page links web fonts and a stylesheet on CDNs: dropped, so no page load leaves the server.
server_app.add_middleware(LocalAssetsOnly)
server_app.router.routes.insert(0, docs_assets_mount())  # Swagger UI's files for /api/docs, no CDN

COMMANDS = [
    {"id": "Export", "icon": "notebook", "description": "Download this conversation as a notebook"},
]


@cl.data_layer
def _data_layer():
    return make_data_layer(SETTINGS)


@cl.password_auth_callback
async def _login(username: str, password: str) -> cl.User | None:
    # bcrypt is slow on purpose; keep it off the event loop.
    if await asyncio.to_thread(USERS.verify, username, password):
        from chainlit.config import config

        # The session id rides in the signed cookie; the server ends it on logout, removal or a new password.
        session = USERS.open_session(username, config.project.user_session_timeout)
        return cl.User(identifier=username,
                       metadata={"role": "user", "provider": "credentials", SESSION_KEY: session})
    return None


@cl.set_starters
async def _starters(user: cl.User | None = None, language: str | None = None) -> list[cl.Starter]:
    return [
        cl.Starter(label="Latest close of AAPL", message="What was the latest close of AAPL?", icon="/public/sql.svg"),
        cl.Starter(label="Notional by desk", message="Total traded notional by desk last month",
                   icon="/public/sql.svg"),
        cl.Starter(label="Daily closes of NVDA", message="Daily close of NVDA over the last 3 months",
                   icon="/public/sql.svg"),
        cl.Starter(label="Ask the trading policy",
                   message="What do my documents say about the foreign exchange hedge ratio?",
                   icon="/public/docs.svg"),
        cl.Starter(label="Breakout score", message="What is the breakout score of NVDA and why?",
                   icon="/public/signals.svg"),
    ]


def _user_name() -> str:
    user = cl.user_session.get("user")
    return getattr(user, "identifier", None) or SETTINGS.user


async def _start_session(history: list[Turn], exchanges: list[dict[str, Any]]) -> None:
    cl.user_session.set("history", history)
    cl.user_session.set("exchanges", exchanges)
    cl.user_session.set("route", "auto")
    cl.user_session.set("model", "auto")
    await cl.ChatSettings(
        [
            Select(id="route", label="Route", values=list(ROUTE_CHOICES), initial_value="auto",
                   description="Let the router choose, or force one engine."),
            Select(id="model", label="Model", values=list(MODEL_CHOICES), initial_index=0,
                   description="'offline only' never calls a language model."),
        ]
    ).send()
    await cl.context.emitter.set_commands(COMMANDS)


@cl.on_chat_start
async def _on_start() -> None:
    await _start_session([], [])


@cl.on_chat_resume
async def _on_resume(thread: dict) -> None:
    history: list[Turn] = []
    exchanges: list[dict[str, Any]] = []
    user = _user_name()
    for step in thread.get("steps") or []:
        data = server_written_answer(step, user, METADATA_SIGNER)
        if data is None:
            continue
        exchanges.append({**data, "message_id": step.get("id"), "run_id": step.get("parentId")})
        try:
            answer = answer_from_json(data).replace(state=data.get("state") or {})
            history.append(Turn(data["question"], answer))
        except (TradeAssistError, KeyError, TypeError, ValueError):
            history.append(Turn(data["question"], None))
    await _start_session(history, exchanges)


def _stop_writing() -> None:
    cancel = cl.user_session.get("cancel")
    if cancel is not None:
        cancel.set()


@cl.on_stop
async def _on_stop() -> None:
    _stop_writing()


@cl.on_chat_end
async def _on_end() -> None:
    _stop_writing()  # the person left: a model still writing for them is stopped


@cl.on_settings_update
async def _on_settings(values: dict[str, Any]) -> None:
    route = values.get("route") or "auto"
    cl.user_session.set("route", route if route in ROUTE_CHOICES else "auto")
    cl.user_session.set("model", MODEL_CHOICES.get(values.get("model") or "", "auto"))


async def ask(text: str) -> None:
    """Ask the backend one question in this conversation and show the answer."""
    history: list[Turn] = cl.user_session.get("history") or []
    # Model-written text is shown as it arrives in this message; the full answer then completes it.
    draft = cl.Message(content="")
    written: list[str] = []

    async def show_draft(piece: str) -> None:
        # The whole draft is re-sent, cleaned, each time: an image split across pieces is still caught.
        written.append(piece)
        await draft.stream_token(strip_remote_images("".join(written)), is_sequence=True)

    relay = TextRelay(show_draft)
    cancel = threading.Event()
    cl.user_session.set("cancel", cancel)
    try:
        question = build_question(text, user=_user_name(), route=cl.user_session.get("route"), history=history,
                                  on_text=relay, cancel=cancel)
    except TradeAssistError as exc:
        await relay.finish()
        await cl.ErrorMessage(content=str(exc)).send()
        return
    try:
        answer = await POOL.ask_async(question, cl.user_session.get("model") or "auto")
    except asyncio.CancelledError:  # stop pressed: the worker thread is told to close the model stream
        cancel.set()
        raise
    finally:
        await relay.finish()
    user = _user_name()
    message = await send_answer(question.text, answer, streamed=draft, sign=lambda data: sign_answer(METADATA_SIGNER, user, data))
    history.append(Turn(question.text, answer))
    exchanges: list[dict[str, Any]] = cl.user_session.get("exchanges") or []
    # Feedback names the message, or the run step that holds it, depending on where it is given.
    exchanges.append({**message.metadata[METADATA_KEY], "message_id": message.id,
                      "run_id": message.parent_id})
    cl.user_session.set("history", history)
    cl.user_session.set("exchanges", exchanges)


async def ingest_attachments(elements: list) -> list[UploadResult]:
    """Ingest the files attached to a message, with a progress step and a summary."""
    # Chainlit has stored each attachment as a file: it is checked and ingested from there, never
    # read into memory whole.
    files = [(element.name, Path(element.path)) for element in elements]
    try:
        accepted, refused = screen_upload(files, UPLOAD_LIMITS)
    except BadInputError as exc:
        await cl.ErrorMessage(content=f"Upload refused: {exc}").send()
        return []
    results = [UploadResult(name, "", error=reason) for name, reason in refused]
    files = [(name, source) for name, source, _ in accepted]
    kinds = [kind for _, _, kind in accepted]
    started = time.perf_counter()
    async with cl.Step(name=f"Ingesting {len(files)} file(s)", type="tool") as step:
        lines: list[str] = []

        async def progress(result: UploadResult, index: int, total: int) -> None:
            status = f"failed: {result.error}" if result.error else f"{result.pages} pages, {result.chunks} chunks"
            counter = f"{index}/{total} " if total else ""
            # File names and reasons are the uploader's text: shown literally, never as markdown images.
            lines.append(f"{counter}**{plain_name(result.name)}**: {strip_remote_images(status)}")
            step.output = "\n\n".join(lines)
            await step.update()

        for result in results:
            await progress(result, 0, 0)
        results += await ingest_files(files, kinds, SETTINGS, _user_name(), on_done=progress,
                                      pool=POOL.ingest_pool, embedder=POOL.services.embedder)
    good = [r for r in results if not r.error]
    pages = sum(r.pages for r in good)
    chunks = sum(r.chunks for r in good)
    summary = f"ready: {pages} pages, {chunks} chunks from {len(good)} file(s) ({time.perf_counter() - started:.1f} s)"
    bad = [f"- {plain_name(r.name)}: {strip_remote_images(r.error)}" for r in results if r.error]
    if bad:
        summary += "\n\nThese files failed (the others are in):\n" + "\n".join(bad)
    await cl.Message(content=summary).send()
    return results


@cl.on_message
async def _on_message(message: cl.Message) -> None:
    if not await within_message_limit():
        return
    if message.command == "Export":
        await export_notebook()
        return
    attachments = [e for e in (message.elements or []) if getattr(e, "path", None)]
    if attachments:
        await ingest_attachments(attachments)
    if message.content and message.content.strip():
        await ask(message.content)
    elif not attachments:
        await cl.Message(content="Ask a question, or attach documents to add them.").send()


async def within_message_limit() -> bool:
    """Whether this user may send another message now; if not, say how long to wait."""
    allowed, wait = MESSAGE_LIMIT.allow(_user_name())
    if not allowed:  # the websocket chat has the same kind of per-user limit as the HTTP API
        await cl.ErrorMessage(content=f"Too many messages; wait {max(1, round(wait))} s and send it again.").send()
    return allowed


@cl.action_callback("clarify")
async def _on_clarify(action: cl.Action) -> str:
    # A clarification asks a question like a typed message, under the same per-user message limit
    # (``POST /project/action`` would otherwise be a way around it).
    text = str(action.payload.get("text") or "").strip()
    if not text:
        return "empty"
    if not await within_message_limit():
        return "refused"
    await cl.Message(content=text, type="user_message").send()
    await ask(text)
    return "answered"


@cl.action_callback("export_notebook")
async def _on_export(action: cl.Action) -> None:
    await export_notebook()


async def export_notebook() -> None:
    """Send the conversation as a notebook whose cells rebuild each table and chart from its SQL."""
    exchanges: list[dict[str, Any]] = cl.user_session.get("exchanges") or []
    if not exchanges:
        await cl.Message(content="There is nothing to export yet: ask a question first.").send()
        return
    turns = [ExportTurn(e["question"], e) for e in exchanges]
    data = await asyncio.to_thread(notebook_bytes, turns, SETTINGS.resolved_db_url(),
                                   secrets=settings_secrets(SETTINGS))
    await cl.Message(
        content=f"The conversation as a notebook ({len(turns)} questions); run all cells to re-run each query.",
        elements=[cl.File(name="tradeassist_conversation.ipynb", content=data,
                          mime="application/x-ipynb+json", display="inline")],
    ).send()


@cl.on_feedback
async def _on_feedback(feedback) -> None:
    from tradeassist.chat.teach import teach_from_feedback

    exchanges: list[dict[str, Any]] = cl.user_session.get("exchanges") or []
    if feedback.value != 1:
        return
    for exchange in exchanges:
        if feedback.forId in (exchange.get("message_id"), exchange.get("run_id")) and exchange.get("sql"):
            # Taught for this user only: teaching for everyone is the operator's `tradeassist teach`.
            await asyncio.to_thread(teach_from_feedback, POOL.backend(), exchange["question"], exchange["sql"],
                                    _user_name())
            return
