"""One NotebookSession per IPython shell, shared by the extension, the magics and the chat panel.

The session is kept on the shell object itself, so it lives and dies with its shell and two
shells in one process never share one.
"""

from __future__ import annotations

from typing import Any

#: The shell attribute that holds its session.
SESSION_ATTRIBUTE = "_tradeassist_session"


def session_for(shell: Any) -> Any:
    """The NotebookSession of a shell, created with settings from the environment on first use."""
    session = getattr(shell, SESSION_ATTRIBUTE, None)
    if session is None:
        from tradeassist.kernels.session import NotebookSession

        session = NotebookSession()
        use_session(shell, session)
    return session


def use_session(shell: Any, session: Any) -> None:
    """Make ``session`` the one this shell uses."""
    setattr(shell, SESSION_ATTRIBUTE, session)


def forget_session(shell: Any) -> None:
    """Drop this shell's session, if it has one."""
    if getattr(shell, SESSION_ATTRIBUTE, None) is not None:
        setattr(shell, SESSION_ATTRIBUTE, None)
