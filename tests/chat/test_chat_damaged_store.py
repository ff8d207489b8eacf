"""A damaged document store is named as the problem: the uploaded file is not blamed."""

from __future__ import annotations

from tradeassist.chat.upload import ingest_one
from tradeassist.core.settings import Settings


def test_damaged_store_is_reported_as_such(tmp_path):
    settings = Settings(home=tmp_path / "home", offline_only=True)
    margin, fees = tmp_path / "margin.txt", tmp_path / "fees.txt"
    margin.write_bytes(b"Margin calls are settled daily.\n" * 40)
    fees.write_bytes(b"Fees are charged monthly.\n" * 40)
    first = ingest_one("margin.txt", margin, "txt", settings, "alice")
    assert first.error is None, first.error
    store = settings.home / "documents" / "store.sqlite3"
    damaged = bytearray(store.read_bytes())
    for offset in range(4096, len(damaged), 4096):  # page-level damage: every page after the header
        damaged[offset + 8: offset + 200] = b"\xa5" * 192
    store.write_bytes(bytes(damaged))

    second = ingest_one("fees.txt", fees, "txt", settings, "alice")
    assert "document store" in second.error and "fees.txt could not be read" not in second.error, second.error
