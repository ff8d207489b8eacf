"""What a resumed conversation may believe of its stored steps: only answers this server wrote and signed.

Chainlit stores each message's metadata with the thread, and a client can write a message's metadata
(a user message's, through the socket). A follow-up's plan and a thumbs-up's question-SQL pair are
read from that metadata, so only an assistant message carrying the server's signature, made for the
same user, is read back as an earlier answer.
"""

from __future__ import annotations

import json
from typing import Any

from tradeassist.chat.render import METADATA_KEY, SIGNATURE_KEY
from tradeassist.chat.signing import Signer


def sign_answer(signer: Signer, user: str, data: dict[str, Any]) -> str:
    """The signature of one answer's metadata for one user (a copy in another user's thread is not theirs)."""
    return signer.sign({"user": user, "answer": data})


def server_written_answer(step: dict[str, Any], user: str, signer: Signer) -> dict[str, Any] | None:
    """The answer metadata of a stored step when this server wrote it for ``user``; None for anything else."""
    if step.get("type") != "assistant_message":
        return None
    metadata = step.get("metadata") or {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except json.JSONDecodeError:
            return None
    data = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    if not isinstance(data, dict) or not data.get("question"):
        return None
    return data if signer.valid({"user": user, "answer": data}, metadata.get(SIGNATURE_KEY)) else None
