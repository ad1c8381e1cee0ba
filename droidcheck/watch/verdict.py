"""Where the watched SMS stopped, and which rules of the rule pack explain that stage.

The stage decides the candidate rules (``STAGE_RULES``); the static check run at the start (a normal
``check_snapshot`` result) says which of them actually fail or warn on this phone, and those come first.
Manual checklist items of the stage (``account-number-correct``, ``resend-after-wait``…) are always listed:
no phone can rule them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from droidcheck.parsers.zen import zen_label
from droidcheck.result import CheckResult
from droidcheck.watch.timeline import Timeline

#: Candidate rules per stop; ids from ``rules/*.yaml``.
STAGE_RULES: dict[str, tuple[str, ...]] = {
    "network": ("airplane-mode-on", "sim-not-ready", "no-cellular-service", "weak-signal", "roaming",
                "storage-full", "dual-sim-sms-slot", "number-mismatch", "account-number-correct",
                "resend-after-wait", "spam-and-blocked", "other-texts-arrive"),
    "sms_app": ("no-default-sms-app", "sms-app-disabled", "sms-app-not-stock", "other-sms-readers",
                "storage-full", "security-messaging-app", "spam-and-blocked"),
    "notification": ("sms-app-notifications-blocked", "sms-app-channels-silenced", "do-not-disturb"),
    "silenced": ("sms-app-channels-silenced", "do-not-disturb"),
    "shown": ("do-not-disturb",),
}

_SUMMARY = {
    "network": "Nothing reached the phone: the message was lost before it (carrier, wrong number or the "
               "account side), or the phone could not receive it.",
    "sms_app": "The message reached the phone's telephony stack but was never delivered to the SMS app.",
    "notification": "The message reached the SMS app and was stored, but no notification was shown.",
    "silenced": "The message arrived and the SMS app posted a notification, but silently "
                "(no sound or pop-up).",
    "shown": "The message arrived and its notification was shown: delivery works on this phone.",
    "unknown": "The watch ended before anything could be concluded (nothing readable was seen).",
}


@dataclass
class Verdict:
    stopped_at: str  # network | sms_app | notification | silenced | shown | unknown
    summary: str
    evidence: str  # observed | inferred
    rules: list[str]
    findings: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"stopped_at": self.stopped_at, "summary": self.summary, "evidence": self.evidence,
                "rules": list(self.rules), "findings": list(self.findings), "notes": list(self.notes)}


def _stop(tl: Timeline) -> tuple[str, str, list[str]]:
    """(stop, evidence, notes) from the timeline alone."""
    notes: list[str] = []
    st = tl.stages
    if tl.reached("notification"):
        imp = tl.notification_importance
        if imp is not None and imp < 3:
            return "silenced", "observed", notes
        if tl.dnd_at_notification:
            notes.append(f"Do Not Disturb was on ({zen_label(tl.dnd_at_notification)}) when the notification "
                         "was posted: it made no sound and did not pop up, unless the SMS app or the sender is "
                         "allowed to break through.")
            return "silenced", "observed", notes
        return "shown", "observed", notes
    if tl.blocked_at is not None:
        return "notification", "observed", notes
    later = [s for s in ("delivered", "stored") if tl.reached(s)]
    if later:
        why = st["blocked"].detail if st["blocked"].status == "not_observable" else "no suppression was logged"
        notes.append(f"No notification appeared ({why}); the block is inferred from that and the app's settings.")
        return "notification", "inferred", notes
    if tl.reached("radio"):
        return "sms_app", "observed", notes
    readable = [s for s in ("radio", "delivered", "stored") if st[s].status in ("not_reached", "waiting")]
    if not readable:
        return "unknown", "inferred", ["None of the delivery stages could be read on this phone."]
    if len(readable) < 3:
        notes.append("Some stages could not be read; the conclusion rests on: " + ", ".join(readable) + ".")
    return "network", "observed", notes


#: A watch shorter than this that saw nothing proves little: codes often take tens of seconds to arrive.
SHORT_WATCH_S = 60.0
_ENDED = {"interrupted": "Ctrl-C", "device_lost": "the phone stopped answering",
          "timeout": "its time limit (--timeout) ran out"}


def qualify(verdict: Verdict, ended_by: str, duration_s: float) -> None:
    """Say how long was watched when nothing was seen, and whether the watch stopped too early to tell.

    "Nothing reached the phone" is a conclusion only after a wait a code can fill; after a Ctrl-C at 3 s or
    an 8 s ``--timeout`` it is just what was seen so far."""
    if verdict.stopped_at != "network":
        return
    seen = f"Nothing reached the phone in the {duration_s:.0f} s watched"
    if ended_by in ("interrupted", "device_lost") or (ended_by == "timeout" and duration_s < SHORT_WATCH_S):
        verdict.summary = (f"{seen}; the watch stopped early ({_ENDED[ended_by]}), so the message may still "
                           "be on its way. Watch again for longer (a code can take a minute or more).")
        verdict.evidence = "inferred"
    else:
        verdict.summary = seen + _SUMMARY["network"].removeprefix("Nothing reached the phone")


def decide(tl: Timeline, check_result: CheckResult | None) -> Verdict:
    stop, evidence, notes = _stop(tl)
    candidates = list(STAGE_RULES.get(stop, ()))
    findings: list[dict[str, Any]] = []
    if check_result is not None:
        by_id = {f["rule"]: f for f in check_result.get("findings", [])}
        order = {"fail": 0, "warn": 1, "unknown": 2, "manual": 3}
        for rid in candidates:
            f = by_id.get(rid)
            if f is not None and f.get("status") in order:
                findings.append({"rule": rid, "status": f["status"], "title": f.get("title", ""),
                                 "fix": list(f.get("fix") or [])})
        findings.sort(key=lambda f: order[f["status"]])
        hit = {f["rule"] for f in findings}
        candidates = [f["rule"] for f in findings] + [r for r in candidates if r not in hit]
    if stop == "notification" and evidence == "inferred" and not any(
            f["status"] in ("fail", "warn") for f in findings) and check_result is not None:
        notes.append("The settings droidcheck reads look fine: the SMS app may hold the message back itself "
                     "(spam filter, blocked sender) — open the app and check its spam folder.")
        candidates.append("spam-and-blocked")
    return Verdict(stop, _SUMMARY[stop], evidence, candidates, findings, notes)
