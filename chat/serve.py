"""``python -m tradeassist.chat.serve``: Chainlit's server with the chat app imported as a module.

``chainlit run chat/app.py`` would load the app from its file and put ``chat/`` first on
``sys.path`` while it loads, so ``api``, ``users`` and ``history`` would import as top-level modules
and could shadow (or be shadowed by) installed packages of those names. Here the app is imported as
``tradeassist.chat.app``, and the rest is Chainlit's own ``run_chainlit``: the same config, secret
check, welcome page and uvicorn server.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import importlib.util
import logging
import os
import sys
from types import SimpleNamespace

import uvicorn

APP_MODULE = "tradeassist.chat.app"
#: Seconds a stopping server gives open requests before it closes them.
SHUTDOWN_GRACE_S = 5


def import_app(_target: str) -> None:
    """Chainlit's ``load_module``, by module name: importing the app registers its callbacks."""
    importlib.import_module(APP_MODULE)


def cap_address_space(megabytes: int | None) -> int:
    """Limit this process's address space (``megabytes``, else three quarters of the machine's memory).

    An allocation past it fails inside the query or request that made it (DuckDB answers out of
    memory, Python raises MemoryError) instead of growing until the kernel kills the server, or
    another program on the machine. Returns the limit in bytes.
    """
    import resource

    limit = megabytes * 1024 * 1024 if megabytes else os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 3 // 4
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit


def main(argv: list[str] | None = None) -> None:
    """Serve the chat on ``--host``/``--port`` (``tradeassist chat`` runs this in its own process)."""
    parser = argparse.ArgumentParser(prog="python -m tradeassist.chat.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--headless", action="store_true", help="Do not open a browser.")
    args = parser.parse_args(argv)
    os.environ["CHAINLIT_HOST"] = args.host
    os.environ["CHAINLIT_PORT"] = str(args.port)
    # uvicorn believes X-Forwarded-For from loopback unless told otherwise; only configured proxies may
    # name the client's address (the login limits count per address).
    from tradeassist.core.settings import load_settings

    settings = load_settings()
    os.environ["FORWARDED_ALLOW_IPS"] = settings.trusted_proxies
    cap_address_space(settings.server_memory_mb)

    import chainlit.cli as chainlit_cli
    from chainlit.config import config

    app_file = importlib.util.find_spec(APP_MODULE).origin  # what Chainlit watches and names the app by
    config.run.headless = args.headless
    config.run.debug = False
    config.run.no_cache = False
    config.run.ci = False
    config.run.watch = False
    # Chainlit's loader takes a file path; ours imports the module by name instead (see above).
    chainlit_cli.load_module = import_app
    # Chainlit builds uvicorn's Config itself; a stop (SIGTERM, Ctrl-C) must not wait without end for
    # a request still running (an upload's ingest can take minutes), so open requests get a bound.
    chainlit_cli.uvicorn = SimpleNamespace(
        Config=functools.partial(uvicorn.Config, timeout_graceful_shutdown=SHUTDOWN_GRACE_S), Server=uvicorn.Server)
    chainlit_cli.run_chainlit(app_file)
    # The server has stopped. Worker threads still ingesting an upload would hold the process at exit
    # until they finish; ingest is crash-safe (a file is stored whole or not at all, and the upload's
    # scratch folder is removed at the next start), so the process ends now.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
