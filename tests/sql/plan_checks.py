"""Checks shared by the planner tests: the planner understood a question and its SQL holds what it must."""

from __future__ import annotations

from typing import Iterable


def assert_planned(planner, question: str, fragments: Iterable[str]):
    """Plan ``question``, check the plan answers it and its SQL holds every fragment; returns the plan."""
    plan = planner.plan(question)
    assert plan.ok, plan.clarify
    for fragment in fragments:
        assert fragment in plan.sql, plan.sql
    return plan
