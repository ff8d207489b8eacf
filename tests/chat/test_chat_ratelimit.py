"""Per-user token buckets, in process and in Redis."""

from __future__ import annotations

import uuid

import pytest

from tradeassist.chat.ratelimit import RedisLimiter, TokenBucketLimiter


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_token_bucket_allows_a_burst_then_refills():
    clock = Clock()
    limiter = TokenBucketLimiter(rate_per_minute=60, burst=3, clock=clock)
    assert [limiter.allow("a")[0] for _ in range(4)] == [True, True, True, False]
    allowed, wait = limiter.allow("a")
    assert not allowed and 0 < wait <= 1.0
    assert limiter.allow("b")[0]  # users are limited separately
    clock.now += 1.0
    assert limiter.allow("a")[0] and not limiter.allow("a")[0]


def test_redis_bucket_is_shared_between_limiters():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable: {exc}")
    prefix = f"tradeassist:test:{uuid.uuid4().hex}:"
    first = RedisLimiter("redis://127.0.0.1:6379/0", rate_per_minute=1, burst=2, prefix=prefix)
    second = RedisLimiter("redis://127.0.0.1:6379/0", rate_per_minute=1, burst=2, prefix=prefix)
    assert first.allow("u")[0] and second.allow("u")[0]
    allowed, wait = first.allow("u")
    assert not allowed and wait > 1
    assert second.allow("other")[0]
    first.client.delete(prefix + "u", prefix + "other")
