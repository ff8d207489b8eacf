"""The intent: what a question asks, independent of SQL dialect; serialisable for follow-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from tradeassist.sql.timewords import Period


@dataclass(frozen=True)
class Measure:
    """One output measure: an aggregate over a column or metric, or ``count`` of rows."""

    agg: str | None  # avg | sum | min | max | count | median | quantile | calc (an aggregate metric) | None
    column: str | None = None  # column or metric name on the fact table; None for COUNT(*)
    metric: bool = False
    distinct: bool = False
    table: str | None = None  # the table the column lives on (the fact table, or a joined one)
    #: For ``quantile``: which one (0.95 for the 95th percentile).
    fraction: float | None = None


@dataclass(frozen=True)
class Filter:
    """A condition on a column of some table (joined when not the fact table)."""

    table: str
    column: str
    op: str  # = | in | > | >= | < | <=
    values: tuple[Any, ...]
    metric: bool = False
    #: For a condition on an aggregate per group (HAVING): avg | sum | count | min | max.
    agg: str | None = None
    #: For a condition on a part of a timestamp: hour | weekday (0 = Sunday).
    part: str | None = None


@dataclass(frozen=True)
class GroupKey:
    """A grouping column, or a date column truncated to a grain (day, week, month, ...)."""

    table: str
    column: str
    grain: str | None = None


@dataclass(frozen=True)
class Intent:
    """A planned question: fact table, measures, filters, groups, period, order and limit."""

    table: str
    kind: str  # aggregate | rows | series | latest | first | percentage | returns | return_n | period_return
    measures: tuple[Measure, ...] = ()
    filters: tuple[Filter, ...] = ()
    groups: tuple[GroupKey, ...] = ()
    period: Period | None = None
    order: str | None = None  # desc | asc | None
    order_by: int | None = None  # index of the measure ordered by (None: the group keys / time)
    limit: int | None = None
    #: For "percentage": the condition counted against all rows.
    condition: tuple[Filter, ...] = ()
    #: Extra columns to show in row listings (the identifying columns).
    show: tuple[str, ...] = ()
    #: For returns: how many rows back the return looks (1 = daily returns).
    window: int | None = None
    #: Conditions on aggregates per group ("accounts with more than 100 trades").
    having: tuple[Filter, ...] = ()
    #: For "compare": the periods set side by side ("this month vs last month").
    periods: tuple[Period, ...] = ()
    #: "average per day": the measures are totalled per bucket of this grain, then averaged over buckets.
    per: str | None = None
    #: Ratios (returns) shown in percent rather than as fractions.
    percent: bool = False
    #: For period returns: measured from the period's first close instead of the close before it.
    from_first: bool = False
    notes: tuple[str, ...] = field(default=(), compare=False)

    def with_changes(self, **changes: Any) -> Intent:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (dates as ISO text) stored in ``Answer.state['plan']``."""
        data = asdict(self)
        data["period"] = self.period.to_json() if self.period else None
        data["periods"] = [p.to_json() for p in self.periods]
        for f in (*data["filters"], *data["condition"], *data["having"]):
            f["values"] = [v.isoformat() if isinstance(v, dt.date) else v for v in f["values"]]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Intent:
        """Inverse of ``to_json``."""
        return cls(
            table=data["table"],
            kind=data["kind"],
            measures=tuple(Measure(**m) for m in data.get("measures", ())),
            filters=tuple(Filter(**{**f, "values": tuple(f["values"])}) for f in data.get("filters", ())),
            groups=tuple(GroupKey(**g) for g in data.get("groups", ())),
            period=Period.from_json(data["period"]) if data.get("period") else None,
            order=data.get("order"),
            order_by=data.get("order_by"),
            limit=data.get("limit"),
            condition=tuple(Filter(**{**f, "values": tuple(f["values"])}) for f in data.get("condition", ())),
            show=tuple(data.get("show", ())),
            window=data.get("window"),
            having=tuple(Filter(**{**f, "values": tuple(f["values"])}) for f in data.get("having", ())),
            periods=tuple(Period.from_json(p) for p in data.get("periods", ())),
            percent=bool(data.get("percent", False)),
            per=data.get("per"),
            from_first=bool(data.get("from_first", False)),
        )
