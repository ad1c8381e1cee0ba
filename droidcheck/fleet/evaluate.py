"""Turning a read phone into what the run folder keeps: facts, rules, redaction and JSON, in worker processes.

Reading a phone is waiting on sockets, which threads do well; everything after it is Python CPU work
(about 10 ms a phone), which threads cannot spread over cores. In a large fleet that work made the run
bound by one core, so it goes to a small process pool when there are enough phones to pay for starting it.

Safety rules, because a fleet run must lose nothing:

* any failure of the pool (a worker killed, the pool shut down by Ctrl-C, a value that does not pickle)
  falls back to doing the same work in the calling thread: the phone's result is still recorded;
* workers ignore Ctrl-C (the main process decides what to do) and exit when the main process dies, even
  from a kill, so no worker is ever left behind;
* workers load the rule sets themselves, by the same extra directories, once each.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from droidcheck.fleet.store import result_json
from droidcheck.snapshot import Snapshot

if TYPE_CHECKING:
    from droidcheck.result import CheckResult

#: Below this many phones the pool's start-up (about a second on a small machine) costs more than it saves.
MIN_PHONES_FOR_POOL = 24
RulesKey = tuple[str, ...]  # a target's extra rule directories

_worker_rules: dict[RulesKey, list[Any]] = {}


#: What a digest keeps of each finding: enough for a results.jsonl line and the lab page's grid.
DIGEST_FINDING_KEYS = ("rule", "title", "status", "area")


@dataclass(frozen=True)
class Evaluated:
    """One phone evaluated, as the run keeps it. The files' text is made where the evaluation ran (a worker
    process), so the main process, which also reads every phone, neither encodes the JSON nor unpickles
    the whole result; it gets the few fields it reads as ``digest``."""

    digest: dict[str, Any]  # result-shaped: see result_digest
    result_json: str  # result.json
    snapshot_json: str  # snapshot.json


def result_digest(result: CheckResult | dict[str, Any]) -> dict[str, Any]:
    """The result without its bulk (facts; each finding's evidence, explanation and fixes). It keeps the
    result's shape, so code that reads those fields reads either (``runner._line``, ``check.exit_code``,
    the lab's grid cells)."""
    digest = {k: v for k, v in result.items() if k not in ("facts", "findings")}
    digest["findings"] = [{k: f.get(k) for k in DIGEST_FINDING_KEYS} for f in result.get("findings") or []]
    return digest


def evaluate(snap: Snapshot, rules: list[Any], redact: bool) -> Evaluated:
    """One read phone checked; its result and snapshot redacted unless ``redact`` is False."""
    from droidcheck.check import check_snapshot
    from droidcheck.report.redact import redact_result

    result = check_snapshot(snap, rules)
    if redact:
        result = redact_result(result)
    return Evaluated(result_digest(result), result_json(result), snapshot_json(snap, redact))


def snapshot_json(snap: Snapshot, redact: bool) -> str:
    """The snapshot as the run folder keeps it (``snapshot.json``): scrubbed unless ``redact`` is False."""
    if redact:
        from droidcheck.report.redact import redact_snapshot

        snap = redact_snapshot(snap)
    return json.dumps(snap.to_dict(), indent=1, ensure_ascii=False)


def _rules_for_key(key: RulesKey) -> list[Any]:
    if key not in _worker_rules:
        from droidcheck.rules.loader import load_rules

        _worker_rules[key] = load_rules(extra_dirs=[Path(d) for d in key] or None)
    return _worker_rules[key]


def _evaluate_in_worker(snap: Snapshot, key: RulesKey, redact: bool) -> Evaluated:
    return evaluate(snap, _rules_for_key(key), redact)


def _leave_with_parent() -> None:
    """Exit as soon as the main process is gone (a kill leaves no chance to shut the pool down)."""
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="droidcheck-parent-watch", daemon=True).start()


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _leave_with_parent()


def _warm_up() -> int:
    from droidcheck import check  # noqa: F401 - imported for its cost, before the first phone arrives
    from droidcheck.report import redact  # noqa: F401

    return os.getpid()


class Evaluator:
    """``evaluator(snap, key, rules)`` → :class:`Evaluated`: in a worker process when a pool is up, else (or
    when the pool fails) in the calling thread. ``close()`` when the run ends."""

    def __init__(self, redact: bool, workers: int) -> None:
        self.redact = redact
        self.pool: Executor | None = None
        self.fallbacks = 0
        self._lock = threading.Lock()
        if workers > 0:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: the main process runs reader threads, and forking beside them can copy a
            # held lock into the child
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init_worker)
            for _ in range(workers):  # start the workers now, while the first phones are being read
                self.pool.submit(_warm_up)

    def __call__(self, snap: Snapshot, key: RulesKey, rules: list[Any]) -> Evaluated:
        pool = self.pool
        if pool is not None:
            try:
                return pool.submit(_evaluate_in_worker, snap, key, self.redact).result()
            except Exception:  # BrokenProcessPool, CancelledError, RuntimeError after shutdown, pickling…
                with self._lock:
                    self.fallbacks += 1
        return evaluate(snap, rules, self.redact)

    def close(self, wait: bool = True) -> None:
        """Stop the workers: after the last phone, wait for them to exit; on Ctrl-C, do not."""
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)


def pool_size(phones: int, requested: int | None) -> int:
    """Worker processes for ``phones`` ready phones: ``requested`` if given (0 = none), else one per core
    up to 4, and none for a small fleet or a single core."""
    if requested is not None:
        return max(0, requested)
    cores = os.cpu_count() or 1
    if phones < MIN_PHONES_FOR_POOL or cores < 2:
        return 0
    return min(cores, 4)
