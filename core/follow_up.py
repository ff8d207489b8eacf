"""Whether a question leans on the previous answer (an elliptical follow-up) or stands on its own.

"and for MSFT?" continues the last question; "Who is the CEO of Apple?" does not, even right after a
breakout question. Only a leaning question may be answered by the previous answer's route when no
route claims it strongly. The words are data (``follow_up_words.yaml``), read once.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

WORDS_FILE = Path(__file__).with_name("follow_up_words.yaml")
_WORD = re.compile(r"[a-z0-9']+")


@lru_cache(maxsize=1)
def _words() -> dict:
    import yaml

    return yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))


def _starts_with(words: list[str], phrases: list[str]) -> bool:
    return any(words[: len(p.split())] == p.split() for p in phrases)


def leans_on_previous(text: str) -> bool:
    """Whether ``text`` reads as a follow-up of the previous question rather than a question of its own."""
    data = _words()
    words = _WORD.findall(text.lower())
    if not words:
        return False
    if _starts_with(words, data["openers"]):
        return True
    joined = f" {' '.join(words)} "
    if any(f" {marker} " in joined for marker in data["markers"]):
        return True
    return len(words) <= data["short_words"] and not _starts_with(words, data["own_question_openers"])
