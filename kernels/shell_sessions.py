"""One NotebookSession per IPython shell, shared by the extension, the magics and the chat panel."""

from __future__ import annotations

from typing import Any

#: The session each shell uses, by the shell's id (the kernel, the magics and the panel share it).
_SESSIONS: dict[int, Any] = {}


def session_for(shell: Any) -> Any:
    """The NotebookSession of a shell, created with settings from the environment on first use."""
    from kernels.session import NotebookSession

    key = id(shell)
    if key not in _SESSIONS:
        _SESSIONS[key] = NotebookSession()
    return _SESSIONS[key]


def use_session(shell: Any, session: Any) -> None:
    """Make ``session`` the one this shell uses."""
    _SESSIONS[id(shell)] = session


def forget_session(shell: Any) -> None:
    """Drop this shell's session, if it has one."""
    _SESSIONS.pop(id(shell), None)
