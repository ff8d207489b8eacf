"""Install and remove the TradeAssist kernelspec (``tradeassist jupyter install``)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from tradeassist.core.errors import ConfigError

KERNEL_NAME = "tradeassist"
DISPLAY_NAME = "TradeAssist"


def kernel_spec(python: str | None = None) -> dict:
    """The kernel.json content: this Python running ``-m tradeassist.kernels.kernel``."""
    return {
        "argv": [python or sys.executable, "-m", "tradeassist.kernels.kernel", "-f", "{connection_file}"],
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


def installed_spec_problem(name: str = KERNEL_NAME) -> str | None:
    """Why the installed kernelspec would not start this install's kernel, or None when it would (or none is installed).

    A kernelspec written by an older release names a module that no longer exists (``-m kernels.kernel``
    before the ``tradeassist.`` namespace) or a Python that is gone; Jupyter then fails to start the
    kernel with no hint, so ``tradeassist doctor`` says so and how to fix it.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except (KeyError, NoSuchKernel):
        return None
    argv = list(spec.argv)
    wanted = kernel_spec()["argv"]
    module = argv[argv.index("-m") + 1] if "-m" in argv[:-1] else None
    if module != wanted[2]:
        return f"{spec.resource_dir} runs {module or argv!r}, not {wanted[2]}: run `tradeassist jupyter install` again"
    if argv and not Path(argv[0]).exists():
        return f"{spec.resource_dir} runs {argv[0]}, which no longer exists: run `tradeassist jupyter install` again"
    return None
