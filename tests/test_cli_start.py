"""The command line starts fast: help loads no engine library, a SQL question loads no model library.

Each check runs in a fresh interpreter (this test process has loaded everything already) and lists
which of the heavy libraries ended up in ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Libraries that cost a noticeable share of a second (or several) to import.
ENGINE_LIBRARIES = ("pandas", "numpy", "sqlglot", "duckdb", "plotly", "sqlalchemy", "pyarrow", "yaml", "httpx")
MODEL_LIBRARIES = ("torch", "sentence_transformers", "transformers", "onnxruntime", "faiss", "bm25s", "unstructured",
                   "spacy", "xgboost", "shap", "sklearn", "scipy", "langchain", "langchain_core", "openai", "vanna",
                   "chainlit", "IPython", "ipykernel")

LOADED_AFTER = """
import contextlib, io, json, sys
from tradeassist.cli.app import main
commands, watched = json.loads(sys.argv[1]), json.loads(sys.argv[2])
with contextlib.redirect_stdout(io.StringIO()):
    for argv in commands:
        sys.argv = ["tradeassist", *argv]
        try:
            main()
        except SystemExit:
            pass
print(json.dumps(sorted(name for name in watched if name in sys.modules)))
"""


def _loaded_after(commands: list[list[str]], watched: tuple[str, ...], env: dict[str, str] | None = None) -> list[str]:
    """The ``watched`` libraries a fresh process has imported after running ``commands`` in turn."""
    done = subprocess.run([sys.executable, "-c", LOADED_AFTER, json.dumps(commands), json.dumps(watched)],
                          cwd=REPO, env=env or dict(os.environ), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_of_every_command_loads_no_engine_library():
    from tradeassist.cli.app import app
    from tradeassist.cli.examples import command_paths

    helps = [["--help"], *([*path.split(), "--help"] for path in command_paths(app))]
    assert len(helps) > 25
    assert _loaded_after(helps, ENGINE_LIBRARIES + MODEL_LIBRARIES) == []


@pytest.mark.slow
def test_an_offline_sql_question_loads_no_model_library(demo_duckdb):
    env = dict(os.environ, TRADEASSIST_DB_URL=str(demo_duckdb), TRADEASSIST_OFFLINE_ONLY="true")
    questions = [["ask", "latest close of AAPL"], ["ask", "--continue", "and for MSFT?"]]
    loaded = _loaded_after(questions, ENGINE_LIBRARIES + MODEL_LIBRARIES, env)
    assert "duckdb" in loaded and "pandas" in loaded  # the question was answered from the database
    assert [name for name in loaded if name in MODEL_LIBRARIES] == []
    assert "plotly" not in loaded  # the terminal shows no chart, so none is made (nor read back with a follow-up)
