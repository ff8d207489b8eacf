"""Eval scoring on a tiny set, and the docs / eval commands run as a person runs them."""

from __future__ import annotations

import json

import pytest
import typer
from retrieval_helpers import make_chunks, make_doc
from typer.testing import CliRunner

from tradeassist.core.answer import Answer, Citation, Text
from tradeassist.core.errors import BadInputError, NoRouteError, UnknownNameError
from tradeassist.retrieval import eval as docs_eval


def _answer(text: str, *cited: tuple[str, int | None]) -> Answer:
    return Answer("docs", (Text(text), *(Citation(s, p, "snippet", 1.0) for s, p in cited)))


CASE = docs_eval.DocsCase("q1", "question?", ("20010103.txt",), (), ("6 percent",))
PDF_CASE = docs_eval.DocsCase("q2", "question?", ("A.pdf",), (2, 3), ())


@pytest.mark.parametrize(
    ("case", "answer", "hit", "match"),
    [
        (CASE, _answer("cut to 6 percent", ("20010103.txt", 1)), True, True),
        (CASE, _answer("cut to 6 percent", ("/data/fomc/20010103.txt", 1)), True, True),  # file name counts
        (CASE, _answer("cut to 6", ("20010103.txt", 1)), True, False),
        (CASE, _answer("6 percent", *[("x.txt", 1)] * 5, ("20010103.txt", 1)), False, True),  # 6th is too late
        (PDF_CASE, _answer("", ("A.pdf", 1), ("B.pdf", 2)), False, True),  # wrong page, wrong file
        (PDF_CASE, _answer("", ("B.pdf", 1), ("A.pdf", 3)), True, True),
        (CASE, Answer("docs", (), error=NoRouteError("no")), False, False),
    ],
)
def test_scoring_follows_the_eval_readme(case, answer, hit, match):
    result = docs_eval.score(case, answer)
    assert (result.hit, result.answer_match) == (hit, match)


def test_report_rates_and_rows():
    report = docs_eval.run([CASE, PDF_CASE], lambda q: _answer("6 percent", ("20010103.txt", 1)))
    assert report.hit_rate == 0.5 and report.answer_rate == 1.0
    assert docs_eval.report_rows(report)[0] == ("q1", "yes", "yes", "-", "right", "20010103.txt p.1")
    assert report.outcomes() == {"right": 1, "clarified": 0, "wrong": 1}


FIGURE_CASE = docs_eval.DocsCase("f1", "What is Nike's FY2019 total current assets?", ("NIKE.pdf",), (54,),
                                 answer="$16525.00")


@pytest.mark.parametrize(
    ("gold", "text", "found"),
    [
        ("$16525.00", "Total current assets | 2019: 16,525 | 2018: 15,134 (in millions)", True),
        ("$5818.00", "net working capital of $5,818 million", True),
        ("16.5%", "a margin of 16.5 percent", True),
        ("Corporate. Its net revenue was -$473 million.", "Corporate | 2021: (473) | 2020: 166", True),
        ("$16525.00", "Total current assets | 2019: 16,524 | 2018: 16,526", False),
        ("0.4%", "revenue grew 4% in fiscal 2022", False),
        ("Yes, from 20% in Q2 of FY2022 to 20.1% in Q2 of FY2023", "20.0% in 2022", True),
        ("As of May 26, 2023 the total is $8,400,000,000.", "May 26, 2023", False),  # a date is no figure
    ],
)
def test_figure_in_answer_follows_the_eval_readme(gold, text, found):
    case = docs_eval.DocsCase("f", "q?", ("A.pdf",), (1,), answer=gold)
    assert docs_eval.score(case, _answer(text, ("A.pdf", 1))).figure is found


def test_outcomes_right_clarified_wrong():
    right = docs_eval.score(FIGURE_CASE, _answer("Total current assets | 2019: 16,525", ("NIKE.pdf", 54)))
    wrong_figure = docs_eval.score(FIGURE_CASE, _answer("Total assets | 2019: 23,717", ("NIKE.pdf", 54)))
    clarified = docs_eval.score(FIGURE_CASE, _answer("Not found in your documents: nothing in them answers this."))
    assert [r.outcome for r in (right, wrong_figure, clarified)] == ["right", "wrong", "clarified"]
    assert docs_eval.DocsCase("x", "q?", ("A.pdf",), answer="Yes. It decreased.").gold_figure is None


