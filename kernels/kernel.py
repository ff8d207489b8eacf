"""The TradeAssist Jupyter kernel: every cell is a plain-English question, with a few escapes.

It is IPython's kernel with one change: a cell is rewritten before IPython runs it, so answers are
real Python objects in the namespace (``ans``, ``_``) and Python stays one escape away.

    a cell that is ...                   runs as
    plain English                        %%ask -o ans            (a question; follow-ups work)
    %route NAME question                 %%ask --route NAME -o ans
    %sql SELECT ... / %%sql + lines      the %sql magic: the same guard and read-only executor
    %%python + lines                     the lines, as Python
    %python one line                     that line, as Python
    any other %magic or %%magic          that IPython magic, unchanged (%ingest, %ask_reset, ...)
    !command                             a shell command, as in IPython

Run with ``python -m kernels.kernel -f CONNECTION_FILE`` (what the installed kernelspec does).
"""

from __future__ import annotations

import re
from typing import Any

from ipykernel.ipkernel import IPythonKernel

#: The variable that holds the latest answer in the kernel's namespace.
ANSWER_VARIABLE = "ans"
_ROUTE_ESCAPE = re.compile(r"^%route\s+(\S+)\s*(.*)$", re.DOTALL)


def translate_cell(cell: str) -> str:
    """The Python/IPython source that runs a TradeAssist cell (see the module docstring)."""
    stripped = cell.strip()
    if not stripped:
        return ""
    first_line, _, rest = stripped.partition("\n")
    head = first_line.split(None, 1)[0]
    if head == "%%python":
        return rest
    if head == "%python":
        return stripped[len("%python"):].strip()
    match = _ROUTE_ESCAPE.match(stripped)
    if match:
        name, question = match.groups()
        return f"%%ask --route {name} -o {ANSWER_VARIABLE}\n{question.strip()}"
    if stripped.startswith(("%", "!")):
        return stripped
    return f"%%ask -o {ANSWER_VARIABLE}\n{stripped}"


class TradeAssistKernel(IPythonKernel):
    """IPython's kernel where cells are questions (with %sql, %route and %python escapes)."""

    implementation = "tradeassist"
    implementation_version = "0.1.0"
    banner = "TradeAssist: ask about prices, trades, documents and signals in plain English."
    language_info = {
        "name": "tradeassist",
        "mimetype": "text/x-tradeassist",
        "file_extension": ".txt",
        "codemirror_mode": "text",
        "pygments_lexer": "text",
    }

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        from tradeassist.kernels.extension import load_ipython_extension

        load_ipython_extension(self.shell)

    async def do_execute(  # type: ignore[override]
        self,
        code: str,
        silent: bool,
        store_history: bool = True,
        user_expressions: dict | None = None,
        allow_stdin: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Translate the cell, then let IPython run it."""
        return await super().do_execute(
            translate_cell(code), silent, store_history, user_expressions, allow_stdin, **kwargs
        )

    def do_complete(self, code: str, cursor_pos: int) -> Any:
        """Complete Python only inside Python escapes; questions get no completions."""
        stripped = code.lstrip()
        if stripped.startswith(("%%python", "%python")):
            return super().do_complete(code, cursor_pos)
        return {"status": "ok", "matches": [], "cursor_start": cursor_pos, "cursor_end": cursor_pos, "metadata": {}}

    def do_is_complete(self, code: str) -> dict[str, Any]:
        """A question is always complete (Enter in a console sends it)."""
        return {"status": "complete"}


def main() -> None:
    """Start the kernel (``python -m kernels.kernel -f CONNECTION_FILE``)."""
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(kernel_class=TradeAssistKernel)


if __name__ == "__main__":
    main()
