"""A small route list for chat tests while real routes are unavailable: real Answers, fixed data."""

from __future__ import annotations

from core.answer import Answer, Chart, Citation, Notice, Sql, Table, Text
from core.question import Question


class DemoSqlRoute:
    """Answers every question with a real DuckDB query over the demo database, when present."""

    name = "sql"
    description = "trading data"

    def __init__(self, settings):
        self.settings = settings

    def claim(self, question: Question) -> float:
        return 0.2 if "document" in question.text.lower() else 0.8

    def answer(self, question: Question) -> Answer:
        import duckdb
        import plotly.express as px

        symbol = "MSFT" if "msft" in question.text.lower() else "AAPL"
        if question.previous and "msft" in question.text.lower():
            symbol = "MSFT"
        statement = (
            f"SELECT date, close FROM daily_bars WHERE symbol = '{symbol}' ORDER BY date DESC LIMIT 20"
        )
        con = duckdb.connect(self.settings.resolved_db_url(), read_only=True)
        frame = con.execute(statement).df()
        con.close()
        if "ambiguous" in question.text.lower():
            return Answer("sql", (Notice("Which price?", "clarify", ("close of AAPL", "open of AAPL")),))
        return Answer(
            "sql",
            (
                Text(f"The last 20 closes of {symbol}. ![x](http://127.0.0.1:9/leak.png)"),
                Sql(statement, "duckdb"),
                Table(frame),
                Chart(px.line(frame, x="date", y="close"), "line"),
            ),
        )


class DemoDocsRoute:
    """Cites a fixed passage."""

    name = "docs"
    description = "documents"

    def __init__(self, settings):
        self.settings = settings

    def claim(self, question: Question) -> float:
        return 0.9 if "document" in question.text.lower() else 0.1

    def answer(self, question: Question) -> Answer:
        return Answer("docs", (Text("Revenue grew [1]."), Citation("report.pdf", 3, "Revenue grew 12%.", 0.9)))


def routes(settings):
    """The test routes, sql first."""
    return (DemoSqlRoute(settings), DemoDocsRoute(settings))
