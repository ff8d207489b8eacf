"""The upload pool shares its workers between users: one person's long file never queues another's."""

from __future__ import annotations

import threading

from tradeassist.chat.fairpool import FairPool


def test_another_users_job_runs_while_one_user_holds_a_worker():
    pool = FairPool(2, per_user=1)
    release = threading.Event()
    started: list[str] = []
    lock = threading.Lock()

    def job(label: str, wait: bool = False) -> str:
        with lock:
            started.append(label)
        if wait:
            assert release.wait(30)
        return label

    first = pool.submit("alice", job, "alice-1", True)  # a long upload
    second = pool.submit("alice", job, "alice-2")
    other = pool.submit("bob", job, "bob-1")
    assert other.result(timeout=10) == "bob-1"  # ran beside alice's long one
    assert not second.done() and started[:2] == ["alice-1", "bob-1"]  # alice holds her one worker
    assert pool.waiting("alice") == 1
    release.set()
    assert first.result(timeout=10) == "alice-1" and second.result(timeout=10) == "alice-2"


def test_users_are_taken_in_turn_and_failures_reach_their_caller():
    pool = FairPool(1, per_user=1)
    gate = threading.Event()
    order: list[str] = []
    blocker = pool.submit("carol", lambda: gate.wait(30))
    # Alice queues three files before Bob's one: Bob's goes second, not last.
    futures = [pool.submit("alice", order.append, f"alice-{n}") for n in range(3)]
    futures.append(pool.submit("bob", order.append, "bob-0"))
    failing = pool.submit("dave", lambda: 1 / 0)
    gate.set()
    blocker.result(timeout=10)
    for future in futures:
        future.result(timeout=10)
    assert order == ["alice-0", "bob-0", "alice-1", "alice-2"]
    try:
        failing.result(timeout=10)
    except ZeroDivisionError:
        pass
    else:
        raise AssertionError("the job's exception was lost")
    pool.shutdown()
