"""Imported once by the worker forkserver: loads the parsers so that every forked worker starts warm."""

from __future__ import annotations

from tradeassist.ingest.worker import warm_up

# Loading here (in the forkserver) rather than in each worker saves a spaCy load per process.
warm_up()
