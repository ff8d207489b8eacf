"""The IPython extension: the magics registered on a shell, with the shell's one NotebookSession."""

from __future__ import annotations

from typing import Any

from tradeassist.kernels.shell_sessions import forget_session, session_for, use_session

__all__ = ["load_ipython_extension", "session_for", "unload_ipython_extension"]


def load_ipython_extension(shell: Any, session: Any = None) -> None:
    """``%load_ext tradeassist``: register the magics on this shell."""
    from tradeassist.core.quiet import quiet_libraries
    from tradeassist.kernels.magics import TradeAssistMagics, protect_question_marks

    quiet_libraries()  # answers in cells, not library progress bars
    if session is not None:
        use_session(shell, session)
    shell.register_magics(TradeAssistMagics(shell, session_for(shell)))
    if protect_question_marks not in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.append(protect_question_marks)


def unload_ipython_extension(shell: Any) -> None:
    """``%unload_ext tradeassist``: forget this shell's session."""
    from tradeassist.kernels.magics import protect_question_marks

    forget_session(shell)
    if protect_question_marks in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.remove(protect_question_marks)
