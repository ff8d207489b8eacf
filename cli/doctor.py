"""``tradeassist doctor``: which models, database and document store are configured and reachable.

Model providers are probed with their cheap listing endpoint (``GET /models``), which spends no
tokens; the latency shown is that round trip. Nothing here changes any state.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from tradeassist.cli.console import console
from tradeassist.cli.options import settings_for

if TYPE_CHECKING:
    from tradeassist.core.gateway.providers import Provider
    from tradeassist.core.settings import Settings

PROBE_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, whether it is fine, details and latency."""

    kind: str
    name: str
    ok: bool
    detail: str
    latency_ms: float | None = None


def probe_provider(provider: Provider, timeout_s: float = PROBE_TIMEOUT_S) -> Check:
    """Reach a provider's model list; ok when it answers 200 (and lists the model, for vLLM)."""
    import httpx

    where = f"{provider.where}, {provider.model}"
    if provider.kind == "vllm-engine":
        return Check("model", provider.name, True, f"{where}: in-process engine (loads on first use)")
    if provider.kind == "anthropic":
        url = (provider.base_url or "https://api.anthropic.com").rstrip("/") + "/v1/models"
        headers = {"x-api-key": provider.api_key or "", "anthropic-version": "2023-06-01"}
    else:
        url = (provider.base_url or "https://api.openai.com/v1").rstrip("/") + "/models"
        headers = {"authorization": f"Bearer {provider.api_key or 'EMPTY'}"}
    started = time.perf_counter()
    try:
        response = httpx.get(url, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return Check("model", provider.name, False, f"{where}: unreachable at {url} ({type(exc).__name__})")
    latency = round((time.perf_counter() - started) * 1000, 1)
    if response.status_code != 200:
        return Check("model", provider.name, False, f"{where}: HTTP {response.status_code} from {url}", latency)
    if provider.local:
        check = _served_check(provider, response, url, where, latency)
    else:
        check = Check("model", provider.name, True, f"{where}: reachable at {url}", latency)
    built = _client_problem(provider) if check.ok else None
    return check if built is None else Check("model", provider.name, False, f"{where}: {built}", latency)


def _client_problem(provider: Provider) -> str | None:
    """Why this provider's client cannot be built as every call builds it, or None.

    An SDK that refuses its own arguments (as an upgrade can) fails every call while the server answers.
    """
    from tradeassist.core.gateway.providers import ClientBuildError

    try:
        provider.chat()
    except ClientBuildError as exc:
        return f"its client cannot be built ({exc})"
    return None


def _served_check(provider: Provider, response, url: str, where: str, latency: float) -> Check:
    """A local server answered: does it serve the configured model (or, unnamed, exactly one)?"""
    from tradeassist.core.gateway.providers import LOCAL_DEFAULT_MODEL

    try:
        items = [item for item in response.json().get("data", []) if isinstance(item, dict)]
    except (ValueError, AttributeError):
        items = []
    served = [str(item.get("id")) for item in items]
    # owned_by tells the servers apart: "vllm", "library" (Ollama), "me" (llama-cpp-python).
    owners = sorted({str(item.get("owned_by")) for item in items if item.get("owned_by")})
    server = f" ({_server_kind(owners)})" if owners else ""
    listing = ", ".join(served)
    if provider.name == "local" and provider.model == LOCAL_DEFAULT_MODEL:
        if len(served) > 1:
            return Check("model", provider.name, False, f"{where}: server at {url}{server} serves {listing}; "
                         "set TRADEASSIST_LOCAL_MODEL to one of them", latency)
        return Check("model", provider.name, True,
                     f"{where}: reachable at {url}{server}, serving {listing or 'one model'}", latency)
    if served and provider.model not in served:
        return Check("model", provider.name, False, f"{where}: server at {url}{server} serves {listing}, "
                     f"not {provider.model}", latency)
    return Check("model", provider.name, True, f"{where}: reachable at {url}{server}", latency)


def _server_kind(owners: list[str]) -> str:
    names = {"vllm": "vLLM", "library": "Ollama", "ollama": "Ollama", "me": "llama.cpp", "llamacpp": "llama.cpp"}
    return ", ".join(names.get(owner, owner) for owner in owners)


def run_checks(settings: Settings) -> list[Check]:
    """Every check: model providers, the trading database, the demo database, the document store."""
    from tradeassist.core.gateway.providers import build_providers

    checks: list[Check] = []
    providers = build_providers(settings)
    if settings.offline_only:
        checks.append(Check("model", "offline", True, "TRADEASSIST_OFFLINE_ONLY is set: offline methods only"))
    elif not providers:
        checks.append(Check("model", "offline", True, "no model configured: offline methods answer "
                            "(set TRADEASSIST_VLLM_URL, TRADEASSIST_LOCAL_URL or a cloud API key)"))
    checks.extend(probe_provider(provider) for provider in providers)
    if providers:
        # The order a SQL or simple call tries them (complex tasks may try the cloud first).
        from tradeassist.core.gateway.policy import Policy

        order = Policy.from_settings(settings).order(providers, task="simple")
        checks.append(Check("model", "order", True, " -> ".join([p.name for p in order] + ["offline methods"])))
    checks.append(_database_check(settings))
    demo = settings.demo_db_path()
    checks.append(Check("data", "demo database", demo.exists(),
                        str(demo) if demo.exists() else f"{demo} missing: run `tradeassist demo`"))
    checks.append(_documents_check(settings))
    kernel = _kernel_check()
    if kernel is not None:
        checks.append(kernel)
    return checks


def _kernel_check() -> Check | None:
    """A failing check when the installed Jupyter kernelspec is stale; None when it is current or absent."""
    from tradeassist.kernels.kernelspec import DISPLAY_NAME, installed_spec_problem

    problem = installed_spec_problem()
    return None if problem is None else Check("jupyter", f"{DISPLAY_NAME} kernel", False, problem)


def _database_check(settings: Settings) -> Check:
    from pathlib import Path

    from tradeassist.sql.db.urls import hide_password

    url = settings.resolved_db_url()
    shown = hide_password(url)
    if not settings.db_url and not Path(url).exists():
        return Check("data", "trading database", False, f"{shown} does not exist: run `tradeassist demo`")
    started = time.perf_counter()
    try:
        from tradeassist.sql.db.database import Database

        with Database.connect(url, settings) as database:
            tables = len(database.schema().tables)
            shown = database.display_url
    except Exception as exc:  # the doctor reports every failure instead of stopping
        return Check("data", "trading database", False, f"{shown}: {hide_password(str(exc).splitlines()[0][:200])}")
    latency = round((time.perf_counter() - started) * 1000, 1)
    return Check("data", "trading database", tables > 0, f"{shown}: {tables} tables", latency)


def _documents_check(settings: Settings) -> Check:
    started = time.perf_counter()
    try:
        from tradeassist.retrieval.index import DocumentIndex

        index = DocumentIndex.open(settings)
        try:
            count = len(index.list_documents(user=settings.user))
        finally:
            index.close()
    except Exception as exc:  # reported, not raised
        return Check("documents", settings.vector_store, False, str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
    latency = round((time.perf_counter() - started) * 1000, 1)
    return Check("documents", settings.vector_store, True, f"{count} documents visible to {settings.user}", latency)


def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Show which models, database and document store are configured and reachable."""
    import json
    import sys

    checks = run_checks(settings_for())
    if as_json:
        sys.stdout.write(json.dumps([asdict(check) for check in checks]) + "\n")
    else:
        from rich.table import Table

        table = Table(title="tradeassist doctor")
        for column in ("kind", "name", "status", "latency", "detail"):
            table.add_column(column, overflow="fold")  # never cut a path or URL short
        for check in checks:
            latency = f"{check.latency_ms:.0f} ms" if check.latency_ms is not None else ""
            table.add_row(check.kind, check.name, "[green]ok[/]" if check.ok else "[red]FAIL[/]", latency,
                          check.detail)
        console.print(table)
        # Paths in full on lines of their own, so they can be copied whatever the terminal's width.
        for check in checks:
            if check.kind == "data":
                console.print(f"{check.name}: {check.detail}", soft_wrap=True, markup=False, highlight=False)
    if any(not check.ok and check.kind == "model" for check in checks):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the doctor command to the tradeassist CLI."""
    app.command("doctor")(doctor)
