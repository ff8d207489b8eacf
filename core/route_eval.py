"""Scores routing on a question set: each answer is right, clarified (asked back / not found) or wrong.

A case is ``{"question": ..., "route": "docs"|"sql"|"signals", "in_docs": true|false|null}``.
Run: ``python -m core.route_eval FILE`` (with the demo database and documents in TRADEASSIST_HOME).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tradeassist.core.answer import Answer

#: The docs route's plain "nothing in your documents answers this" (a clarified outcome).
NOT_FOUND = "not found in your documents"


@dataclass(frozen=True)
class RouteCase:
    """One question with the route that should answer it (and, for documents, whether they can)."""

    id: str
    question: str
    route: str
    in_docs: bool | None = None


@dataclass(frozen=True)
class RouteOutcome:
    """How one case went: the route taken and right / clarified / wrong."""

    case: RouteCase
    taken: str
    outcome: str


def load_cases(path: Path) -> list[RouteCase]:
    """The cases of a JSONL file, one object a line."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            cases.append(RouteCase(row.get("id", str(len(cases) + 1)), row["question"], row["route"],
                                   row.get("in_docs")))
    return cases


def judge(case: RouteCase, answer: Answer) -> str:
    """right, clarified or wrong for one answer to one case."""
    not_found = answer.route == "docs" and answer.error is None and NOT_FOUND in answer.text.lower()
    if answer.error is not None or answer.needs_clarification:
        return "clarified"
    if case.route == "docs" and case.in_docs is False:
        # Nothing in the documents answers it: anything shown as an answer is wrong.
        return "right" if not_found else "wrong"
    if not_found:
        return "clarified"
    return "right" if answer.route == case.route else "wrong"


def score(backend, cases: list[RouteCase]) -> list[RouteOutcome]:
    """Ask every case through the backend (the real router and routes) and judge it."""
    outcomes = []
    for case in cases:
        answer = backend.ask_safely(case.question)
        outcomes.append(RouteOutcome(case, answer.route, judge(case, answer)))
    return outcomes


def summary(outcomes: list[RouteOutcome]) -> str:
    """One line a case (for the non-right ones) and the totals."""
    lines = [f"{o.outcome:9} {o.case.id:5} want {o.case.route:7} got {o.taken:7} {o.case.question}"
             for o in outcomes if o.outcome != "right"]
    counts = Counter(o.outcome for o in outcomes)
    lines.append(f"right {counts['right']} / clarified {counts['clarified']} / wrong {counts['wrong']} "
                 f"of {len(outcomes)}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Score the file named in ``argv[0]`` with the default backend; exit 1 when any is wrong."""
    from tradeassist.core.backend import Backend
    from tradeassist.core.settings import load_settings

    outcomes = score(Backend(load_settings()), load_cases(Path(argv[0])))
    print(summary(outcomes))
    return 1 if any(o.outcome == "wrong" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
