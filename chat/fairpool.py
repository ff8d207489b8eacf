"""A pool of worker threads shared fairly between users: each user's jobs wait in their own queue.

Uploads are ingested in a pool of their own. With one first-come queue, one person's large upload
(minutes of embedding) made everyone else's one-page file wait behind it. Here each user has a
queue, the workers take users in turn, and one user never holds more than ``per_user`` workers, so
while someone's long file runs, another person's upload runs on the next free worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

#: How many workers one user may hold at once (the others stay free for other people).
PER_USER = 1


class FairPool:
    """Runs ``submit(user, fn, *args)`` jobs on ``workers`` threads, users taken in turn."""

    def __init__(self, workers: int, *, per_user: int = PER_USER, name: str = "tradeassist-fair"):
        self.per_user = max(1, per_user)
        self._queues: OrderedDict[str, deque] = OrderedDict()
        self._running: dict[str, int] = {}
        self._ready = threading.Condition()
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True)
                         for n in range(max(1, workers))]
        for thread in self._threads:
            thread.start()

    def submit(self, user: str, fn: Callable[..., Any], *args: Any) -> Future:
        """Queue ``fn(*args)`` as one of ``user``'s jobs; its Future completes when it has run."""
        future: Future = Future()
        with self._ready:
            if self._closed:
                raise RuntimeError("the pool is shut down")
            self._queues.setdefault(user, deque()).append((future, fn, args))
            self._ready.notify()
        return future

    def waiting(self, user: str) -> int:
        """How many of ``user``'s jobs wait to start."""
        with self._ready:
            return len(self._queues.get(user, ()))

    def shutdown(self) -> None:
        """Cancel the jobs not started; running ones finish (the threads are daemons: exit never waits)."""
        with self._ready:
            self._closed = True
            for queue in self._queues.values():
                for future, _, _ in queue:
                    future.cancel()
            self._queues.clear()
            self._ready.notify_all()

    def _next_job(self):
        """The first queued job of the first user (in turn order) below their share, or None."""
        for user, queue in self._queues.items():
            if queue and self._running.get(user, 0) < self.per_user:
                job = queue.popleft()
                # This user goes to the back of the turn order; an emptied queue is dropped.
                del self._queues[user]
                if queue:
                    self._queues[user] = queue
                return user, job
        return None

    def _work(self) -> None:
        while True:
            with self._ready:
                picked = self._next_job()
                while picked is None:
                    if self._closed:
                        return
                    self._ready.wait()
                    picked = self._next_job()
                user, (future, fn, args) = picked
                self._running[user] = self._running.get(user, 0) + 1
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(*args))
                    except BaseException as exc:  # handed to the waiting request, never lost
                        future.set_exception(exc)
            finally:
                with self._ready:
                    left = self._running.pop(user, 1) - 1
                    if left > 0:
                        self._running[user] = left
                    self._ready.notify_all()  # this user's next job (or another's) may start now
