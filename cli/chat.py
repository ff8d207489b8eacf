"""``tradeassist chat`` (the Chainlit server) and ``tradeassist users ...`` (who may log in)."""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from tradeassist.cli.groups import subgroup
from tradeassist.cli.options import settings_for

#: Where Chainlit finds ``.chainlit/config.toml``, ``chainlit.md`` and ``public/``: the package's own
#: folder (the repository root in a checkout, ``site-packages/tradeassist`` in an installed wheel).
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def prepare_app_root(home: Path) -> Path:
    """A per-home Chainlit app folder linking the project's config, welcome page and public files.

    Chainlit keeps session uploads in ``<app root>/.files`` and deletes that folder on shutdown,
    so each home gets its own app root and servers never remove each other's files.
    """
    root = home / "chainlit"
    root.mkdir(parents=True, exist_ok=True)
    import shutil

    # Chainlit serves public files only from inside the real (resolved) public folder: copy it.
    if (PROJECT_ROOT / "public").is_dir():
        if (root / "public").is_symlink():
            (root / "public").unlink()
        shutil.copytree(PROJECT_ROOT / "public", root / "public", dirs_exist_ok=True)
        # copytree copies the source's modes; inside the home everything is the owner's only.
        for path in [root / "public", *(root / "public").rglob("*")]:
            path.chmod(0o700 if path.is_dir() else 0o600)
    for name in (".chainlit", "chainlit.md"):
        link, target = root / name, PROJECT_ROOT / name
        if link.is_symlink() and link.resolve() != target.resolve():
            link.unlink()
        if not link.exists() and target.exists():
            link.symlink_to(target, target_is_directory=target.is_dir())
    return root


def port_in_use(host: str, port: int) -> bool:
    """Whether another process already listens on ``host:port`` (bound the way uvicorn binds)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As uvicorn does: a port left in TIME_WAIT by a stopped server is free to reuse.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def chat_command_line(host: str, port: int, headless: bool) -> list[str]:
    """The command that serves the chat app: Chainlit's server importing ``tradeassist.chat.app`` as a module.

    ``-P`` keeps the working folder off ``sys.path``, so a folder of the checkout (``chat``, ``sql`` ...)
    never imports as a top-level module.
    """
    args = [sys.executable, "-P", "-m", "tradeassist.chat.serve", "--host", host, "--port", str(port)]
    if headless:
        args.append("--headless")
    return args


def chat_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    headless: Annotated[bool, typer.Option(help="Do not open a browser.")] = False,
) -> None:
    """Start the chat (Chainlit) with its HTTP API on http://HOST:PORT."""
    from tradeassist.chat.users import ensure_auth_secret, ensure_first_user

    if port_in_use(host, port):
        typer.secho(
            f"Port {port} on {host} is already in use (another chat server, or another program).\n"
            f"Stop it, or pick a free port: 'make run PORT={port + 100}' or "
            f"'tradeassist chat --port {port + 100}'.",
            fg=typer.colors.RED, err=True,
        )
        raise typer.Exit(1)
    settings = settings_for()
    created = ensure_first_user(settings)
    if created is not None:
        name, password = created
        typer.secho(
            f"No chat users existed, so one was created.\n  user: {name}\n  password: {password}\n"
            "This password is shown only once; change it with "
            f"'tradeassist users add {name} --replace'.",
            fg=typer.colors.YELLOW,
        )
    from tradeassist.chat.upload import remove_stale_uploads

    remove_stale_uploads(settings.ensure_home())
    # Everything the server writes (history, element files, document store) is the owner's only.
    os.umask(0o077)
    env = dict(os.environ)
    env.setdefault("CHAINLIT_AUTH_SECRET", ensure_auth_secret(settings))
    env.setdefault("CHAINLIT_APP_ROOT", str(prepare_app_root(settings.ensure_home())))
    env.setdefault("DO_NOT_TRACK", "true")
    env.setdefault("HF_HUB_OFFLINE", "1")
    typer.echo(f"Chat on http://{host}:{port}  (API: http://{host}:{port}/api/docs)")
    sys.stdout.flush()
    args = chat_command_line(host, port, headless)
    os.execve(args[0], args, env)  # the server replaces this process, so signals reach it


def users_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, _ . @ -).")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Set a new password for an existing user.")] = False,
) -> None:
    """Add a chat user with a bcrypt-hashed password."""
    from tradeassist.chat.users import UserStore

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    UserStore(settings_for()).add(name, password, replace=replace)
    typer.echo(f"{'Updated' if replace else 'Added'} user {name}.")


def users_remove(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Remove a chat user with their API tokens, chat history, uploaded documents and taught pairs."""
    from tradeassist.chat.forget import forget_user
    from tradeassist.chat.users import UserStore

    settings = settings_for()
    store = UserStore(settings)
    store.require(name)
    # The user's data goes first: a new account of the same name must never inherit it.
    forgotten = forget_user(settings, name)
    store.remove(name)
    typer.echo(f"Removed user {name}, with {forgotten.threads} conversation(s), {forgotten.documents} uploaded "
               f"document(s) and {forgotten.taught_pairs} taught pair(s).")


def users_list() -> None:
    """List chat users and how many API tokens each has."""
    import datetime as dt

    from tradeassist.chat.users import UserStore

    records = UserStore(settings_for()).list()
    if not records:
        typer.echo("No users yet: add one with 'tradeassist users add NAME'.")
    for record in records:
        created = dt.datetime.fromtimestamp(record.created_at).strftime("%Y-%m-%d %H:%M")
        typer.echo(f"{record.name}\tcreated {created}\t{record.tokens} API token(s)")


def users_token(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Issue an API token for a user (printed once; send it as 'Authorization: Bearer ...')."""
    from tradeassist.chat.users import UserStore

    typer.echo(UserStore(settings_for()).new_token(name))


def register(app: typer.Typer) -> None:
    """Add ``chat`` and the ``users`` group to the tradeassist CLI."""
    app.command("chat")(chat_command)
    users = subgroup(app, "users", "Manage who may log in to the chat and use the HTTP API.")
    users.command("add")(users_add)
    users.command("remove")(users_remove)
    users.command("list")(users_list)
    users.command("token")(users_token)