def test_load_cases_names_the_bad_line(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "q", "sources": ["x.txt"], "pages": [1]}\n{"question": "no sources"}\n')
    with pytest.raises(BadInputError, match=":2:"):
        docs_eval.load_cases(path)
    with pytest.raises(UnknownNameError):
        docs_eval.load_cases(tmp_path / "missing.jsonl")
    path.write_text('{"id": "a", "question": "q", "sources": ["x.txt"], "pages": [1]}\n')
    assert docs_eval.load_cases(path)[0].pages == (1,)


@pytest.fixture
def cli(monkeypatch, tmp_path, embedder):
    """A typer app with this package's commands, over a home holding two documents."""
    from tradeassist.core.settings import Settings
    from tradeassist.cli.docs import register
    from tradeassist.retrieval.index import DocumentIndex

    home = tmp_path / "cli-home"
    monkeypatch.setenv("TRADEASSIST_HOME", str(home))
    with DocumentIndex.open(Settings(home=home), embedder=embedder) as index:
        index.replace_document(make_doc("shared-key", source="20010103.txt"),
                               make_chunks(["The Committee lowered the federal funds rate by 50 basis points to 6 percent."]))
        index.replace_document(make_doc("ann-key", source="ann.pdf", user="ann", collection="ann"),
                               make_chunks(["Ann's notes about the order gateway."], page=2))
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """tradeassist"""

    register(app)
    return app


def test_docs_list_shows_what_a_user_can_see(cli):
    runner = CliRunner()
    result = runner.invoke(cli, ["docs", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert {row["source"] for row in json.loads(result.output)} == {"20010103.txt", "ann.pdf"}
    result = runner.invoke(cli, ["docs", "list", "--user", "bob", "--json"])
    assert [row["source"] for row in json.loads(result.output)] == ["20010103.txt"]
    table = runner.invoke(cli, ["docs", "list"])
    assert "20010103.txt" in table.output and "chunks" in table.output


def test_docs_remove_by_name_with_owner_check(cli):
    runner = CliRunner()
    refused = runner.invoke(cli, ["docs", "remove", "ann.pdf", "--user", "bob"])
    assert refused.exit_code != 0 and isinstance(refused.exception, UnknownNameError)
    done = runner.invoke(cli, ["docs", "remove", "ann.pdf", "--user", "ann"])
    assert done.exit_code == 0 and "Removed 1 document" in done.output
    listed = json.loads(runner.invoke(cli, ["docs", "list", "--json"]).output)
    assert [row["source"] for row in listed] == ["20010103.txt"]


def test_eval_docs_reports_per_question(cli, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "d1", "question": "Which statement lowered the federal funds rate to 6 percent?",
                    "sources": ["20010103.txt"], "answer_contains": ["6 percent"]}) + "\n"
        + json.dumps({"id": "d2", "question": "What is in Ann's notes about the order gateway?",
                      "sources": ["ann.pdf"], "pages": [2], "answer_contains": ["gateway"]}) + "\n"
    )
    result = CliRunner().invoke(cli, ["eval", "docs", str(questions), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    # "local" cannot see Ann's upload: one hit of two.
    assert report["hit_at_5"] == 0.5 and report["questions"][0]["hit_at_5"] is True
    as_ann = json.loads(CliRunner().invoke(cli, ["eval", "docs", str(questions), "--user", "ann", "--json"]).output)
    assert as_ann["hit_at_5"] == 1.0 and as_ann["answer_match"] == 1.0
    table = CliRunner().invoke(cli, ["eval", "docs", str(questions)])
    assert "hit@5 50%" in table.output and "d1" in table.output and "right" in table.output


def test_absent_questions_are_right_only_when_the_answer_says_not_found():
    """A question whose answer is in no document: "not found" is right, any found answer is wrong."""
    from tradeassist.retrieval.eval import NOT_FOUND_MARK, DocsCase, DocsReport, score

    case = DocsCase(id="a", question="Coca-Cola's 2022 revenue?", sources=(), answer="not in the documents", absent=True)
    said_not_found = score(case, _answer(f"{NOT_FOUND_MARK}: nothing names Coca-Cola."))
    quoted = score(case, _answer("Revenue was $43.0 billion.", ("PEPSICO_2022_10K.pdf", 3)))
    assert said_not_found.outcome == "right" and quoted.outcome == "wrong"
    report = DocsReport([said_not_found, quoted])
    assert report.outcomes() == {"right": 1, "clarified": 0, "wrong": 1}
    assert report.hit_rate == 0.0 and report.figure_questions == 0
