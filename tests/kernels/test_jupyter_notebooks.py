"""The example notebooks, executed with nbclient in ipykernel (+ the extension) and in the TradeAssist kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from kernels.display import PLOTLY_MIME

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: (notebook, kernel, needs documents)
CASES = [
    ("01_sql_from_english.ipynb", "python3", False),
    ("02_documents_qa.ipynb", "python3", True),
    ("03_signals.ipynb", "python3", False),
    ("kernel/01_sql_from_english.ipynb", "tradeassist", False),
    ("kernel/02_documents_qa.ipynb", "tradeassist", True),
    ("kernel/03_signals.ipynb", "tradeassist", False),
]


def test_notebooks_are_committed_without_outputs():
    paths = sorted(NOTEBOOKS.rglob("*.ipynb"))
    assert len(paths) >= 6
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs"


def execute(name: str, kernel: str, env: dict, cwd: Path) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel; any cell error fails the run."""
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        notebook, timeout=240, kernel_name=kernel, allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute(env=env)
    return notebook


def outputs_of(notebook: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]


@pytest.fixture(scope="module")
def executed(request, kernelspec_dir, demo_env):
    """Executed notebooks by name+kernel, run on first use and saved under tests/artifacts/."""
    done: dict[tuple[str, str], nbformat.NotebookNode] = {}

    def get(name: str, kernel: str, docs: bool) -> nbformat.NotebookNode:
        if docs:
            request.getfixturevalue("docs_env")  # ingests the documents first (or skips)
        if (name, kernel) not in done:
            done[(name, kernel)] = execute(name, kernel, demo_env["kernel_env"], demo_env["home"])
            ARTIFACTS.mkdir(exist_ok=True)
            out = ARTIFACTS / "notebooks" / f"{kernel}-{Path(name).name}"
            out.parent.mkdir(exist_ok=True)
            nbformat.write(done[(name, kernel)], out)
        return done[(name, kernel)]

    return get


@pytest.mark.slow
@pytest.mark.parametrize(("name", "kernel", "docs"), CASES, ids=[f"{k}-{n}" for n, k, _ in CASES])
def test_notebook_outputs_hold_a_table_and_a_plotly_figure(executed, name, kernel, docs):
    notebook = executed(name, kernel, docs)
    outputs = outputs_of(notebook)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("<table" in h for h in html), f"{name}: no table"
    assert any(PLOTLY_MIME in o.get("data", {}) for o in outputs), f"{name}: no Plotly figure"
    # No answer in an example notebook may come back as an error.
    assert not any("tradeassist-error" in h for h in html), [h for h in html if "tradeassist-error" in h]


@pytest.mark.slow
def test_sql_english_notebook_offers_the_sql_as_the_next_cell(executed):
    notebook = executed("01_sql_from_english.ipynb", "python3", False)
    last = notebook.cells[-1]
    assert last.source.startswith("%%sql_english")
    shown = "".join(o["data"].get("text/html", "") for o in last.outputs if "data" in o)
    assert "SELECT" in shown
