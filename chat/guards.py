"""The chat server's protective middleware, installed in one place and in one order."""

from __future__ import annotations

from tradeassist.chat.crosssite import CrossSiteRefusal
from tradeassist.chat.headers import SecurityHeaders
from tradeassist.chat.loginlimit import LoginLimiter
from tradeassist.chat.ownership import FeedbackOwnership
from tradeassist.chat.ratelimit import FailureLimiter
from tradeassist.chat.sessions import SessionGuard
from tradeassist.chat.users import UserStore
from tradeassist.core.settings import Settings


def serving_origins(configured: list[str], host: str, port: int) -> list[str]:
    """The browser origins allowed to call this server: its own address on the port it really serves.

    Loopback entries for another port (the project's config names port 8000) are replaced by
    this server's own; other configured origins are kept.
    """
    own = [f"{scheme}://{name}:{port}" for scheme in ("http", "https")
           for name in dict.fromkeys((host, "127.0.0.1", "localhost")) if name not in ("0.0.0.0", "::")]
    kept = [o for o in configured if not any(o.startswith(f"{scheme}://{name}:") for scheme in ("http", "https")
                                             for name in ("127.0.0.1", "localhost", host))]
    return [*kept, *own]


def set_cors_origins(server_app, origins: list[str]) -> None:
    """Point Chainlit's CORS middleware (added at its import, built at the first request) at ``origins``."""
    from starlette.middleware.cors import CORSMiddleware

    for middleware in server_app.user_middleware:
        if middleware.cls is CORSMiddleware:
            middleware.kwargs["allow_origins"] = list(origins)


def install_guards(server_app, users: UserStore, chat: Settings, secret: str) -> None:
    """Add session revocation, the failed-login limit, the cross-site refusal and security headers to Chainlit's server.

    Starlette runs the last middleware added first: headers wrap everything (a 401 or 429 carries
    them too), then the cross-site refusal, then the login limit, then the session check, then feedback ownership, then Chainlit.
    """
    upload_cap = chat.upload_max_bytes() + 1024 * 1024  # one request's files plus the multipart framing
    server_app.add_middleware(FeedbackOwnership, secret=secret)
    server_app.add_middleware(SessionGuard, users=users, secret=secret, max_upload_bytes=upload_cap)
    server_app.add_middleware(
        LoginLimiter,
        per_user=FailureLimiter(chat.login_max_failures, chat.login_window_s),
        per_address=FailureLimiter(chat.login_max_failures_per_address, chat.login_window_s),
    )
    from chainlit.config import config

    origins = serving_origins(list(config.project.allow_origins), config.run.host, int(config.run.port))
    server_app.add_middleware(CrossSiteRefusal, allowed_origins=[o for o in origins if o != "*"])
    server_app.add_middleware(SecurityHeaders)
    set_cors_origins(server_app, origins)
