"""The offline planner: plain English -> SQL, in five stages, each run once and in order.

    question
      │ parse    sql/planner/parse.py    periods, numbers, limits, catalog mentions (longest phrase first)
      │ link     sql/planner/link.py     a role for every word (measure, filter, grouping, subject ...),
      │                                  candidate fact tables scored; compare.py reads numbers
      │ compose  sql/planner/compose.py  one Intent per candidate table (intent.py), in stages
      │ build    sql/planner/build.py    the Intent as a sqlglot tree, portable to DuckDB, SQLite, PostgreSQL
      │ verify   sql/planner/verify.py   every meaning-carrying word used, else ask back; the shape the
      ▼                                  result must have ("which X" needs X) checked after running
    Plan (plan.py): SQL with a confidence, or a clarifying question phrasing back the best readings
                    (describe.py)
"""

from tradeassist.sql.planner.plan import CONFIDENCE_THRESHOLD, Plan, Planner, question_shape

__all__ = ["CONFIDENCE_THRESHOLD", "Plan", "Planner", "question_shape"]
