"""The IPython extension: one NotebookSession per shell, and the magics registered on it."""

from __future__ import annotations

from typing import Any

#: The session the loaded extension uses, per shell (the kernel and magics share it).
_SESSIONS: dict[int, Any] = {}


def session_for(shell: Any) -> Any:
    """The NotebookSession of a shell, created with settings from the environment on first use."""
    from kernels.session import NotebookSession

    key = id(shell)
    if key not in _SESSIONS:
        _SESSIONS[key] = NotebookSession()
    return _SESSIONS[key]


def load_ipython_extension(shell: Any, session: Any = None) -> None:
    """``%load_ext tradeassist``: register the magics on this shell."""
    from core.quiet import quiet_libraries
    from kernels.magics import TradeAssistMagics, protect_question_marks

    quiet_libraries()  # answers in cells, not library progress bars
    if session is not None:
        _SESSIONS[id(shell)] = session
    shell.register_magics(TradeAssistMagics(shell, session_for(shell)))
    if protect_question_marks not in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.append(protect_question_marks)


def unload_ipython_extension(shell: Any) -> None:
    """``%unload_ext tradeassist``: forget this shell's session."""
    from kernels.magics import protect_question_marks

    _SESSIONS.pop(id(shell), None)
    if protect_question_marks in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.remove(protect_question_marks)
