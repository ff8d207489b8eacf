"""Examples shown at the end of each command's ``--help``, kept in one table beside the CLI frame.

Every command gets a few lines a person can copy. They are attached as the command's epilog after
the packages have registered their commands, so the help of a command added later without
examples is caught by the test that walks the whole command tree.
"""

from __future__ import annotations

import typer

#: Command path (as typed after ``tradeassist``) -> example command lines.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "shell": ("tradeassist shell", "tradeassist shell --continue", "tradeassist shell --route docs"),
    "sql": ('tradeassist sql "latest close of AAPL"',
            'tradeassist sql "total traded notional by desk last month" --run'),
    "teach": ('tradeassist teach "big trades" "SELECT * FROM trades WHERE quantity * price > 1000000"',),
    "ingest": ("tradeassist ingest reports/", "tradeassist ingest policy.pdf notes.docx --details",
               "tradeassist ingest scans/ --collection research --workers 2"),
    "chat": ("tradeassist chat", "tradeassist chat --port 8100 --headless",
             "tradeassist chat --host 0.0.0.0 --port 8000"),
    "doctor": ("tradeassist doctor", "tradeassist doctor --json"),
    "data import": ("tradeassist data import bars.csv --table daily_bars",
                    "tradeassist data import prices.parquet --table daily_bars --map Ticker=symbol --map Close=close",
                    "tradeassist data import aapl.csv --table daily_bars --symbol AAPL"),
    "eval sql": ("tradeassist eval sql tests/sql/paraphrases.jsonl",
                 "tradeassist eval sql questions.jsonl --db postgresql://me@127.0.0.1/trading --json"),
    "eval docs": ("tradeassist eval docs tests/retrieval/docs_heldout.jsonl",
                  "tradeassist eval docs questions.jsonl --no-routed --json"),
    "catalog init": ("tradeassist catalog init --out definitions.yaml",),
    "catalog show": ("tradeassist catalog show", "tradeassist catalog show --table trades"),
    "docs list": ("tradeassist docs list", "tradeassist docs list --json"),
    "docs remove": ("tradeassist docs remove report.pdf", "tradeassist docs remove report.pdf --user alice"),
    "signals train": ("tradeassist signals train", "tradeassist signals train --since 2024-01-01"),
    "signals retrain": ("tradeassist signals retrain",),
    "signals score": ("tradeassist signals score", "tradeassist signals score NVDA AAPL", "tradeassist signals score --top 5"),
    "signals explain": ("tradeassist signals explain NVDA",),
    "signals backtest": ("tradeassist signals backtest", "tradeassist signals backtest --since 2024-01-01 --top 10 --hold 5"),
    "signals list": ("tradeassist signals list",),
    "users add": ("tradeassist users add alice", "printf 'a long password\\n' | tradeassist users add alice --password-stdin",
                  "tradeassist users add alice --replace"),
    "users remove": ("tradeassist users remove alice",),
    "users list": ("tradeassist users list",),
    "users token": ("tradeassist users token alice",),
    "jupyter install": ("tradeassist jupyter install", "tradeassist jupyter install --prefix .venv"),
    "jupyter uninstall": ("tradeassist jupyter uninstall",),
    "jupyter lab": ("tradeassist jupyter lab", "tradeassist jupyter lab --port 8890"),
}


def command_paths(app: typer.Typer, prefix: str = "") -> dict[str, object]:
    """Every command of ``app`` by its path (``"signals score"``), groups walked recursively."""
    found: dict[str, object] = {}
    for info in app.registered_commands:
        name = info.name or info.callback.__name__.replace("_", "-")
        found[f"{prefix}{name}"] = info
    for group in app.registered_groups:
        if group.typer_instance is not None:
            found.update(command_paths(group.typer_instance, f"{prefix}{group.name} "))
    return found


def examples_markdown(lines: tuple[str, ...]) -> str:
    """The epilog text: an "Examples" heading and the lines as one code block (help is Markdown)."""
    # Typer joins single line breaks of an epilog: each example is its own paragraph.
    return "**Examples**\n\n" + "\n\n".join(f"    {line}" for line in lines)


def attach_examples(app: typer.Typer, examples: dict[str, tuple[str, ...]] = EXAMPLES) -> None:
    """Put each command's examples at the end of its help (commands with examples in their own text are left)."""
    for path, info in command_paths(app).items():
        lines = examples.get(path)
        if lines and info.epilog is None:
            info.epilog = examples_markdown(lines)
