"""Fixtures for the Jupyter front end: a real IPython shell, and a home with demo data and documents."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The pinned date of the test suite (tests/conftest.py uses the same).
TODAY = "2026-11-20"
SHARED_DOCS = Path(__file__).resolve().parents[3] / "shared" / "data" / "docs" / "fomc" / "statements"
#: A few real FOMC statements the documents notebook asks about (when ../shared/data is present).
FOMC_FILES = ("20151216.txt", "20160316.txt", "20160921.txt")


@pytest.fixture(scope="session")
def ipython_shell():
    """IPython's real InteractiveShell (one per test process, as IPython allows)."""
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


@pytest.fixture(scope="session")
def demo_env(demo_duckdb, tmp_path_factory) -> dict:
    """A product home with the demo database (documents come with ``docs_env``).

    Returns ``home``, ``env`` (the TRADEASSIST_* variables), ``kernel_env`` (a kernel's whole
    environment) and ``settings``.
    """
    from tradeassist.core.settings import Settings

    home = tmp_path_factory.mktemp("jupyter-home")
    env = {
        "TRADEASSIST_HOME": str(home),
        "TRADEASSIST_DB_URL": str(demo_duckdb),
        "TRADEASSIST_TODAY": TODAY,
        "TRADEASSIST_OFFLINE_ONLY": "true",
        "DO_NOT_TRACK": "true",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    settings = Settings(home=home, db_url=str(demo_duckdb), today=TODAY, offline_only=True)
    # Kernels get this process's environment minus any developer TRADEASSIST_* settings.
    kernel_env = {
        key: value for key, value in os.environ.items()
        if not key.startswith("TRADEASSIST_") or key.startswith("TRADEASSIST_TEST_")
    }
    kernel_env.update(env)
    return {"home": home, "env": env, "kernel_env": kernel_env, "settings": settings}


@pytest.fixture(scope="session")
def docs_env(demo_env) -> dict:
    """``demo_env`` with a few real FOMC statements ingested; skips when ../shared/data is absent."""
    from tradeassist.ingest.pipeline import ingest_paths

    docs = [SHARED_DOCS / name for name in FOMC_FILES if (SHARED_DOCS / name).is_file()]
    if not docs:
        pytest.skip("../shared/data is absent: no documents to ask about")
    settings = demo_env["settings"]
    report = ingest_paths(docs, settings, user=settings.user, workers=1)
    assert report.failures == 0, [f.reason for f in report.files]
    return demo_env


@pytest.fixture(scope="session")
def kernelspec_dir(tmp_path_factory):
    """A private JUPYTER_DATA_DIR with the TradeAssist kernelspec installed (for the whole run)."""
    from tradeassist.kernels.kernelspec import install

    folder = tmp_path_factory.mktemp("jupyter-data")
    old = os.environ.get("JUPYTER_DATA_DIR")
    os.environ["JUPYTER_DATA_DIR"] = str(folder)
    install(user=True)
    yield folder
    if old is None:
        os.environ.pop("JUPYTER_DATA_DIR", None)
    else:
        os.environ["JUPYTER_DATA_DIR"] = old
