"""Security headers on every response of the chat server, and ``Secure`` cookies over HTTPS.

The policy allows only the server's own origin: scripts, styles, fonts and images come from
'self' (plus inline code and styles, which Chainlit's page needs, and ``data:``/``blob:`` images,
which charts and uploads use); no third-party host is allowed, so no page load can contact one.
Responses that already set their own policy (uploaded files, which get a stricter one) keep it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

_SECURE = re.compile(rb";\s*secure\s*(;|$)", re.IGNORECASE)

#: The page's Content-Security-Policy: 'self' only, never a CDN.
PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "media-src 'self' blob:",
        "worker-src 'self' blob:",
        "frame-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
#: What a downloaded file may do if a browser renders it anyway: nothing.
FILE_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


#: Content types a browser cannot run, served under their own name; anything else becomes a plain download.
SAFE_FILE_TYPES = frozenset({
    "application/json", "text/csv", "text/plain", "image/png", "image/jpeg", "image/gif", "image/webp",
    "application/pdf", "application/x-ipynb+json", "application/octet-stream",
})
#: Chainlit's route that serves a session's files (uploads, elements) with their stored type.
SESSION_FILES = "/project/file/"


def is_safe_type(content_type: str) -> bool:
    """True for a content type no browser runs as a page."""
    return content_type.split(";")[0].strip().lower() in SAFE_FILE_TYPES


class SecurityHeaders:
    """ASGI middleware adding CSP, framing, sniffing and referrer headers; cookies ``Secure`` on HTTPS.

    Chainlit's session files (what a person uploaded, among them) are served as downloads under a
    policy that lets nothing run, and with a type no browser renders as a page.
    """

    def __init__(self, app, policy: str = PAGE_POLICY):
        self.app = app
        self.policy = policy.encode("latin-1")

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict]],
                       send: Callable[[dict], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        download = SESSION_FILES in scope.get("path", "")

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                if download and message.get("status") == 200:
                    headers = as_download(headers)
                message = {**message, "headers": self.headers(headers, https)}
            await send(message)

        await self.app(scope, receive, sending)

    def headers(self, headers: list[tuple[bytes, bytes]], https: bool) -> list[tuple[bytes, bytes]]:
        """The response headers with the security headers added (existing values are kept)."""
        present = {name.lower() for name, _ in headers}
        out = []
        for name, value in headers:
            if https and name.lower() == b"set-cookie" and not _SECURE.search(value):
                value += b"; Secure"
            out.append((name, value))
        if b"content-security-policy" not in present:
            out.append((b"content-security-policy", self.policy))
        out += [(name, value) for name, value in SECURITY_HEADERS if name not in present]
        if https:
            out.append((b"strict-transport-security", b"max-age=31536000"))
        return out


def as_download(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Response headers that make a file a download nothing can run in."""
    out = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-type" and not is_safe_type(value.decode("latin-1")):
            value = b"application/octet-stream"
        if lowered in (b"content-disposition", b"content-security-policy"):
            continue
        out.append((name, value))
    return [*out, (b"content-disposition", b"attachment"), (b"content-security-policy", FILE_POLICY.encode())]


async def send_json(send: Callable[[dict], Awaitable[None]], status: int, body: dict[str, Any],
                    extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer an ASGI request with ``body`` as JSON (the middlewares' refusals: 401, 413, 429...)."""
    raw = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


async def read_small_body(receive: Callable[[], Awaitable[dict]], max_bytes: int) -> bytes | None:
    """A request's whole body for a middleware that must read it first; None once it passes ``max_bytes``."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > max_bytes:
            return None
        if not message.get("more_body"):
            return body


def replaying(body: bytes, receive: Callable[[], Awaitable[dict]]) -> Callable[[], Awaitable[dict]]:
    """A ``receive`` that hands the app the body a middleware already read, then the connection's own."""
    replayed = False

    async def replay() -> dict[str, Any]:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
