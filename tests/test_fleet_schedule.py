"""The fleet's scheduler: which device a free thread reads next (``droidcheck.fleet.schedule``)."""

from __future__ import annotations

import threading
import time

from droidcheck.fleet.schedule import Scheduler


def test_takes_round_the_servers_and_keeps_each_bound() -> None:
    items = [("a", 1), ("a", 2), ("a", 3), ("b", 4), ("b", 5), ("c", 6)]
    s: Scheduler[int] = Scheduler(items, per_server=1)
    first = [s.take() for _ in range(3)]
    assert [item for item, _slot in first] == [1, 4, 6]  # one per server, not a's three in a row
    got: list[int] = []
    # every server is at its bound (daemon threads: a hang fails the test instead of blocking the run)
    waiter = threading.Thread(target=lambda: got.append(s.take()[0]), daemon=True)
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive() and not got
    first[1][1].release()  # b's slot frees: b's next device
    waiter.join(5)
    assert got == [5]
    first[1][1].release()  # a second release of the same slot frees nothing
    assert s._reading == {"a": 1, "b": 1, "c": 1}


def test_every_waiting_thread_ends_when_the_devices_run_out() -> None:
    """More threads than devices on one server: the threads left waiting must all get None, not hang."""
    s: Scheduler[int] = Scheduler([("a", n) for n in range(5)], per_server=2)
    taken: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        while (t := s.take()) is not None:
            item, slot = t
            time.sleep(0.01)
            with lock:
                taken.append(item)
            slot.release()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(5)
    assert not any(th.is_alive() for th in threads)
    assert sorted(taken) == list(range(5))


def test_cancel_hands_out_nothing_more() -> None:
    s: Scheduler[int] = Scheduler([("a", 1), ("a", 2)], per_server=1)
    item, _slot = s.take()
    got: list[object] = []
    waiter = threading.Thread(target=lambda: got.append(s.take()), daemon=True)
    waiter.start()
    s.cancel()
    waiter.join(5)
    assert item == 1 and got == [None] and s.take() is None
