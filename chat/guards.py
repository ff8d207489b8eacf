"""The chat server's protective middleware, installed in one place and in one order."""

from __future__ import annotations

from chat.headers import SecurityHeaders
from chat.loginlimit import LoginLimiter
from chat.ratelimit import FailureLimiter
from chat.service import ChatSettings
from chat.sessions import SessionGuard
from chat.users import UserStore


def install_guards(server_app, users: UserStore, chat: ChatSettings, secret: str) -> None:
    """Add session revocation, the failed-login limit and security headers to Chainlit's server.

    Starlette runs the last middleware added first: headers wrap everything (a 401 or 429 carries
    them too), then the login limit, then the session check, then Chainlit.
    """
    server_app.add_middleware(SessionGuard, users=users, secret=secret)
    server_app.add_middleware(
        LoginLimiter,
        per_user=FailureLimiter(chat.login_max_failures, chat.login_window_s),
        per_address=FailureLimiter(chat.login_max_failures_per_address, chat.login_window_s),
    )
    server_app.add_middleware(SecurityHeaders)
