"""Per-provider limits: a concurrency cap, timeouts, and the one retry policy of the gateway.

vLLM queues requests without limit and never answers 429, so the cap is enforced here: a call
waits at most ``queue_timeout_s`` for a slot, then the gateway moves to the next provider.
"""

from __future__ import annotations

import random
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass


class ProviderBusy(Exception):
    """No concurrency slot became free in time."""


class ConcurrencyLimit:
    """A bounded semaphore with a wait limit and a count of calls in flight."""

    def __init__(self, limit: int):
        if limit < 1:
            raise ValueError("a concurrency limit must be at least 1")
        self.limit = limit
        self._semaphore = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0

    def try_acquire(self) -> bool:
        """Take a slot if one is free now (async callers poll this); pair with ``release``."""
        if not self._semaphore.acquire(blocking=False):
            return False
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        return True

    def release(self) -> None:
        """Give back a slot taken with ``try_acquire``."""
        with self._lock:
            self.in_flight -= 1
        self._semaphore.release()

    @contextmanager
    def slot(self, wait_s: float):
        """Hold one slot for the duration of a call; ProviderBusy if none frees within wait_s."""
        if not self._semaphore.acquire(timeout=max(0.0, wait_s)):
            raise ProviderBusy(f"all {self.limit} slots busy for {wait_s:.1f} s")
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1
            self._semaphore.release()


@dataclass(frozen=True)
class Timeouts:
    """Time to first token (streams; connect and first byte), whole call, and slot wait."""

    first_token_s: float = 10.0
    total_s: float = 60.0
    queue_s: float = 5.0
    connect_s: float = 3.0


@dataclass(frozen=True)
class RetryPolicy:
    """The single retry layer: at most ``retries`` more attempts on retryable errors, with jitter."""

    retries: int = 1
    backoff_s: float = 0.2
    max_backoff_s: float = 2.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt ``attempt`` (1 = first retry); Retry-After is honoured up to the cap."""
        if retry_after is not None:
            return min(max(0.0, retry_after), self.max_backoff_s)
        base = min(self.backoff_s * (2 ** (attempt - 1)), self.max_backoff_s)
        return base * (0.5 + random.random() / 2)  # jitter so retries of many callers spread out


class Deadline:
    """A wall-clock budget for one call, checked between stream chunks and before retries."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.started = time.monotonic()

    def left(self) -> float:
        """Seconds left (negative once passed)."""
        return self.seconds - (time.monotonic() - self.started)

    def passed(self) -> bool:
        """Whether the budget is spent."""
        return self.left() <= 0
