"""Route claims weighed by evidence across routes, and the notice for a close call.

The SQL route names the words its plan leaves out (``unexplained_words``); the documents route
probes the person's documents for them (``document_evidence``). When only the documents explain
those words, the docs claim rises and the SQL claim drops. Core never imports an engine here: it
asks the routes it was given, by these two methods, and does the arithmetic.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from tradeassist.core.answer import Notice
from tradeassist.core.errors import TradeAssistError

log = logging.getLogger(__name__)

#: Words of permission and duty ("may", "must"): rules are written in documents, never in trade rows.
_NORMATIVE = re.compile(r"\b(may|must|allowed|permitted|prohibited|forbidden|mandatory)\b", re.IGNORECASE)


def weigh_claims(question, claims: dict[str, float], routes: Sequence) -> dict[str, float]:
    """Claims adjusted by document evidence: docs up, SQL down when only the documents explain
    the words the SQL plan leaves out. Unchanged when either route is absent or a probe fails."""
    by_name = {route.name: route for route in routes}
    sql, docs = by_name.get("sql"), by_name.get("docs")
    if sql is None or docs is None:
        return claims
    if not hasattr(sql, "unexplained_words") or not hasattr(docs, "document_evidence"):
        return claims
    try:
        report = sql.unexplained_words(question.text)
        evidence = docs.document_evidence(
            question.text, [*report.unknown, *_NORMATIVE.findall(question.text)], report.unused, report.named,
            question.user, headings=not report.confident)
    except TradeAssistError as exc:  # evidence only re-ranks routes: the claims stand as they were
        log.warning("route evidence skipped: %s", exc)
        return claims
    if not evidence.found and not evidence.heading:
        return claims
    weighed = dict(claims)
    weighed["docs"] = max(weighed["docs"], evidence.docs_claim)
    # Each word only the documents explain is a word the SQL answer would silently drop.
    weighed["sql"] = max(0.0, weighed["sql"] - evidence.sql_penalty)
    return weighed


#: What each route answers from, for the notice that names the route taken and the one beside it.
ROUTE_SOURCES = {"sql": "the trading database", "docs": "your documents", "signals": "the signal engine"}


def close_call_notice(picked: str, claims: dict[str, float], margin: float, floor: float):
    """A Notice naming the route that answered and offering the runner-up, when their claims
    are within ``margin`` (and the runner-up claims at least ``floor``); None otherwise."""
    if picked not in claims:
        return None
    others = sorted(((claim, name) for name, claim in claims.items() if name != picked), reverse=True)
    if not others:
        return None
    claim, other = others[0]
    if claim < floor or claims[picked] - claim > margin:
        return None
    where = ROUTE_SOURCES.get(picked, f"the {picked} route")
    there = ROUTE_SOURCES.get(other, f"the {other} route")
    return Notice(f"Answered from {where}; this question could also be about {there}. "
                  f"To ask there, repeat it with the route set to '{other}' (`--route {other}`).", "info")
