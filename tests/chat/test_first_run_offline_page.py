"""The chat page loses its links to third-party hosts, plain or gzipped; other responses pass untouched."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from tradeassist.chat.offline_page import LocalAssetsOnly, strip_remote_links

PAGE = """<html><head>
<link rel="preconnect" href="https://fonts.googleapis.com" />
<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin />
<link
  href="https://fonts.googleapis.com/css2?family=Inter:wght@400;500;700&display=swap"
  rel="stylesheet"
/>
<link rel="stylesheet" href="//cdn.jsdelivr.net/npm/katex@0.16.22/dist/katex.min.css">
<link rel="icon" href="/favicon" />
<link rel="stylesheet" crossorigin href="/assets/index.css">
</head><body>""" + "x" * 2000 + "</body></html>"


def test_only_links_to_other_hosts_are_dropped():
    cleaned = strip_remote_links(PAGE)
    assert "googleapis" not in cleaned and "gstatic" not in cleaned and "jsdelivr" not in cleaned
    assert '<link rel="icon" href="/favicon" />' in cleaned and 'href="/assets/index.css"' in cleaned


def _app() -> Starlette:
    routes = [Route("/", lambda request: HTMLResponse(PAGE)),
              Route("/text", lambda request: PlainTextResponse('<link href="https://x.example/a.css">'))]
    app = Starlette(routes=routes)
    app.add_middleware(GZipMiddleware, minimum_size=100)
    app.add_middleware(LocalAssetsOnly)  # outermost, as on the chat server: it sees the gzipped page
    return app


def test_the_served_page_is_cleaned_whether_gzipped_or_not():
    client = TestClient(_app())
    for encoding in ("gzip", "identity"):
        response = client.get("/", headers={"Accept-Encoding": encoding})
        assert response.status_code == 200
        assert "fonts.googleapis.com" not in response.text and "/assets/index.css" in response.text
        length = int(response.headers["content-length"])
        if encoding == "gzip":  # still compressed, with the length of the cleaned, compressed page
            assert response.headers["content-encoding"] == "gzip" and length < len(PAGE) // 4
        else:
            assert length == len(response.content)
    # Not a page: left exactly as it was.
    assert client.get("/text").text == '<link href="https://x.example/a.css">'
