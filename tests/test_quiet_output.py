"""Library progress bars and notices stay out of the product's output (a fresh process each time)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

LOAD_MODEL = "from tradeassist.retrieval.embeddings import Embedder; Embedder().embed(['hello'])"


def _stderr(code: str) -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_DISABLE_PROGRESS_BARS", "TRANSFORMERS_VERBOSITY", "TQDM_DISABLE")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr


@pytest.mark.slow
def test_the_cli_edge_silences_the_model_loading_bars():
    # Left alone, transformers prints "Loading weights: 100%|###|" on stderr for this load; the
    # product's front-end edge (cli.app, imported by the `tradeassist` command) stops it.
    assert "Loading weights" not in _stderr("import tradeassist.cli.app; " + LOAD_MODEL)


def test_quiet_defaults_never_override_a_person_s_own_setting():
    from tradeassist.core.quiet import quiet_libraries

    env = {"TRANSFORMERS_VERBOSITY": "info"}
    quiet_libraries(env)
    assert env["TRANSFORMERS_VERBOSITY"] == "info" and env["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"
