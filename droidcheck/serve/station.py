"""The counter: every phone on the server, what is being done to it, and what was found.

A phone that becomes ready is checked once by itself; re-check, fixes and watches are started from the
page. All of them go through the library's one way in (:mod:`droidcheck.inspection`) and the same fix
and watch engines as the command line, in worker threads, one job per phone at a time.

Each change of a phone's card is published as a ``phone`` event with the card rendered as HTML (the
renderer comes from the web app, which escapes every phone-reported string).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from droidcheck.errors import DroidcheckError
from droidcheck.serve.events import EventBus
from droidcheck.serve.tracker import TrackedDevice

if TYPE_CHECKING:
    from droidcheck.adb.connection import ServerAddress
    from droidcheck.inspection import Event, PhoneHandle
    from droidcheck.result import CheckResult
    from droidcheck.rules.model import Rule

IDLE, CHECKING, FIXING, WATCHING = "idle", "checking", "fixing", "watching"


class StationError(DroidcheckError):
    """A request the station cannot carry out (unknown phone, phone busy or not ready)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def phone_key(serial: str) -> str:
    """A short id safe in URLs and HTML ids, whatever the serial holds."""
    return "p" + hashlib.sha256(serial.encode("utf-8", "surrogateescape")).hexdigest()[:12]


@dataclass
class PhoneCard:
    """What the counter page shows for one phone (``result`` is redacted; ``raw`` stays in memory)."""

    key: str
    serial: str
    state: str
    model: str = ""
    transport: str = ""
    plugged: bool = True
    activity: str = IDLE
    stage: str = ""
    result: CheckResult | None = None
    raw: CheckResult | None = None
    error: str | None = None
    checked_at: float | None = None
    fixes: list[dict[str, Any]] = field(default_factory=list)
    fix_notes: list[str] = field(default_factory=list)
    watch: dict[str, Any] | None = None
    fix_logs: list[str] = field(default_factory=list)  # audit logs written for this phone (fix --undo LOG)
    auto_checked: bool = False
    version: int = 0


Renderer = Callable[[PhoneCard], str]


