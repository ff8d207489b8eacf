"""Failed logins are limited per account and per client address, with a clear 429 message.

Chainlit's ``POST /login`` hands the password to our callback without the client's address, so
the limit sits in front of it as ASGI middleware: it reads the (small) form, refuses a locked
account or address before any password is checked, and counts the answer Chainlit gives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from starlette.requests import Request

from tradeassist.chat.headers import read_small_body, replaying, send_json
from tradeassist.chat.ratelimit import FailureLimiter

#: A login form is a name and a password; anything larger is not one.
MAX_FORM_BYTES = 16 * 1024


class LoginLimiter:
    """ASGI middleware that locks an account, or an address, after repeated failed logins."""

    def __init__(self, app, per_user: FailureLimiter, per_address: FailureLimiter, path: str = "/login"):
        self.app = app
        self.per_user = per_user
        self.per_address = per_address
        self.path = path

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict]],
                       send: Callable[[dict], Awaitable[None]]) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") != self.path:
            await self.app(scope, receive, send)
            return
        body = await read_small_body(receive, MAX_FORM_BYTES)
        if body is None:
            await _answer(send, 413, "The login form is too large.")
            return
        names = await _login_names(scope, body)
        if names is None or len(names) > 1:
            # A second username would be counted for one account and checked for another.
            await _answer(send, 400, "The login form must hold one username and one password.")
            return
        user_key = "user:" + (names or [""])[0].strip().lower()
        address_key = "addr:" + ((scope.get("client") or ("unknown",))[0])
        wait = max(self.per_user.wait(user_key), self.per_address.wait(address_key))
        if wait > 0:
            seconds = max(1, round(wait))
            await _answer(send, 429, f"Too many failed logins; try again in {seconds} s.",
                          [(b"retry-after", str(seconds).encode())])
            return
        status = 0

        async def watching(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, replaying(body, receive), watching)
        if status == 401:
            self.per_user.fail(user_key)
            self.per_address.fail(address_key)
        elif 200 <= status < 400:
            self.per_user.reset(user_key)



async def _login_names(scope: dict[str, Any], body: bytes) -> list[str] | None:
    """The form's ``username`` values, read by the parser the login itself uses; None when the form is not one.

    Chainlit's login page posts multipart form data and API clients post URL-encoded forms: Starlette
    reads both, so the name counted here is the name the login checks.
    """
    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(scope, replay).form(max_files=0, max_fields=8)
    except Exception:  # a malformed or file-carrying body is no login form
        return None
    if len(form.getlist("password")) > 1:
        return None
    return [str(name) for name in form.getlist("username")]


async def _answer(send, status: int, detail: str, extra: list | None = None) -> None:
    await send_json(send, status, {"detail": detail}, extra)
