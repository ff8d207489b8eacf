"""Scoring the docs route on a question set: hit@5 and answer match (``../shared/eval/README.md``).

hit@5: one of the first five citations names an expected source file (and, where the question
lists pages, one of those pages). Answer match: every ``answer_contains`` string appears in the
answer text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from core.answer import Answer
from core.errors import BadInputError, UnknownNameError

HIT_AT = 5


@dataclass(frozen=True)
class DocsCase:
    """One question of a docs evaluation set."""

    id: str
    question: str
    sources: tuple[str, ...]
    pages: tuple[int, ...] = ()
    answer_contains: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocsResult:
    """How one question scored, with what was cited (for the per-question report)."""

    case: DocsCase
    hit: bool
    answer_match: bool
    cited: tuple[str, ...] = ()
    error: str | None = None


@dataclass
class DocsReport:
    """All results of a run and the two rates."""

    results: list[DocsResult] = field(default_factory=list)

    @property
    def hit_rate(self) -> float:
        """Share of questions with an expected source among the first five citations."""
        return sum(r.hit for r in self.results) / len(self.results) if self.results else 0.0

    @property
    def answer_rate(self) -> float:
        """Share of questions whose answer text contains every expected string."""
        return sum(r.answer_match for r in self.results) / len(self.results) if self.results else 0.0


def load_cases(path: Path) -> list[DocsCase]:
    """Read a JSONL question set; a clear error names the bad line."""
    path = Path(path)
    if not path.is_file():
        raise UnknownNameError(f"No question file at {path}.")
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            cases.append(
                DocsCase(
                    id=str(row.get("id", f"line-{number}")),
                    question=str(row["question"]),
                    sources=tuple(str(s) for s in row["sources"]),
                    pages=tuple(int(p) for p in row.get("pages") or ()),
                    answer_contains=tuple(str(s) for s in row.get("answer_contains") or ()),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BadInputError(f"{path}:{number}: not a docs question ({exc}).") from exc
    if not cases:
        raise BadInputError(f"{path} holds no questions.")
    return cases


def _name(source: str) -> str:
    return PurePath(source).name


def score(case: DocsCase, answer: Answer) -> DocsResult:
    """Score one answer against its case."""
    if answer.error is not None:
        return DocsResult(case, False, False, error=str(answer.error))
    expected = {_name(s) for s in case.sources}
    cited = answer.citations[:HIT_AT]
    hit = any(
        _name(c.source) in expected and (not case.pages or c.page in case.pages) for c in cited
    )
    text = answer.text
    match = all(needle in text for needle in case.answer_contains)
    labels = tuple(f"{_name(c.source)} p.{c.page}" if c.page else _name(c.source) for c in cited)
    return DocsResult(case, hit, match, labels)


def run(cases: Iterable[DocsCase], ask: Callable[[str], Answer]) -> DocsReport:
    """Ask every question through ``ask`` and score the answers."""
    report = DocsReport()
    for case in cases:
        report.results.append(score(case, ask(case.question)))
    return report


def report_rows(report: DocsReport) -> Sequence[tuple[str, str, str, str]]:
    """Per-question rows: id, hit@5, answer match, first citations."""
    return [
        (
            r.case.id,
            "yes" if r.hit else "no",
            "yes" if r.answer_match else "no",
            r.error or ", ".join(r.cited),
        )
        for r in report.results
    ]
