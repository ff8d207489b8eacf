"""A damaged document store is named as the problem, in one clear line, never as a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from retrieval_helpers import make_chunks, make_doc

from tradeassist.core.errors import DataSourceError
from tradeassist.retrieval.embedded_store import EmbeddedStore


def _damage(path: Path) -> None:
    """Page-level damage: every page after the header gets garbage in its cell area."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the pages must be in the main file to damage them
    conn.close()
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data), 4096):
        data[offset + 8: offset + 200] = b"\xa5" * 192
    path.write_bytes(bytes(data))


@pytest.fixture()
def damaged_home(tmp_path):
    store_path = tmp_path / "home" / "documents" / "store.sqlite3"
    store = EmbeddedStore(store_path, dimensions=4)
    chunks = make_chunks([f"Margin calls are settled daily, rule {i}. " * 20 for i in range(60)])
    store.replace_document(make_doc("margin.txt"), chunks, np.ones((len(chunks), 4), dtype=np.float32))
    store.close()
    _damage(store_path)
    return tmp_path / "home", store_path


def test_checking_a_damaged_store_raises_a_clear_error(damaged_home):
    _, store_path = damaged_home
    with pytest.raises(DataSourceError, match="document store at .* is damaged or unreadable"):
        EmbeddedStore(store_path, dimensions=4).check()


def test_docs_list_names_the_damaged_store_without_a_traceback(damaged_home):
    home, store_path = damaged_home
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEASSIST_")}
    env.update(TRADEASSIST_HOME=str(home), HF_HUB_OFFLINE="1", DO_NOT_TRACK="true")
    done = subprocess.run([str(Path(sys.executable).with_name("tradeassist")), "docs", "list"], env=env,
                          capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "damaged or unreadable" in output and str(store_path.name) in output.replace("\n", ""), output
    assert "Traceback" not in output
