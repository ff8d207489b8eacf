"""The exception tree of tradeassist.

Engines raise these; each front end (CLI, chat, notebook, HTTP API) catches ``TradeAssistError``
once at its edge and shows ``str(exc)`` to the person. Anything else escaping is a bug.

    TradeAssistError
    ├── BadInputError          the question or an argument cannot be used as given
    │   └── UnknownNameError   a table, column, symbol or file that does not exist
    ├── UnsafeSqlError         SQL refused by the guard (never run)
    ├── DataSourceError        the trading database is unreachable, too slow or broken
    ├── ConfigError            a setting is wrong (bad URL, missing key, impossible limit)
    ├── NoRouteError           no engine can answer this question
    ├── ModelUnavailableError  no language model could be reached (offline methods may still answer)
    ├── IngestError            a file could not be ingested (it fails alone)
    └── SignalError            the signal engine cannot score, train or backtest as asked
"""

from __future__ import annotations


class TradeAssistError(Exception):
    """Root of every error tradeassist raises on purpose; its message is meant for people."""

    #: HTTP-style status the API front end returns for this error.
    status: int = 500

    @property
    def type(self) -> str:
        """Stable short name of the error kind, used in the JSON form (``error.type``)."""
        return type(self).__name__


class BadInputError(TradeAssistError):
    """The question or an argument cannot be used as given."""

    status = 400


class UnknownNameError(BadInputError):
    """A table, column, symbol, file or route name that does not exist."""

    status = 404


class UnsafeSqlError(TradeAssistError):
    """SQL refused by the guard; it was never run."""

    status = 400


class DataSourceError(TradeAssistError):
    """The trading database is unreachable, timed out, or returned an error."""

    status = 502


class ConfigError(TradeAssistError):
    """A setting is wrong: a bad URL, a missing key, an impossible limit."""

    status = 500


class NoRouteError(TradeAssistError):
    """No engine can answer this question."""

    status = 422


class ModelUnavailableError(TradeAssistError):
    """No language model could be reached for this request."""

    status = 503


class IngestError(TradeAssistError):
    """A file could not be ingested; it fails alone, the rest go in."""

    status = 422


class SignalError(TradeAssistError):
    """The signal engine cannot score, train or backtest as asked."""

    status = 422
