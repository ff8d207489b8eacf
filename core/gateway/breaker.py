"""A circuit breaker per provider: open after k consecutive failures, one half-open probe later.

    closed --k failures--> open --cool-down--> half-open --probe ok--> closed
                             ^                     |
                             +----probe fails------+

While open, calls are refused at once (the gateway moves to the next provider without
touching the network); after the cool-down exactly one caller is let through as the probe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class CircuitBreaker:
    """Counts consecutive failures of one provider and refuses calls while it is open."""

    def __init__(self, failures: int = 3, cooldown_s: float = 30.0, clock: Callable[[], float] = time.monotonic):
        if failures < 1:
            raise ValueError("a breaker needs at least one failure to open")
        self.failures = failures
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._consecutive = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        """closed, open or half-open (open whose cool-down has passed)."""
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return CLOSED
        if self._clock() - self._opened_at >= self.cooldown_s:
            return HALF_OPEN
        return OPEN

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open only the first caller (the probe) may."""
        with self._lock:
            state = self._state()
            if state == CLOSED:
                return True
            if state == HALF_OPEN and not self._probing:
                self._probing = True
                return True
            return False

    def record_success(self) -> None:
        """A call succeeded: close the breaker and forget earlier failures."""
        with self._lock:
            self._consecutive = 0
            self._opened_at = None
            self._probing = False

    def record_failure(self) -> None:
        """A call failed: count it; open (again) at k in a row, or when the probe failed."""
        with self._lock:
            self._consecutive += 1
            if self._probing or self._consecutive >= self.failures:
                self._opened_at = self._clock()
            self._probing = False

    def release_probe(self) -> None:
        """A probe that ended without a verdict (cancelled) lets the next caller probe."""
        with self._lock:
            self._probing = False
