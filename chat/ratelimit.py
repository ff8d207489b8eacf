"""Per-user rate limits for the HTTP API: a token bucket in process, or in Redis when configured."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """In-process token buckets: ``burst`` calls at once, refilled at ``rate_per_minute``."""

    def __init__(self, rate_per_minute: float, burst: int, clock=time.monotonic):
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> tuple[bool, float]:
        """Take one token for ``key``; returns (allowed, seconds until the next token)."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return True, 0.0
            return False, (1.0 - bucket.tokens) / self.rate


#: Atomic refill-and-take in Redis: KEYS[1] bucket; ARGV rate/s, burst, now. Returns {allowed, wait}.
_REDIS_BUCKET = """
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'updated', now)
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return {allowed, tostring(wait)}
"""


class RedisLimiter:
    """The same token bucket kept in Redis, so several server processes share one limit per user."""

    def __init__(self, url: str, rate_per_minute: float, burst: int, prefix: str = "tradeassist:rate:"):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2)
        self.script = self.client.register_script(_REDIS_BUCKET)
        self.rate = rate_per_minute / 60.0
        self.burst = burst
        self.prefix = prefix

    def allow(self, key: str) -> tuple[bool, float]:
        """Take one token for ``key``; returns (allowed, seconds until the next token)."""
        allowed, wait = self.script(keys=[self.prefix + key], args=[self.rate, self.burst, time.time()])
        return bool(int(allowed)), float(wait)


def make_limiter(rate_per_minute: float, burst: int, redis_url: str | None = None):
    """Redis-backed when a URL is given, else in process."""
    if redis_url:
        return RedisLimiter(redis_url, rate_per_minute, burst)
    return TokenBucketLimiter(rate_per_minute, burst)


class FailureLimiter:
    """Counts failures per key in a sliding window; past ``max_failures`` the key waits until one ages out."""

    def __init__(self, max_failures: int, window_s: float, clock=time.monotonic):
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, []) if now - t < self.window_s]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)  # forget quiet keys, so the table cannot grow without end
        return kept

    def wait(self, key: str) -> float:
        """Seconds ``key`` must wait before its next try (0 when it may try now)."""
        now = self.clock()
        with self._lock:
            recent = self._recent(key, now)
            if len(recent) < self.max_failures:
                return 0.0
            return max(0.0, recent[-self.max_failures] + self.window_s - now)

    def fail(self, key: str) -> None:
        """Record one failure of ``key``."""
        now = self.clock()
        with self._lock:
            self._failures[key] = [*self._recent(key, now), now]

    def reset(self, key: str) -> None:
        """Forget ``key``'s failures (after a success)."""
        with self._lock:
            self._failures.pop(key, None)
