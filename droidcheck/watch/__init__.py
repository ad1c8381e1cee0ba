"""``droidcheck watch``: follow one real OTP through the phone while the customer requests it.

Stages (``timeline.STAGES``): request → radio (``InboundSmsHandler`` in ``logcat -b radio``) → delivered
(``SMS_DELIVER`` in ``dumpsys activity broadcasts history``) → stored (``content://sms/inbox``, address and
date only) → notification (``NotificationRecord`` in ``dumpsys notification``; a suppressed one is logged
by ``NotificationManagerService`` on Android 8–9 only); Do Not Disturb (``zen_mode``) is read with each
poll, so a notification posted while it was on counts as silenced. ``sources`` says what is read on which version,
``session.run_watch`` polls, ``verdict.decide`` says where the message stopped and which rules apply.

JSON (``WatchOutcome.to_dict``, ``format: droidcheck.watch``, ``version: 1``)::

    {format, version, device: {serial, model, android_release, sdk},
     started_at, ended_by: notification|blocked|grace|timeout|interrupted|device_lost, duration_s,
     sms_app, sender (masked unless a short code or sender id), notification_importance,
     dnd_at_notification: priority only|total silence|alarms only|MIUI Silent mode|null,
     stages: [{id, label, status: reached|not_reached|not_observable|unreadable|waiting,
               at (ISO, host zone), after_s, detail, source}],
     notification_block_observable, unreadable_sources: {source: reason}, polls,
     verdict: {stopped_at: network|sms_app|notification|silenced|shown|unknown, summary,
               evidence: observed|inferred, rules: [rule ids, failing ones first],
               findings: [{rule, status, title, fix}], notes},
     check: {verdict, likely_causes, complete} | null, problems: [...]}

No message body or code is ever read: every source is filtered on the phone and parsed to times,
package names, importances and the sender.
"""
