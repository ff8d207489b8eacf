"""The question parser now lives in ``sql.planner.parse`` (the planner's first stage); kept for importers."""

from sql.planner.parse import Mention, Parsed, Token, parse_question

__all__ = ["Mention", "Parsed", "Token", "parse_question"]
