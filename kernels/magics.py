"""IPython magics: ``%ask``/``%%ask``, ``%sql``/``%%sql``, ``%%sql_english``, ``%ingest``, ``%ask_reset``.

Load with ``%load_ext tradeassist``. Every magic catches TradeAssistError at this edge and shows its
message; answers come back as ``NotebookAnswer`` objects usable in the next cell.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.utils.text import FullEvalFormatter

from tradeassist.core.answer import error_answer
from tradeassist.core.errors import BadInputError, TradeAssistError
from tradeassist.kernels.display import IngestSummary, NotebookAnswer
from tradeassist.kernels.session import NotebookSession

_FIELD = re.compile(r"\{([^{}]+)\}")
#: A line magic of ours whose text ends in "?", which IPython would read as a help request.
_QUESTION_LINE = re.compile(r"^(\s*)%(ask|sql_english)\s+(\S.*\?)\s*$")


def protect_question_marks(lines: list[str]) -> list[str]:
    """Input transformer: ``%ask ... MSFT?`` asks the question instead of opening help on MSFT.

    IPython turns a line ending in ``?`` into ``%pinfo``; questions end in ``?``, so our line
    magics are turned into their call before IPython's help syntax sees them.
    """
    if lines and lines[0].lstrip().startswith("%%"):
        return lines  # a cell magic's body is passed through untouched anyway
    changed = []
    for line in lines:
        match = _QUESTION_LINE.match(line)
        if match:
            indent, name, rest = match.groups()
            line = f"{indent}get_ipython().run_line_magic({name!r}, {rest.strip()!r})\n"
        changed.append(line)
    return changed


def expand_variables(text: str, namespace: dict[str, Any]) -> str:
    """Replace ``{expr}`` with its value from the notebook namespace; unknown names stay as typed.

    Unlike IPython's default expansion, ``$`` is left alone (questions say "above $100").
    """
    formatter = FullEvalFormatter()

    def substitute(match: re.Match[str]) -> str:
        try:
            return formatter.vformat("{" + match.group(1) + "}", (), namespace)
        except Exception:  # a brace that is not a Python expression is part of the question
            return match.group(0)

    return _FIELD.sub(substitute, text)


def split_options(line: str) -> tuple[str, str]:
    """Split ``-o x --route sql what is ...`` into the options and the question text."""
    words = line.split()
    takes_value = {"-o", "--out", "--route", "--df"}
    index = 0
    while index < len(words) and words[index].startswith("-"):
        index += 2 if words[index] in takes_value else 1
    index = min(index, len(words))
    options = " ".join(words[:index])
    # Keep the question's own spacing: cut the option words from the front of the line.
    rest = line.lstrip()
    for word in words[:index]:
        rest = rest[rest.index(word) + len(word):].lstrip()
    return options, rest


def _strip_quotes(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


@magics_class
class TradeAssistMagics(Magics):
    """The tradeassist magics, sharing one NotebookSession (settings, backend, conversation)."""

    def __init__(self, shell: Any, session: NotebookSession):
        super().__init__(shell)
        self.session = session

    # -- %ask ------------------------------------------------------------------------------

    @no_var_expand
    @magic_arguments()
    @argument("-o", "--out", help="Store the answer in this variable.")
    @argument("--route", help="Force a route: sql, docs or signals.")
    @argument(
        "--df", action="append", default=[],
        help="A DataFrame in the namespace to ask about as a table (repeatable).",
    )
    @argument("--json", action="store_true", help="Show the JSON form of the answer instead.")
    @argument("--new", action="store_true", help="Start a new conversation with this question.")
    @line_cell_magic
    def ask(self, line: str = "", cell: str | None = None) -> Any:
        """Ask a question in plain English: ``%ask latest close of AAPL`` or ``%%ask`` + lines."""
        options, inline = split_options(line)
        args = parse_argstring(self.ask, options)
        text = inline if cell is None else (inline + "\n" + cell).strip()
        text = expand_variables(_strip_quotes(text), self.shell.user_ns)
        if args.new:
            self.session.reset()
        try:
            frames = self._frames(args.df)
        except TradeAssistError as exc:
            return self._show_error(exc)
        answer = self.session.ask(text, route=args.route, frames=frames)
        result = NotebookAnswer(answer, text)
        return self._deliver(result, args.out, args.json)

    def _frames(self, names: list[str]) -> dict[str, Any]:
        import pandas as pd

        frames: dict[str, Any] = {}
        for name in names:
            value = self.shell.user_ns.get(name)
            if value is None:
                raise BadInputError(f"--df {name}: there is no variable called {name!r} in this notebook.")
            if not isinstance(value, pd.DataFrame):
                raise BadInputError(f"--df {name}: {name!r} is a {type(value).__name__}, not a pandas DataFrame.")
            frames[name] = value
        return frames

    def _deliver(self, result: NotebookAnswer, out: str | None, as_json: bool) -> Any:
        if out:
            self.shell.user_ns[out] = result
        if as_json:
            from IPython.display import JSON

            return JSON(result.json, expanded=False)
        return result

    def _show_error(self, exc: Exception, route: str = "none") -> NotebookAnswer:
        """The error as an answer: shown as one clear line, with ``.error`` for code."""
        return NotebookAnswer(error_answer(route, exc))

    @line_magic
    def ask_reset(self, line: str = "") -> None:
        """Forget the conversation, so the next question does not follow up on earlier ones."""
        self.session.reset()

    # -- SQL ---------------------------------------------------------------------------------

    @no_var_expand
    @magic_arguments()
    @argument("-o", "--out", help="Store the result in this variable.")
    @line_cell_magic
    def sql(self, line: str = "", cell: str | None = None) -> Any:
        """Run a SELECT through the SQL guard on the read-only database: ``%sql SELECT ...``."""
        options, inline = split_options(line)
        args = parse_argstring(self.sql, options)
        statement = inline if cell is None else (inline + "\n" + cell).strip()
        statement = expand_variables(statement, self.shell.user_ns)
        result = NotebookAnswer(self.session.run_sql(statement), statement)
        return self._deliver(result, args.out, False)

    @no_var_expand
    @line_cell_magic
    def sql_english(self, line: str = "", cell: str | None = None) -> Any:
        """Turn English into SQL and put it in the next cell (as ``%%sql``) to edit and run."""
        text = line if cell is None else (line + "\n" + cell).strip()
        text = expand_variables(_strip_quotes(text), self.shell.user_ns)
        answer = self.session.ask(text, route="sql")
        result = NotebookAnswer(answer, text)
        if answer.sql is not None:
            self.shell.set_next_input(f"%%sql\n{answer.sql.statement}", replace=False)
        elif answer.error is None:
            return self._show_error(BadInputError("The SQL route answered without SQL; nothing to edit."), "sql")
        return result

    # -- documents ---------------------------------------------------------------------------

    @no_var_expand
    @line_magic
    def ingest(self, line: str = "") -> Any:
        """Ingest files or folders into your documents: ``%ingest report.pdf notes/``."""
        try:
            paths = shlex.split(expand_variables(line, self.shell.user_ns))
        except ValueError as exc:
            return self._show_error(BadInputError(f"Cannot read the paths: {exc}"), "ingest")
        if not paths:
            return self._show_error(BadInputError("Name a file or folder: %ingest PATH [PATH ...]"), "ingest")
        try:
            report = self.session.ingest(paths)
        except TradeAssistError as exc:
            return self._show_error(exc, "ingest")
        return IngestSummary(report)

    @line_magic
    def ask_upload(self, line: str = "") -> Any:
        """Show a file-upload box whose files are ingested into your documents."""
        from tradeassist.kernels.widget import UploadBox

        return UploadBox(self.session).widget
