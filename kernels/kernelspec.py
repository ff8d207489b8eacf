"""Install and remove the TradeAssist kernelspec (``tradeassist jupyter install``)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from core.errors import ConfigError

KERNEL_NAME = "tradeassist"
DISPLAY_NAME = "TradeAssist"


def kernel_spec(python: str | None = None) -> dict:
    """The kernel.json content: this Python running ``-m kernels.kernel``."""
    return {
        "argv": [python or sys.executable, "-m", "kernels.kernel", "-f", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "tradeassist",
        "interrupt_mode": "signal",
        "metadata": {"debugger": False},
    }


def install(user: bool = True, prefix: str | None = None, name: str = KERNEL_NAME) -> str:
    """Install the kernelspec (user folder by default, or under ``prefix``); returns its folder."""
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "kernel.json").write_text(json.dumps(kernel_spec(), indent=1))
        try:
            return KernelSpecManager().install_kernel_spec(
                folder, kernel_name=name, user=user and not prefix, prefix=prefix
            )
        except (OSError, ValueError) as exc:
            raise ConfigError(f"Could not install the {DISPLAY_NAME} kernel: {exc}") from exc


def uninstall(name: str = KERNEL_NAME) -> str | None:
    """Remove the kernelspec; returns the folder removed, or None when it was not installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        return KernelSpecManager().remove_kernel_spec(name)
    except (KeyError, NoSuchKernel):  # jupyter_client raises KeyError for an unknown name
        return None
    except OSError as exc:
        raise ConfigError(f"Could not remove the {DISPLAY_NAME} kernel: {exc}") from exc
