"""Scoring the docs route on a question set (``../shared/eval/README.md``).

hit@5: one of the first five citations names an expected source file (and, where the question
lists pages, one of those pages). Answer match: every ``answer_contains`` string appears in the
answer text. Figure in answer: for a question whose gold ``answer`` holds a figure, that figure
(its first one, dates and years aside) appears in the answer text, thousands separators and
units allowed. Each question is also counted right (cited the evidence and, where checked,
holds the expected text and figure), clarified (the answer says it found nothing) or wrong.
A question whose answer is in none of the documents (``"kind": "absent"``, no sources) is right
when the answer says so and wrong when it presents anything as found.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from tradeassist.core.answer import Answer
from tradeassist.core.errors import BadInputError, UnknownNameError
from tradeassist.retrieval.figures import figure_matches

HIT_AT = 5
#: How the docs route says that nothing answers (``tradeassist.retrieval.route``).
NOT_FOUND_MARK = "Not found in your documents"


@dataclass(frozen=True)
class DocsCase:
    """One question of a docs evaluation set."""

    id: str
    question: str
    sources: tuple[str, ...]
    pages: tuple[int, ...] = ()
    answer_contains: tuple[str, ...] = ()
    #: The gold answer in words (filings sets); its first figure is checked in the answer.
    answer: str = ""
    #: The answer is in none of the documents: the right answer says "not found".
    absent: bool = False

    @property
    def gold_figure(self) -> float | None:
        """The first figure of the gold answer (dates and years aside), or None."""
        from tradeassist.retrieval.figures import figures_in

        if self.absent:
            return None
        values = figures_in(self.answer) if self.answer else []
        return values[0] if values else None


@dataclass(frozen=True)
class DocsResult:
    """How one question scored, with what was cited (for the per-question report)."""

    case: DocsCase
    hit: bool
    answer_match: bool
    cited: tuple[str, ...] = ()
    error: str | None = None
    #: None when the gold answer holds no figure.
    figure: bool | None = None
    not_found: bool = False
    seconds: float = 0.0

    @property
    def outcome(self) -> str:
        """right, clarified (said it found nothing) or wrong."""
        if self.case.absent:
            return "right" if self.not_found else "wrong"
        if self.not_found:
            return "clarified"
        return "right" if self.hit and self.answer_match and self.figure is not False else "wrong"


@dataclass
class DocsReport:
    """All results of a run and the two rates."""

    results: list[DocsResult] = field(default_factory=list)

    @property
    def _answerable(self) -> list[DocsResult]:
        """Results of questions whose answer is in the documents (hit@5 means nothing for the rest)."""
        return [r for r in self.results if not r.case.absent]

    @property
    def hit_rate(self) -> float:
        """Share of answerable questions with an expected source among the first five citations."""
        results = self._answerable
        return sum(r.hit for r in results) / len(results) if results else 0.0

    @property
    def answer_rate(self) -> float:
        """Share of answerable questions whose answer text contains every expected string."""
        results = self._answerable
        return sum(r.answer_match for r in results) / len(results) if results else 0.0

    @property
    def figure_questions(self) -> int:
        """Questions whose gold answer holds a figure."""
        return sum(r.figure is not None for r in self.results)

    @property
    def figure_rate(self) -> float:
        """Share of the figure questions whose gold figure appears in the answer text."""
        total = self.figure_questions
        return sum(bool(r.figure) for r in self.results) / total if total else 0.0

    def outcomes(self) -> dict[str, int]:
        """Counts of right, clarified and wrong answers."""
        counts = {"right": 0, "clarified": 0, "wrong": 0}
        for result in self.results:
            counts[result.outcome] += 1
        return counts

    def summary(self) -> str:
        """One line: hit@5, answer match, figure rate, right / clarified / wrong."""
        outcomes = self.outcomes()
        line = f"hit@5 {self.hit_rate:.0%}  answer match {self.answer_rate:.0%}"
        if self.figure_questions:
            line += f"  figure in answer {self.figure_rate:.0%} (of {self.figure_questions})"
        return (line + f"  right {outcomes['right']} / clarified {outcomes['clarified']} / wrong {outcomes['wrong']}"
                f"  ({len(self.results)} questions)")


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
                    answer=str(row.get("answer") or ""),
                    absent=row.get("kind") == "absent" or not row["sources"],
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
    gold = case.gold_figure
    figure = None if gold is None else figure_matches(gold, text)
    not_found = not answer.citations and NOT_FOUND_MARK in text
    if case.absent:
        hit = match = not_found
    return DocsResult(case, hit, match, labels, figure=figure, not_found=not_found)


def run(cases: Iterable[DocsCase], ask: Callable[[str], Answer]) -> DocsReport:
    """Ask every question through ``ask`` and score the answers (with each answer's seconds)."""
    import time

    report = DocsReport()
    for case in cases:
        started = time.perf_counter()
        answer = ask(case.question)
        result = score(case, answer)
        report.results.append(DocsResult(**{**result.__dict__, "seconds": time.perf_counter() - started}))
    return report


def report_rows(report: DocsReport) -> Sequence[tuple[str, str, str, str, str, str]]:
    """Per-question rows: id, hit@5, answer match, figure, outcome, first citations."""
    return [
        (
            r.case.id,
            "yes" if r.hit else "no",
            "yes" if r.answer_match else "no",
            "-" if r.figure is None else ("yes" if r.figure else "no"),
            r.outcome,
            r.error or ", ".join(r.cited),
        )
        for r in report.results
    ]
