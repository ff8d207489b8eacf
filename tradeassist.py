"""`%load_ext tradeassist` entry point: re-exports the IPython extension from kernels."""

from __future__ import annotations

from kernels.extension import load_ipython_extension, unload_ipython_extension

__all__ = ["load_ipython_extension", "unload_ipython_extension"]
