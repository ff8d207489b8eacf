"""unstructured partitions with the network unreachable (its spaCy model comes from a package)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ingest_corpus import docx_bytes, text_pdf

SCRIPT = r"""
import socket, sys
attempts = []
def refuse(self, address, *args, **kwargs):
    attempts.append(address)
    raise OSError("network unreachable (blocked by the test)")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = lambda address, *a, **k: refuse(None, address)

from tradeassist.ingest.limits import Limits
from tradeassist.ingest.worker import ParseJob, parse_file
for path in sys.argv[1:]:
    result = parse_file(ParseJob(path, path.rsplit("/", 1)[-1], Limits()))
    assert result.ok, (path, result.reason)
    print(path.rsplit(".", 1)[-1], len(result.chunks), sum(len(c.text) for c in result.chunks))
print("connect attempts:", len(attempts))
"""


def test_partition_pdf_docx_txt_with_network_unreachable(tmp_path):
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(text_pdf([["FOMC statement", "", "The Committee decided to raise the target range."]]))
    docx = tmp_path / "memo.docx"
    docx.write_bytes(docx_bytes("Memo", ["Inflation has moderated but remains elevated."]))
    txt = tmp_path / "notes.txt"
    txt.write_text("Labor market conditions remain strong.\n\nThe unemployment rate stayed low.\n")
    env = dict(os.environ, DO_NOT_TRACK="true", HF_HUB_OFFLINE="1", HOME=str(tmp_path))
    # A fresh process, so no spaCy model is already loaded from an earlier test.
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(pdf), str(docx), str(txt)],
                          capture_output=True, text=True, timeout=240, env=env,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    counts = {line.split()[0]: int(line.split()[1]) for line in lines[:3]}
    assert counts == {"pdf": 1, "docx": 1, "txt": 1}
    assert all(int(line.split()[2]) > 20 for line in lines[:3])
