"""tradeassist: a conversational notebook and chat assistant for trading data.

Every module imports as ``tradeassist.<package>`` (``tradeassist.sql``, ``tradeassist.core`` ...);
the repository root is this package (see ``package-dir`` in pyproject.toml). Importing it is cheap:
``%load_ext tradeassist`` loads the IPython extension only when IPython asks for it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext tradeassist``: register the magics on this shell."""
    from tradeassist.kernels.extension import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext tradeassist``: remove what ``load_ipython_extension`` registered."""
    from tradeassist.kernels.extension import unload_ipython_extension as unload

    unload(ipython)
