"""``tradeassist ingest``: summary and exit code, and a run killed with -9 that resumes cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ingest_corpus import text_pdf
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
WORDS = ["copper", "nickel", "zinc", "cobalt", "lithium", "silver", "gold", "platinum", "iron", "tin"]


def test_cli_exit_code_counts_failures(tmp_path, warm_parser):
    from tradeassist.cli.app import app

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ok.pdf").write_bytes(text_pdf([["Trading update", "", "Volumes rose 8 percent in October."]]))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "noise.pdf").write_bytes(bytes(range(256)) * 4)
    result = CliRunner().invoke(app, ["ingest", str(folder), "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert "1 stored" in result.output and "2 failed" in result.output
    assert "the file is empty" in result.output and "unknown binary" in result.output
    again = CliRunner().invoke(app, ["ingest", str(folder / "ok.pdf"), "--workers", "1"])
    assert again.exit_code == 0 and "1 unchanged" in again.output


def _note(i: int) -> str:
    word = WORDS[i % len(WORDS)]
    return f"Desk note {i}: marker{i:03d} says {word} inventories moved by {i} thousand tonnes.\n"


@pytest.mark.slow
def test_kill_9_mid_run_then_rerun_leaves_no_duplicates_and_nothing_missing(tmp_path):
    from tradeassist.core.settings import Settings
    from tradeassist.retrieval.index import DocumentIndex

    # Enough files that a kill lands mid-run: with the ONNX embedder 16 notes were stored in
    # less time than one poll of this test.
    count = 120
    folder = tmp_path / "notes"
    folder.mkdir()
    for i in range(count):
        (folder / f"note{i:03d}.txt").write_text(_note(i))
    home = tmp_path / "home"
    # One torch thread: the test machine is shared, and spinning threads only slow embedding there.
    env = dict(os.environ, TRADEASSIST_HOME=str(home), DO_NOT_TRACK="true", HF_HUB_OFFLINE="1",
               OMP_NUM_THREADS="1")
    command = [sys.executable, "-m", "tradeassist.cli.app", "ingest", str(folder), "--workers", "1"]
    settings = Settings(home=home)

    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stored_at_kill = 0
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if (home / "documents").exists():
                with DocumentIndex.open(settings) as index:
                    stored_at_kill = len(index.list_documents())
                if stored_at_kill >= 2:
                    break
            time.sleep(0.2)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert 2 <= stored_at_kill < count

    rerun = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    with DocumentIndex.open(settings) as index:
        stored = index.stored_documents()
        assert sorted(s.info.source for s in stored) == [f"note{i:03d}.txt" for i in range(count)]
        assert all(s.chunks == 1 for s in stored)  # each note is one chunk: no duplicates
        assert len({s.info.key for s in stored}) == count
        for i in (0, count // 2, count - 1):
            hits = index.search(f"marker{i:03d}", user="local", k=3, mode="keyword")
            assert [h.document.source for h in hits if f"marker{i:03d}" in h.chunk.text] == [f"note{i:03d}.txt"]
    assert f"{count} files" in rerun.stdout and "unchanged" in rerun.stdout
