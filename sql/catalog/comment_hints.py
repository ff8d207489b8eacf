"""What a column comment says about the column's values: "Possible values: B = buy, S = sell".

Comments are written by people, so only a few plain forms are read: a list after "possible
values" / "allowed values" / "values" / "one of", and ``CODE = meaning`` / ``CODE: meaning`` /
``CODE (meaning)`` pairs. A value without a meaning is still a listed value (a category hint).
"""

from __future__ import annotations

import re

_LIST_START = re.compile(r"\b(?:possible|allowed|valid|permitted)\s+values?\s*(?:are|is)?\s*[:=-]?\s*"
                         r"|\bvalues?\s*:\s*|\bone of\s*[:]?\s*", re.IGNORECASE)
_PAIR = re.compile(r"""^['"]?(?P<code>[A-Za-z0-9_.\-]{1,24})['"]?\s*(?:=|:|->|-|\()\s*(?P<meaning>[^)]+?)\)?$""")
_QUOTES = " '\""
_ITEM_SPLIT = re.compile(r"\s*(?:,|;|\||/|\bor\b)\s*")


def _items(text: str) -> list[str]:
    end = re.search(r"\.(?:\s|$)", text)
    text = text[: end.start()] if end else text
    text = re.sub(r"\band\b", ",", text)
    items = []
    for item in _ITEM_SPLIT.split(text):
        while item.count(")") > item.count("("):  # the list sat inside parentheses
            item = item[: item.rindex(")")] + item[item.rindex(")") + 1:]
        if item.strip(" '\""):
            items.append(item.strip())
    return items


def value_hints(comment: str) -> dict[str, tuple[str, ...]]:
    """Values a comment lists, each with the words it gives for it (possibly none)."""
    if not comment:
        return {}
    hints: dict[str, tuple[str, ...]] = {}
    start = _LIST_START.search(comment)
    pieces = _items(comment[start.end():]) if start else []
    if not start:
        # Without a "possible values" cue, only explicit CODE = meaning pairs count.
        pieces = [p for p in _ITEM_SPLIT.split(comment.rstrip(".")) if "=" in p]
        pieces = [re.sub(r"^.*?:\s*(?=\S+\s*=)", "", p).strip() for p in pieces]
    for piece in pieces:
        match = _PAIR.match(piece)
        if match and match.group("meaning").strip():
            meaning = match.group("meaning").strip().lower()
            hints[match.group("code")] = tuple(dict.fromkeys((meaning, *_verb_forms(meaning))))
        elif start and len(piece.split()) <= 4:
            hints[piece.strip(_QUOTES)] = ()
    return hints


_FORMS = {"buy": ("bought", "buys", "purchase"), "sell": ("sold", "sells")}


def _verb_forms(meaning: str) -> tuple[str, ...]:
    # Trading sides are asked about as verbs as often as nouns ("what did we sell").
    return _FORMS.get(meaning, ())


_PARTICIPLES = frozenset({"paid", "sold", "bought", "held", "made", "sent", "done", "given", "taken", "kept", "spent",
                          "set", "put", "charged", "owed", "won", "lost"})
_NOT_NAMES = frozenset({"this", "these", "how", "what", "when", "which", "who", "whether", "if", "is", "unique",
                        "internal", "primary", "foreign", "see", "deprecated", "do", "not", "use", "todo", "used"})
_CLAUSE_END = re.compile(r"[.,;:()\[\]]|\s(?:that|which|who|of|for|in|on|at|by|from|to|with|as|when|where|if|is|are|was|"
                         r"e\.g|i\.e|per|and|or)\s", re.IGNORECASE)


def comment_phrases(comment: str) -> tuple[str, ...]:
    """The noun phrase a comment opens with ("Commission charged on the fill" -> commission,
    "Trade direction. ..." -> trade direction, direction): how the column's author named it."""
    head = _CLAUSE_END.split(" " + (comment or "").strip() + " ", maxsplit=1)[0].strip().lower()
    words = head.split()
    while words and words[0] in ("the", "a", "an"):
        words = words[1:]
    # A participle ends the name: "commission charged ...", "amount paid ...".
    for i, word in enumerate(words[1:], 1):
        if (word.endswith(("ed", "ing")) and len(word) > 4) or word in _PARTICIPLES:
            words = words[:i]
            break
    if not 1 <= len(words) <= 3 or not all(w.isalpha() for w in words):
        return ()
    if words[0] in _NOT_NAMES:
        return ()
    phrases = [" ".join(words)]
    if len(words) > 1:
        phrases.append(words[-1])
    return tuple(phrases)
