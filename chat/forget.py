"""Everything kept for one user, removed with the account: a re-created name starts empty.

The chat's history (threads, messages, elements and their files, feedback), the user's uploaded
documents and their taught question-SQL pairs are all keyed by the user's name. Removing only the
account would let a new account of the same name inherit all of it, so ``tradeassist users remove``
forgets the user's data first and removes the account after (a failure in between leaves the
account in place, and running the command again finishes the job).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from tradeassist.core.settings import Settings


@dataclass(frozen=True)
class Forgotten:
    """What was removed for one user."""

    threads: int
    documents: int
    taught_pairs: int


def forget_user(settings: Settings, name: str) -> Forgotten:
    """Remove ``name``'s chat history, element files, uploaded documents and taught pairs."""
    threads = _forget_history(settings, name)
    documents = _forget_documents(settings, name)
    from tradeassist.sql.teach import Teacher

    taught = Teacher(settings).forget(name)
    return Forgotten(threads, documents, taught)


def _forget_history(settings: Settings, name: str) -> int:
    """Delete the user's threads (with their steps, elements and feedback), their user row and files."""
    import sqlalchemy as sa

    from tradeassist.chat.history import sync_url, chat_db_url, create_schema, storage_for

    url = chat_db_url(settings)
    create_schema(url)
    engine = sa.create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            user_ids = [row[0] for row in conn.execute(
                sa.text('SELECT "id" FROM users WHERE "identifier" = :name'), {"name": name})]
            threads = [row[0] for row in conn.execute(
                sa.text('SELECT "id" FROM threads WHERE "userIdentifier" = :name'), {"name": name})]
            for thread in threads:
                conn.execute(sa.text('DELETE FROM feedbacks WHERE "forId" IN '
                                     '(SELECT "id" FROM steps WHERE "threadId" = :thread)'), {"thread": thread})
                for table in ("elements", "steps"):
                    conn.execute(sa.text(f'DELETE FROM {table} WHERE "threadId" = :thread'), {"thread": thread})
                conn.execute(sa.text('DELETE FROM threads WHERE "id" = :thread'), {"thread": thread})
            conn.execute(sa.text('DELETE FROM users WHERE "identifier" = :name'), {"name": name})
    finally:
        engine.dispose()
    storage = storage_for(settings)
    for user_id in user_ids:  # element files live under the user's id
        folder = storage.root / str(user_id)
        if folder.is_dir() and storage.root in folder.resolve().parents:
            shutil.rmtree(folder)
    return len(threads)


def _forget_documents(settings: Settings, name: str) -> int:
    """Remove the documents the user uploaded (shared documents stay)."""
    from tradeassist.retrieval.index import DocumentIndex

    index = DocumentIndex.open(settings)
    try:
        own = [doc for doc in index.list_documents(user=name) if doc.user == name]
        return sum(1 for doc in own if index.remove(doc.key, user=name))
    finally:
        index.close()
