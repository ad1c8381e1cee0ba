"""The parsers of ``droidcheck watch``'s sources, on text in the AOSP formats, and the Do Not Disturb table."""

from __future__ import annotations

import pytest

from droidcheck.parsers import watch_sources as parse
from droidcheck.parsers.zen import zen_label, zen_mode, zen_value

SMS_APP = "com.google.android.apps.messaging"


def test_parsers_keep_no_text():
    radio = ("--------- beginning of radio\n"
             "   1760000000.120  1873  1890 D GsmInboundSmsHandler: Delivering SMS to: "
             "com.google.android.apps.messaging com.google.android.apps.messaging.SmsDeliverReceiver\n")
    ev = parse.parse_radio(radio)
    assert ev[0].target == SMS_APP and ev[0].time == pytest.approx(1760000000.12)
    hist = ("  #3: act=android.provider.Telephony.SMS_DELIVER flg=0x19000010 cmp=com.google.android.apps.messaging"
            "/.receiver.SmsDeliverReceiver (has extras)\n    enq=2025-10-09 09:33:20.120 disp=x fin=y\n"
            "  #4: act=android.intent.action.TIME_TICK flg=0x50200014 (has extras)\n"
            "    enq=2025-10-09 09:33:00.000 disp=x fin=y\n")
    b = parse.parse_broadcasts(hist, 3600)
    assert len(b) == 1 and b[0].package == SMS_APP
    assert parse.parse_inbox("Row: 0 address=AMAZON, date=1760000000500\n")[0].address == "AMAZON"
    rec = ("    NotificationRecord(0x0a1b2c3d: pkg=com.google.android.apps.messaging user=UserHandle{0} id=0 "
           "tag=null importance=4 key=0|x|0|null|10123: Notification(channel=c))")
    assert parse.parse_notifications(rec)[0].importance == 4


def test_zen_mode_parser():
    assert [parse.parse_zen_mode(t, "Xiaomi") for t in ("0\n", "2", "4", "null", "", "Error: x", "7")] == \
        [0, 2, 4, None, None, None, None]


@pytest.mark.parametrize(("maker", "expected"), [("Xiaomi", 4), ("Redmi", 4), ("POCO", 4), ("Google", None),
                                                 ("samsung", None), (None, None)])
def test_zen_mode_4_only_on_xiaomi(maker, expected):
    assert parse.parse_zen_mode("4\n", maker) == expected
    assert parse.parse_zen_mode("2", maker) == 2


def test_the_zen_table():
    assert [zen_mode(v, "Google") for v in (0, 1, 2, 3, 4, 5, None)] == [
        "off", "priority_only", "total_silence", "alarms_only", None, None, None]
    assert zen_mode(4, " xiaomi ") == "miui_silent"
    assert [zen_value(t) for t in ("0", " 3\n", "10", "-1", "\u0663", "null")] == [0, 3, None, None, None, None]
    assert [zen_label(v) for v in (1, 2, 3, 4, 9)] == ["priority only", "total silence", "alarms only",
                                                       "MIUI Silent mode", "9"]
