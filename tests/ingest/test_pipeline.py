"""The pipeline: idempotent re-runs, atomic replacement, uploads per user, pool, progress."""

from __future__ import annotations

import os

import pytest
from ingest_corpus import docx_bytes, text_pdf

from tradeassist.core.errors import BadInputError
from tradeassist.ingest.pipeline import Progress, document_key, ingest_bytes, ingest_paths


def _chunk_counts(index) -> dict[str, int]:
    return {stored.info.source: stored.chunks for stored in index.stored_documents()}


def test_rerun_skips_unchanged_and_replaces_changed(tmp_path, settings, index, warm_parser):
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Alpha note: copper demand is rising in China.\n")
    (folder / "sub" / "b.txt").write_text("Beta note: the euro weakened after the ECB meeting.\n")
    (folder / ".hidden.txt").write_text("never ingested")

    events: list[Progress] = []
    first = ingest_paths([folder], settings, workers=1, index=index, progress=events.append)
    assert (first.stored, first.skipped, first.failures) == (2, 0, 0)
    assert events[0].files_done == 0 and events[-1].files_done == events[-1].files_total == 2
    assert events[-1].chunks == first.chunks >= 2

    again = ingest_paths([folder], settings, workers=1, index=index)
    assert (again.stored, again.skipped) == (0, 2)
    assert all(f.reason == "unchanged" for f in again.files)

    # A changed file replaces its old chunks; nothing of the old version remains.
    (folder / "a.txt").write_text("Alpha note, revised: copper demand is falling.\n\nSecond point on nickel.\n")
    third = ingest_paths([folder], settings, workers=1, index=index)
    assert (third.stored, third.skipped) == (1, 1)
    assert len(index.list_documents()) == 2
    hits = index.search("copper demand", user="local", k=10)
    texts = [h.chunk.text for h in hits if h.document.source == "a.txt"]
    assert texts and all("rising" not in t for t in texts)
    assert any("falling" in t for t in texts)


def test_key_depends_on_collection_user_and_path(tmp_path):
    keys = {document_key("shared", "local", "/x/a.txt"), document_key("uploads", "local", "/x/a.txt"),
            document_key("shared", "bob", "/x/a.txt"), document_key("shared", "local", "/x/b.txt")}
    assert len(keys) == 4
    assert document_key("shared", "local", "/x/a.txt") == document_key("shared", "local", "/x/a.txt")


def test_uploads_belong_to_their_user(settings, index, warm_parser):
    data = docx_bytes("Alice's thesis", ["Alice thinks lithium miners are undervalued."])
    result = ingest_bytes("../../etc/thesis.docx", data, settings, user="alice", index=index)
    assert result.status == "ok" and result.source == "thesis.docx" and result.path == "upload:thesis.docx"
    assert ingest_bytes("thesis.docx", data, settings, user="alice", index=index).status == "skipped"
    assert [d.source for d in index.list_documents(user="alice")] == ["thesis.docx"]
    assert index.list_documents(user="bob") == []
    assert index.search("lithium miners", user="bob", k=5) == []
    alice = index.search("lithium miners", user="alice", k=5)
    assert alice and alice[0].document.collection == "uploads"
    # Bad bytes fail with a reason instead of raising; the upload's temp file is gone.
    bad = ingest_bytes("notes.pdf", b"\x00\x01garbage" * 50, settings, user="alice", index=index)
    assert bad.status == "failed" and "unknown binary" in bad.reason
    assert not any((settings.home / "tmp").iterdir())
    too_big = ingest_bytes("big.txt", b"x" * 2_000_000, settings.model_copy(update={"max_file_mb": 1}),
                           user="alice", index=index)
    assert too_big.status == "failed" and "file too large" in too_big.reason


def test_process_pool_parses_in_parallel_and_bad_files_fail_alone(tmp_path, settings, index):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for i in range(4):
        (folder / f"note{i}.pdf").write_bytes(text_pdf([[f"Note {i}", "", f"Position {i} was trimmed by {i + 1} percent."]]))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(300))
    (folder / "blank.txt").write_text("   \n\n  ")
    report = ingest_paths([folder, tmp_path / "missing.txt"], settings, workers=2, index=index)
    statuses = {f.source: f.status for f in report.files}
    assert statuses == {"note0.pdf": "ok", "note1.pdf": "ok", "note2.pdf": "ok", "note3.pdf": "ok",
                        "broken.pdf": "failed", "blank.txt": "failed", "missing.txt": "failed"}
    reasons = {f.source: f.reason for f in report.files}
    assert "PDF" in reasons["broken.pdf"] and "no text" in reasons["blank.txt"]
    assert reasons["missing.txt"] == "no such file or folder"
    assert report.failures == 3 and report.pages == 4
    assert sorted(_chunk_counts(index)) == [f"note{i}.pdf" for i in range(4)]


def test_symlinks_inside_folders_are_not_followed(tmp_path, settings, index, warm_parser):
    outside = tmp_path / "outside.txt"
    outside.write_text("Private file outside the folder.")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "real.txt").write_text("A real note about bond spreads.")
    (folder / "link.txt").symlink_to(outside)
    (folder / "linked_folder").symlink_to(tmp_path, target_is_directory=True)
    report = ingest_paths([folder], settings, workers=1, index=index)
    stored = [f.source for f in report.files if f.status == "ok"]
    assert stored == ["real.txt"]
    # Each link is in the report, skipped with the reason, never dropped in silence.
    skipped = {f.source: f.reason for f in report.files if f.status == "skipped"}
    assert set(skipped) == {"link.txt", "linked_folder"} and all("symbolic link" in r for r in skipped.values())


@pytest.mark.parametrize(("kwargs", "message"), [({"collection": "bad\nname"}, "collection"),
                                                 ({"user": ""}, "user")])
def test_bad_scope_is_refused(settings, tmp_path, kwargs, message):
    with pytest.raises(BadInputError, match=message):
        ingest_paths([tmp_path], settings, **kwargs)
    with pytest.raises(BadInputError):
        ingest_paths([], settings)


def test_ingest_uploads_counts_and_limits(settings, index, warm_parser):
    from tradeassist.ingest.pipeline import ingest_uploads

    uploads = [("a.txt", b"First upload about oil futures."), ("b.txt", b"")]
    seen: list[Progress] = []
    report = ingest_uploads(uploads, settings, user="carol", index=index, progress=seen.append)
    assert (report.stored, report.failures) == (1, 1) and seen[-1].files_done == 2
    tight = settings.model_copy(update={"max_files_per_upload": 1})
    with pytest.raises(BadInputError, match="Too many files"):
        ingest_uploads(uploads, tight, user="carol", index=index)