class Station:
    def __init__(self, address: ServerAddress, rules: list[Rule], bus: EventBus, *, redact: bool = True,
                 fix_log_dir: Path | None = None, deadline_s: float = 90.0, workers: int = 8,
                 watch_timeout_s: float = 180.0) -> None:
        self.address = address
        self.rules = rules
        self.bus = bus
        self.redact = redact
        self.fix_log_dir = fix_log_dir
        self.deadline_s = deadline_s
        self.watch_timeout_s = watch_timeout_s
        self.server_problem: str | None = None
        self.render: Renderer = lambda card: ""
        self._cards: dict[str, PhoneCard] = {}
        self._lock = threading.RLock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="droidcheck-serve")
        self._closed = False

    # -- what the page reads ---------------------------------------------------------------------
    def cards(self) -> list[PhoneCard]:
        with self._lock:
            return sorted(self._cards.values(), key=lambda c: (not c.plugged, c.serial))

    def card(self, key: str) -> PhoneCard:
        with self._lock:
            card = self._cards.get(key)
        if card is None:
            raise StationError("no such phone on this counter (unplugged and dismissed?)", 404)
        return card

    # -- from the device tracker -----------------------------------------------------------------
    def server_changed(self, problem: str | None) -> None:
        self.server_problem = problem
        self.bus.publish("server", {"problem": problem})

    def devices_changed(self, devices: dict[str, TrackedDevice]) -> None:
        """The full device list after a change: add, update, and retire cards; start first checks."""
        start: list[PhoneCard] = []
        gone: list[str] = []
        changed: list[PhoneCard] = []
        with self._lock:
            for serial, dev in devices.items():
                key = phone_key(serial)
                card = self._cards.get(key)
                if card is None:
                    card = self._cards[key] = PhoneCard(key=key, serial=serial, state=dev.state,
                                                        model=dev.tag("model").replace("_", " "),
                                                        transport=_transport(dev))
                elif card.state == dev.state and card.plugged:
                    continue
                card.state, card.plugged = dev.state, True
                changed.append(card)
                if dev.state == "device" and not card.auto_checked and card.activity == IDLE:
                    card.auto_checked = True
                    card.activity, card.stage, card.error = CHECKING, "starting the check", None
                    start.append(card)
            present = {phone_key(s) for s in devices}
            for key, card in list(self._cards.items()):
                if key in present or not card.plugged:
                    continue
                if card.activity == IDLE and card.result is None:
                    del self._cards[key]
                    gone.append(key)
                else:  # keep what was found (the sheet may still be printed); a running job ends incomplete
                    card.plugged, card.state = False, "unplugged"
                    card.auto_checked = False  # plugged in again: checked again
                    changed.append(card)
        for key in gone:
            self.bus.publish("phone", {"key": key, "removed": True})
        for card in changed:
            self._publish(card)
        for card in start:
            self._submit(card, self._check_job)

    # -- actions from the page ---------------------------------------------------------------------
    def recheck(self, key: str) -> None:
        card = self._claim(key, CHECKING, "starting the check")
        self._submit(card, self._check_job)

    def apply_fix(self, key: str, action: str) -> None:
        card = self.card(key)
        if action not in {f["action"] for f in card.fixes if f["kind"] != "refused"}:
            raise StationError(f"the fix '{action}' is not offered for this phone now", 409)
        card = self._claim(key, FIXING, f"applying {action}")
        self._submit(card, lambda c: self._fix_job(c, action))

    def start_watch(self, key: str, timeout_s: float | None = None) -> None:
        card = self._claim(key, WATCHING, "waiting for the code: ask the customer to request it now")
        limit = timeout_s or self.watch_timeout_s
        self._submit(card, lambda c: self._watch_job(c, limit))

    def dismiss(self, key: str) -> None:
        with self._lock:
            card = self.card(key)
            if card.plugged or card.activity != IDLE:
                raise StationError("only an unplugged phone that is not being worked on can be dismissed")
            del self._cards[key]
        self.bus.publish("phone", {"key": key, "removed": True})

    def close(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- jobs (worker threads) -----------------------------------------------------------------------
    def _claim(self, key: str, activity: str, stage: str) -> PhoneCard:
        with self._lock:
            card = self.card(key)
            if not card.plugged:
                raise StationError("this phone is unplugged: plug it in again", 409)
            if card.state != "device":
                raise StationError(f"this phone is {card.state}: it cannot be read yet", 409)
            if card.activity != IDLE:
                raise StationError(f"this phone is busy ({card.activity}): one job per phone at a time", 409)
            card.activity, card.stage, card.error = activity, stage, None
        self._publish(card)
        return card

    def _submit(self, card: PhoneCard, job: Callable[[PhoneCard], None]) -> None:
        def run() -> None:
            try:
                job(card)
            except DroidcheckError as exc:
                card.error = exc.message + (f" — {exc.hint}" if exc.hint else "")
            except Exception as exc:  # a bug must show on the card, never take the server down
                card.error = f"internal error: {type(exc).__name__}: {exc}"
            finally:
                with self._lock:
                    card.activity, card.stage = IDLE, ""
                self._publish(card)

        if not self._closed:
            self._pool.submit(run)

    def _handle(self, card: PhoneCard) -> PhoneHandle:
        from droidcheck.inspection import PhoneHandle

        return PhoneHandle.attach(self.address, card.serial, transport=card.transport, model=card.model)

    def _progress(self, card: PhoneCard) -> Callable[[Event], None]:
        def say(event: Event) -> None:
            card.stage = event.message
            self._publish(card)

        return say

    def _read_and_check(self, card: PhoneCard, phone: PhoneHandle) -> CheckResult:
        from droidcheck.inspection import check, read

        progress = self._progress(card)
        return check(read(phone, deadline_s=self.deadline_s, progress=progress), self.rules, progress=progress)

    def _check_job(self, card: PhoneCard) -> None:
        raw = self._read_and_check(card, self._handle(card))
        self._store_result(card, raw)

    def _store_result(self, card: PhoneCard, raw: CheckResult) -> None:
        from droidcheck.fix.plan import plan_fixes

        result = _redacted(raw) if self.redact else raw
        planned, _missing = plan_fixes(raw)
        with self._lock:
            card.raw, card.result, card.checked_at = raw, result, time.time()
            if result["device"].get("model"):
                card.model = str(result["device"]["model"])
            card.fixes = [{"action": p.step.action, "summary": p.step.summary, "kind": p.step.kind,
                           "note": p.step.note, "instruction": p.step.instruction, "rules": p.rules}
                          for p in planned]

    def _fix_job(self, card: PhoneCard, action: str) -> None:
        from droidcheck.fix.audit import AuditLog
        from droidcheck.fix.session import run_fix

        phone = self._handle(card)
        assert card.raw is not None
        notes: list[str] = []
        path = self._log_path(card)
        log = AuditLog(path, mode="fix", serial=card.serial)
        run = run_fix(card.raw, phone.device, card.serial, recheck=lambda: self._read_and_check(card, phone),
                      log=log, confirm=lambda _question: True, say=notes.append, only=[action])
        card.fix_notes = [n for n in notes if n.strip()]
        if log.started:
            card.fix_logs.append(str(path))
        if run.result_after is not None:
            previous = list(card.raw.get("changes") or [])
            run.result_after["changes"] = previous + list(run.result_after.get("changes") or [])
            self._store_result(card, run.result_after)

    def _log_path(self, card: PhoneCard) -> Path:
        import platformdirs

        base = self.fix_log_dir or Path(platformdirs.user_data_dir("droidcheck")) / "fix-logs"
        base.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        return base / f"droidcheck-fix-{card.key}-{stamp}-{secrets.token_hex(3)}.jsonl"

    def _watch_job(self, card: PhoneCard, timeout_s: float) -> None:
        from droidcheck.adb.service import run_shell
        from droidcheck.report.redact import redact_value
        from droidcheck.watch.session import run_watch

        phone = self._handle(card)
        raw = card.raw
        fact = raw["facts"].get("sms.default_app") if raw is not None else None
        sms_app = (fact.get("value") if fact else None) or None
        device = {"serial": card.serial, "model": card.model or None}

        def live(_kind: str, timeline: Any) -> None:
            card.watch = {"live": True, **_safe_timeline(timeline)}
            self._publish(card)

        outcome = run_watch(lambda script: run_shell(phone.device, script, timeout=20), timeout_s=timeout_s,
                            sms_app=sms_app, check_result=raw, device=device, on_event=live)
        card.watch = redact_value(outcome.to_dict())
        if card.result is not None:
            card.result = {**card.result, "watch": card.watch}

    def _publish(self, card: PhoneCard) -> None:
        with self._lock:
            card.version += 1
            html = self.render(card)
        self.bus.publish("phone", {"key": card.key, "html": html})


def _transport(dev: TrackedDevice) -> str:
    if ":" in dev.serial or dev.serial.startswith(("adb-", "emulator-")):
        return "wifi/tcp" if not dev.serial.startswith("emulator-") else "emulator"
    return "usb"


def _redacted(result: CheckResult) -> CheckResult:
    from droidcheck.report.redact import redact_result

    return redact_result(result)


def _safe_timeline(timeline: Any) -> dict[str, Any]:
    from droidcheck.report.redact import redact_value

    data = timeline.to_dict()
    return redact_value({"stages": data.get("stages", []), "sender": data.get("sender"),
                         "polls": data.get("polls")})
