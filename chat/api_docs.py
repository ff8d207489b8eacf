"""The API's Swagger UI page served from files the ``fastapi-offline`` package ships (no CDN).

FastAPI's own ``/docs`` page loads Swagger UI's script and stylesheet from a CDN, so it is blank
on a machine without internet and asks a third party for files on every visit. This page is the
same Swagger UI, with its assets served by the chat's own server.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Mount

#: Where the page's assets are served on the chat's server (outside the token-protected API).
ASSETS_PATH = "/docs-assets"


def swagger_assets_folder() -> Path:
    """The folder holding ``swagger-ui-bundle.js``, ``swagger-ui.css`` and ``favicon.png``."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def docs_assets_mount(path: str = ASSETS_PATH) -> Mount:
    """The route serving Swagger UI's files; the chat server puts it ahead of its page route."""
    return Mount(path, app=StaticFiles(directory=swagger_assets_folder()), name="docs-assets")


def add_offline_docs(api: FastAPI, docs_path: str = "/docs", assets_path: str = ASSETS_PATH) -> None:
    """Serve Swagger UI for ``api`` at ``docs_path``, its files taken from ``assets_path`` on the server.

    ``api`` must be created with ``docs_url=None`` so that FastAPI's CDN page is not registered.
    """

    @api.get(docs_path, include_in_schema=False)
    async def _swagger_page(request: Request) -> HTMLResponse:
        # The API is mounted under a prefix (/api) and the server may sit under another one:
        # the outer prefix is what the request's root path holds before the API's own.
        api_root = request.scope.get("root_path", "").rstrip("/")
        server_root = api_root.rsplit("/", 1)[0] if api_root else ""
        return get_swagger_ui_html(
            openapi_url=f"{api_root}{api.openapi_url}",
            title=f"{api.title} - Swagger UI",
            swagger_js_url=f"{server_root}{assets_path}/swagger-ui-bundle.js",
            swagger_css_url=f"{server_root}{assets_path}/swagger-ui.css",
            swagger_favicon_url=f"{server_root}{assets_path}/favicon.png",
        )
