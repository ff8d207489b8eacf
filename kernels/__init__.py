"""Jupyter front end: IPython magics, a chat panel widget and the TradeAssist kernel."""

from __future__ import annotations

from tradeassist.kernels.extension import load_ipython_extension, session_for, unload_ipython_extension

__all__ = ["load_ipython_extension", "session_for", "unload_ipython_extension"]
