"""Feedback may be given and removed only on one's own messages (Chainlit checks neither).

Chainlit's ``PUT /feedback`` stores feedback for any message id and runs the feedback hook in any
chat session named by id, and ``DELETE /feedback`` removes any feedback by id. This middleware reads
the request's JSON, finds the thread the message (or the feedback) belongs to, and lets the request
through only when that thread, and the session named, are the logged-in user's.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from tradeassist.chat.headers import read_small_body, replaying, send_json
from tradeassist.chat.sessions import session_of, session_token

#: A feedback request is a few ids and a comment; anything larger is not one.
MAX_FEEDBACK_BYTES = 64 * 1024


async def _owner_of_step(step_id: object) -> tuple[str | None, str | None]:
    """(thread id, owner's user name) of a stored message, or (None, None)."""
    from chainlit.data import get_data_layer

    layer = get_data_layer()
    if layer is None or not isinstance(step_id, str):
        return None, None
    rows = await layer.execute_sql(
        query='SELECT t."id" AS thread, t."userIdentifier" AS owner FROM steps s JOIN threads t '
              'ON t."id" = s."threadId" WHERE s."id" = :step_id',
        parameters={"step_id": step_id})
    if not isinstance(rows, list) or not rows:
        return None, None
    return rows[0].get("thread"), rows[0].get("owner")


async def _step_of_feedback(feedback_id: object) -> str | None:
    from chainlit.data import get_data_layer

    layer = get_data_layer()
    if layer is None or not isinstance(feedback_id, str):
        return None
    rows = await layer.execute_sql(query='SELECT "forId" AS step FROM feedbacks WHERE "id" = :feedback_id',
                                   parameters={"feedback_id": feedback_id})
    return rows[0].get("step") if isinstance(rows, list) and rows else None


def _session_owner(session_id: object) -> str | None:
    """The user of a live chat session, or None when there is no such session."""
    from chainlit.session import WebsocketSession

    session = WebsocketSession.get_by_id(session_id) if isinstance(session_id, str) else None
    user = getattr(session, "user", None)
    return getattr(user, "identifier", None) if session is not None else None


async def feedback_allowed(method: str, body: dict[str, Any], user: str) -> bool:
    """Whether ``user`` may send this feedback request: the message's thread and the session are theirs."""
    if method == "DELETE":
        _thread, owner = await _owner_of_step(await _step_of_feedback(body.get("feedbackId")))
        return owner == user
    feedback = body.get("feedback") if isinstance(body.get("feedback"), dict) else {}
    thread, owner = await _owner_of_step(feedback.get("forId"))
    if owner != user or feedback.get("threadId") not in (None, thread):
        return False
    session_user = _session_owner(body.get("sessionId"))
    return session_user in (None, user)


class FeedbackOwnership:
    """ASGI middleware: 403 for feedback on another user's message or in another user's session."""

    def __init__(self, app, secret: str, path: str = "/feedback"):
        self.app = app
        self.secret = secret
        self.path = path

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict]],
                       send: Callable[[dict], Awaitable[None]]) -> None:
        if scope["type"] != "http" or scope.get("path") != self.path or scope.get("method") not in ("PUT", "DELETE"):
            await self.app(scope, receive, send)
            return
        raw = await read_small_body(receive, MAX_FEEDBACK_BYTES)
        if raw is None:
            await send_json(send, 413, {"detail": "The feedback request is too large."})
            return
        token = session_token(scope)
        user, _session = session_of(token, self.secret) if token else (None, None)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if user is None or not isinstance(body, dict) or not await feedback_allowed(scope["method"], body, user):
            await send_json(send, 403, {"detail": "Feedback is only for your own messages."})
            return
        await self.app(scope, replaying(raw, receive), send)
