"""Phone numbers, IMEI/ICCID, e-mail addresses and code-like numbers never leave droidcheck unless --no-redact
is given; notification text and settings that name the owner are never kept at all.

The simulated phone here is a debuggable build whose `dumpsys isub` prints the SIM's number and ICCID in
clear, whose operator names carry one-time codes, whose lock screen shows the owner's name, number and
e-mail address, and whose messaging app has a code on screen: every output format is checked for all of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime

import pytest
from fixture_files import fixture, fixture_paths

from droidcheck.report.redact import mask_serial, redact_text

pytestmark = pytest.mark.e2e

SECRETS = ("+447700900123", "7700900123", "8944110068512345678", "482913", "900 456", "7700 900 456",
           "604118", "739 204", "356938035643809", "564380", "anna.smith@example.com", "Anna Smith", "551903",
           "Your Amazon code", "Anna Smith")
SMS_APP = "com.google.android.apps.messaging"


def _isub_text() -> str:
    text = fixture("isub/s_12_userdebug_ask_every_time.txt")
    # an ICCID padded with F, a number written the British way, a SIM the owner named with an e-mail
    # address, and a modem that prints the IMEI in groups
    text = text.replace("iccId=8944110068512345678 ", "iccId=89441100685123456789F ", 1)
    text = text.replace("displayName=giffgaff carrierName=giffgaff nameSource=0 iconTint=-13408298 number= ",
                        "displayName=anna.smith@example.com carrierName=giffgaff nameSource=0 iconTint=-13408298 "
                        "number=(0)7700 900 456 ", 1)
    return text + "  mImei=35-693803-564380-9\n"


#: What ``dumpsys notification p <pkg>`` prints when the app has a code on screen: AOSP's Notification
#: List (NotificationRecord.dump; an OEM build that does not shorten the extras).
NOTIFICATION_LIST = f"""    NotificationRecord(0x0a1b2c3d: pkg={SMS_APP} user=UserHandle{{0}} id=0 tag=null \
importance=4 key=0|{SMS_APP}|0|null|10123: Notification(channel=incoming_messages shortcut=null contentView=null \
vibrate=null sound=null defaults=0x0 flags=0x10 color=0xff1a73e8 category=msg vis=PRIVATE))
      uid=10123 userId=0
      opPkg={SMS_APP}
      notification=
          tickerText=Anna Smith: Your Amazon code is 551903
          extras={{
            android.title=String (Anna Smith)
            android.text=String (Your Amazon code is 551903)
            android.bigText=String (Your Amazon code is 551903. Don't share it.)
            android.messages=Parcelable[] (1)
          }}
"""


def _with_notification_list(profile_name: str) -> str:
    from droidcheck.sim.commands import run_command
    from droidcheck.sim.profile import find_profile

    out = run_command(find_profile(profile_name), ["dumpsys", "notification", "p", SMS_APP]).stdout
    return out.replace("  Notification List:\n", "  Notification List:\n" + NOTIFICATION_LIST, 1)


def _with_owner_info(profile_name: str) -> str:
    from droidcheck.sim.commands import run_command
    from droidcheck.sim.profile import find_profile

    out = run_command(find_profile(profile_name), ["settings", "list", "secure"]).stdout
    return (out + "lock_screen_owner_info=Anna Smith, 07700 900123, anna.smith@example.com\n"
            "lock_screen_owner_info_enabled=1\n")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "COLUMNS": "250"})
    assert "Traceback" not in proc.stderr
    return proc


@pytest.fixture
def leaky_phone(sim_phone):
    raw = {"dumpsys isub": _isub_text(), "settings list secure": _with_owner_info("pixel8-a14-healthy"),
           f"dumpsys notification p {SMS_APP}": _with_notification_list("pixel8-a14-healthy")}
    return sim_phone("pixel8-a14-healthy", raw=raw,
                     sims=[_sim(operator="Your code is 482913"),
                           _sim(slot=1, sub_id=6, operator="验证码：604118 Bestätigungscode lautet 739 204")])


def _sim(**kw):
    from droidcheck.sim.profile import SimSlot

    return SimSlot(**{"sub_id": 5, **kw})


@pytest.mark.parametrize("fmt", ["terminal", "json", "junit"])
def test_no_secret_in_any_check_format(adb_server, leaky_phone, fmt):
    proc = run_cli("check", "--adb", adb_server.address, "-s", leaky_phone, "--format", fmt)
    out = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), out
    for secret in SECRETS:
        assert secret not in out, f"{secret} leaked in {fmt} output"


def test_no_redact_shows_them(adb_server, leaky_phone):
    """The test above can fail: the secrets really are in what the phone printed."""
    proc = run_cli("check", "--adb", adb_server.address, "-s", leaky_phone, "--format", "json", "--no-redact")
    result = json.loads(proc.stdout)
    assert result["facts"]["sim.phone_number"]["value"] == "+447700900123"
    assert "482913" in proc.stdout


def test_saved_snapshot_is_scrubbed(adb_server, leaky_phone, tmp_path):
    out = tmp_path / "snap.json"
    assert run_cli("snapshot", "--adb", adb_server.address, "-s", leaky_phone, "-o", str(out)).returncode == 0
    text = out.read_text()
    for secret in SECRETS:
        assert secret not in text
    assert json.loads(text)["meta"]["redacted"] is True
    # the owner's names for the phone and its per-device Android ID are not needed by any check: not kept
    assert "Sim Phone" not in text and "4f1c2a9be03d7e51" not in text
    assert "bluetooth_name=" not in text and "android_id=" not in text and "lock_screen_owner_info=" not in text
    # notification text never came back from the phone, redaction or not
    assert "tickerText" not in text and "android.text" not in text and "android.title" not in text


def test_owner_info_and_notification_text_are_not_read_even_unredacted(adb_server, leaky_phone, tmp_path):
    """Dropped where they are read (the notification probe's grep, and every stored output), not only in
    saved files: --no-redact keeps numbers, but never these."""
    out = tmp_path / "snap.json"
    proc = run_cli("snapshot", "--adb", adb_server.address, "-s", leaky_phone, "-o", str(out), "--no-redact")
    assert proc.returncode == 0, proc.stderr
    snap = json.loads(out.read_text())
    text = out.read_text()
    assert "+447700900123" in text  # unredacted: the SIM's number is kept ...
    for gone in ("tickerText", "android.text", "android.title", "android.bigText", "551903", "Anna Smith",
                 "lock_screen_owner_info=", "bluetooth_name=", "android_id="):
        assert gone not in text, gone  # ... but what notifications say and who owns the phone are not
    notification = next(o for o in snap["outputs"] if o["probe"] == f"notification:{SMS_APP}")
    assert "| grep -E" in notification["command"] and "AppSettings: " + SMS_APP in notification["stdout"]
    assert "lock_screen_owner_info_enabled=1" in text  # only the owner's text goes, not the setting's switch


def test_filtered_probe_cut_by_its_time_limit_is_a_timeout(adb_server, sim_phone, monkeypatch):
    """The notification probe now ends in `| grep`, whose status (not toybox timeout's 124) is the
    pipeline's: a dumpsys stopped by its limit must still read as a timeout, not as an app without settings."""
    import droidcheck.collect.plan as plan
    from droidcheck.collect.collector import read_device

    short = tuple(plan.Probe(p.id, p.command, p.purpose, 1.0, p.phase, p.per_package)
                  if p.id == "notification" else p for p in plan.PROBES)
    monkeypatch.setattr(plan, "PROBES", short)
    serial = sim_phone("pixel8-a14-healthy", faults={"hang_on": ["dumpsys notification"]})
    snap = read_device(adb_server.client.device(serial), serial=serial, adb_server=adb_server.address)
    out = snap.outputs[f"notification:{SMS_APP}"]
    assert out.status == "timeout", (out.status, out.exit_code, out.duration_s)
    assert not snap.meta.complete


@pytest.mark.parametrize(("probe", "text", "gone", "kept"), [
    ("settings_global", "airplane_mode_on=0\ndevice_name=Anna's Galaxy S21\n", "device_name", "airplane_mode_on=0"),
    ("settings_secure", "bluetooth_address=A4:50:46:12:34:56\nsms_default_application=com.x\n", "A4:50",
     "sms_default_application=com.x"),
    ("settings_secure", "lock_screen_owner_info=Anna Smith 07700 900123\nlock_screen_owner_info_enabled=1\n",
     "Anna", "lock_screen_owner_info_enabled=1"),
    ("settings_secure", "samsung_lock_screen_owner_info=If found call 07700 900123\nzen_mode=0\n", "found",
     "zen_mode=0"),
])
def test_stored_outputs_drop_settings_that_name_the_owner(probe, text, gone, kept):
    """Dropped when the output is stored (every source: live, bug report, a saved file), so no check,
    report or --no-redact run ever sees them."""
    from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta

    snap = Snapshot(SnapshotMeta())
    snap.add(CommandOutput(probe, "settings list", text, 0))
    stored = snap.text(probe)
    assert gone not in stored and kept in stored
    loaded = Snapshot.from_dict({"format": "droidcheck.snapshot", "version": 1, "meta": {},
                                 "outputs": [{"probe": probe, "command": "settings list", "stdout": text}]})
    assert loaded.text(probe) == stored


@pytest.mark.parametrize(("probe", "text", "gone", "kept"), [
    ("connectivity", '  NetworkAgentInfo{network{100}  ni{WIFI CONNECTED extra: "Anna Home 5G"}  nc{[ Transports: '
                     'WIFI Capabilities: INTERNET&VALIDATED SSID: "Anna Home 5G"]}}', "Anna", "ni{WIFI CONNECTED"),
    (f"notification:{SMS_APP}", "    NotificationChannel{mId='conv_17', mName=Anna Smith, mDescription=Chat with "
                                "Anna, mImportance=4, mDeleted=false}", "Anna", "mId='conv_17'"),
])
def test_saved_outputs_drop_what_names_the_owner(probe, text, gone, kept):
    from droidcheck.report.redact import redact_output

    clean = redact_output(probe, text)
    assert gone not in clean and kept in clean and "[redacted]" in clean


@pytest.mark.parametrize(("text", "kept"), [
    ("number=+44 7700 900123 next", "next"),
    ("iccId=8944110068512345678", "iccId="),
    ("imei 356938035643809", "imei"),
    ("Amazon: 482913 is your verification code", "is your verification code"),
    ("OTP: 4829-13", "OTP: "),
])
def test_redact_text(text, kept):
    red = redact_text(text)
    assert "[redacted]" in red and kept in red
    assert not any(ch.isdigit() for ch in red.replace("[redacted]", "")), red


@pytest.mark.parametrize("text", ["Android 14 (API 34)", "2026-10-05", "-85 dBm", "versionCode=1241312010 minSdk=28",
                                  "uptime 190000 s", "127.0.0.1:5555"])
def test_ordinary_numbers_survive(text):
    assert redact_text(text) == text


def test_mask_serial():
    assert mask_serial("R58R12ABCDE") == "R5•••••••DE"
    assert mask_serial("127.0.0.1:5555") == "127.0.0.1:5555"


# -- what the checks read survives ---------------------------------------------------------------------

NOTIFICATION_FIXTURES = fixture_paths("dumpsys_notification")


@pytest.mark.parametrize("path", NOTIFICATION_FIXTURES, ids=lambda p: p.stem)
def test_notification_filter_keeps_every_line_the_parser_reads(path):
    """The phone's grep and ``drop_private`` keep the per-app settings whatever the Android version or
    maker, and nothing of the Notification List."""
    import re

    from droidcheck.collect.plan import NOTIFICATION_LINES, drop_private
    from droidcheck.parsers.notification import parse_notification_dump
    from droidcheck.sim.shell import _grep

    text = fixture(path)
    package = re.search(r"filtered to ([\w.]+)\)", text).group(1)
    noisy = text.replace("  Notification List:\n", "  Notification List:\n" + NOTIFICATION_LIST, 1)
    on_phone = _grep(["grep", "-E", NOTIFICATION_LINES], noisy).stdout
    for kept in (drop_private(f"notification:{package}", noisy), on_phone):
        assert parse_notification_dump(kept, package) == parse_notification_dump(text, package)
        assert "551903" not in kept and "Anna" not in kept and "tickerText" not in kept


def test_redaction_changes_no_fact():
    """Every fact (but the private ones) reads the same from the redacted snapshot, for every built-in
    phone: redaction removes what identifies someone, never what the rules need."""
    from droidcheck.check import check_snapshot
    from droidcheck.facts.registry import FACTS_BY_NAME
    from droidcheck.report.redact import mask_identifier, redact_snapshot
    from droidcheck.rules.loader import load_rules
    from droidcheck.sim.profile import builtin_profiles
    from droidcheck.sim.snapshot import snapshot_of

    rules = load_rules()
    for profile in builtin_profiles():
        snap = snapshot_of(profile)
        before = check_snapshot(snap, rules)["facts"]
        after = check_snapshot(redact_snapshot(snap), rules)["facts"]
        for name, fact in before.items():
            if FACTS_BY_NAME[name].masked:  # the serial number: its ends only, in the result too
                assert after[name] == {**fact, "value": mask_identifier(fact["value"])}, (profile.name, name)
            elif not FACTS_BY_NAME[name].private:
                assert after[name] == fact, (profile.name, name)


def test_phone_regions_come_from_the_sim_then_the_network_then_the_locale():
    from droidcheck.report.redact import phone_regions
    from droidcheck.sim.profile import find_profile
    from droidcheck.sim.snapshot import snapshot_of
    from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta

    assert phone_regions(snapshot_of(find_profile("redmi-note11-a12-third-party-sms"))) == ("IN",)
    assert phone_regions(snapshot_of(find_profile("pixel3-a9-amazon-restricted"))) == ("US",)

    def props(text: str) -> Snapshot:
        snap = Snapshot(SnapshotMeta())
        snap.add(CommandOutput("getprop", "getprop", text, 0))
        return snap

    assert phone_regions(props("[gsm.sim.operator.iso-country]: [gb,de]\n[gsm.operator.iso-country]: [fr]\n")) \
        == ("GB", "DE", "FR")
    assert phone_regions(props("[gsm.sim.operator.iso-country]: []\n[persist.sys.locale]: [de-DE]\n")) == ("DE",)
    assert phone_regions(props("[gsm.sim.operator.iso-country]: [,]\n")) == ()


def test_an_app_version_string_carries_no_number_into_the_result():
    """versionName is whatever the app writes; the fact keeps only the version at its start."""
    from droidcheck.check import check_snapshot
    from droidcheck.facts.derive.apps import version_of
    from droidcheck.report.redact import phone_regions, redact_result
    from droidcheck.rules.loader import load_rules
    from droidcheck.sim.profile import find_profile
    from droidcheck.sim.snapshot import snapshot_of

    profile = find_profile("pixel8-a14-healthy")
    amazon = next(a for a in profile.apps if a.package.startswith("com.amazon"))
    amazon.version_name = "28.20.0.100 Hotline 7700 900 123"
    snap = snapshot_of(profile)
    result = redact_result(check_snapshot(snap, load_rules()), phone_regions(snap))
    assert result["facts"]["amazon.version"]["value"] == "28.20.0.100"
    assert "Hotline" not in json.dumps(result) and "7700 900 123" not in json.dumps(result)
    assert version_of("7700900123") is None and version_of("Call 07700 900123") is None
    assert version_of("20250110_00_RC01.phone_dynamic") == "20250110_00_RC01.phone_dynamic"


def test_a_result_carries_its_phone_countries_so_every_later_redaction_reads_national_numbers():
    """A result redacted away from its snapshot (``fix -o``, ``recheck``, ``serve``, the fleet) still reads
    national numbers with the phone's country: the result names it (``device.countries``)."""
    from droidcheck.check import check_snapshot
    from droidcheck.report.redact import redact_result, result_regions
    from droidcheck.rules.loader import load_rules
    from droidcheck.sim.profile import find_profile
    from droidcheck.sim.snapshot import snapshot_of

    profile = find_profile("pixel8-a14-healthy")
    profile.sims[0].mcc_mnc = "21401"  # a Spanish SIM
    amazon = next(a for a in profile.apps if a.package.startswith("com.amazon"))
    amazon.version_name = "28.20.0.100"
    result = check_snapshot(snapshot_of(profile), load_rules())
    assert result["device"]["countries"] == "ES" and result_regions(result) == ("ES",)
    result["problems"].append("llama al 912 34 56 78")  # grouped the Spanish way: a number only in Spain
    assert "912 34 56 78" not in json.dumps(redact_result(result))
    assert "912 34 56 78" in json.dumps(redact_result({**result, "device": {}}))  # what it did before
    assert result_regions({"device": {"countries": "dk,$(x),GBR,FR"}}) == ("FR",)


# -- property tests: generated identifiers never survive, generated facts are never touched -----------------

from hypothesis import HealthCheck, assume, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

REGIONS = ("GB", "DE", "FR", "US", "IN", "ES", "IT", "JP", "BR", "CN", "RU", "KR", "AU", "MX", "NL")
#: Digit-free surroundings (so a digit left behind can only come from the secret), as the phone prints them.
CONTEXTS = ("  {{id=5 iccId=[redacted] simSlotIndex=one displayName=vodafone UK number={} dataRoaming=off}}",
            "lock_screen_owner_info=If found please call Anna on {} thanks",
            "    mOperatorAlphaLong={}, mOperatorAlphaShort=EE",
            "            android.text=String ({})",
            "I InboundSmsHandler: {}")
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


@st.composite
def phone_numbers(draw):
    """(text as written, its national digits, region): an example number of the region and kind, with its
    last digits changed, kept only if still valid, in national, international or E.164 format."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat, PhoneNumberType

    region = draw(st.sampled_from(REGIONS))
    kind = draw(st.sampled_from((PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE)))
    example = phonenumbers.example_number_for_type(region, kind)
    nsn = str(example.national_number)
    tail = draw(st.text("0123456789", min_size=3, max_size=3))
    number = phonenumbers.parse("+" + str(example.country_code) + nsn[:-3] + tail)
    assume(phonenumbers.is_valid_number(number))
    fmt = draw(st.sampled_from((PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL,
                                PhoneNumberFormat.E164)))
    return phonenumbers.format_number(number, fmt), str(number.national_number), region


@PROPERTY
@given(phone_numbers(), st.sampled_from(CONTEXTS))
def test_generated_phone_numbers_never_survive(number, context):
    from droidcheck.report.redact import redact_text

    written, national, region = number
    out = redact_text(context.format(written), (region,))
    assert national not in _digits(out), (written, out)


@PROPERTY
@given(st.lists(phone_numbers().filter(lambda n: not n[0].startswith("+")), min_size=2, max_size=12),
       st.sampled_from(REGIONS))
# Found by this property in CI: the "89" ending one French number started an "ICCID" that swallowed the
# next number and left the rest of both behind ("06 12 34 50 [redacted] 00").
@example([("06 12 34 50 89", "612345089", "FR"), ("06 12 34 50 00", "612345000", "FR"),
          ("06 12 34 50 00", "612345000", "FR")], "FR")
def test_generated_lists_of_national_numbers_never_survive(numbers, region):
    """Numbers written next to each other ("07700 900123 07961 900875 …") are each found, however long
    the list: they are not read as one over-long number, nor cut in the middle of one."""
    from droidcheck.report.redact import redact_text

    same = [n for n in numbers if n[2] == region] or numbers[:1]
    region = same[0][2]
    out = redact_text("lock_screen_owner_info=Call " + " ".join(n[0] for n in same), (region,))
    for written, national, _ in same:
        assert written not in out and national not in _digits(out), (written, out)


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


@st.composite
def imeis(draw):
    body = draw(st.text("0123456789", min_size=14, max_size=14))
    imei = body + _luhn_digit(body)
    cuts = draw(st.sampled_from(((2, 8, 14), (6, 8, 14), (), (2, 8))))
    sep = draw(st.sampled_from(("-", " ", "/")))
    parts, last = [], 0
    for c in cuts:
        parts.append(imei[last:c])
        last = c
    parts.append(imei[last:])
    return sep.join(parts), imei


@PROPERTY
@given(imeis(), st.sampled_from(("imei={}", "IMEI: {}", "  mImei={} mImeiSv=01", "Device ID {}")),
       st.sampled_from(((), ("GB",), ("US",))))
def test_generated_imeis_never_survive(imei, context, regions):
    from droidcheck.report.redact import redact_text

    written, digits = imei
    out = redact_text(context.format(written), regions)
    assert digits not in _digits(out) and digits[2:8] not in _digits(out), (written, out)


@PROPERTY
@given(st.text("0123456789", min_size=17, max_size=18), st.sampled_from(("", "F", "f")),
       st.sampled_from(("iccId={} simSlotIndex", "ICCID: {}", "{{id=5 iccId={} cardString={}}}")))
def test_generated_iccids_never_survive(body, pad, context):
    from droidcheck.report.redact import redact_text

    iccid = "89" + body + pad
    out = redact_text(context.format(iccid, iccid), ("GB",))
    assert body not in _digits(out), out


_LOCAL = st.text("abcdefghijklmnopqrstuvwxyz0123456789._%+-", min_size=1, max_size=20).filter(
    lambda s: s[0].isalnum())
_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12).filter(
    lambda s: s[0].isalnum() and s[-1].isalnum())


@PROPERTY
@given(_LOCAL, st.lists(_LABEL, min_size=1, max_size=3), st.sampled_from(("com", "co.uk", "de", "in", "mail")),
       st.sampled_from(("Account {{name={}, type=com.google}}", "owner {} ok", "<{}>", "displayName={} carrier")))
def test_generated_email_addresses_never_survive(local, labels, tld, context):
    from droidcheck.report.redact import redact_text

    address = f"{local}@{'.'.join(labels)}.{tld}"
    out = redact_text(context.format(address))
    assert address not in out and "@" not in out, out


CODE_MESSAGES = (
    "Your verification code is {}", "{} is your Amazon OTP. Don't share it.", "Use {} to sign in",
    "Amazon: Your code is {}", "验证码：{}，五分钟内有效", "您的校验码是{}", "Ihr Bestätigungscode lautet {}",
    "{} ist dein Sicherheitscode", "Votre code de vérification est {}", "Tu código de verificación es {}",
    "Seu código de verificação é {}", "Il tuo codice di verifica è {}", "認証コード：{}", "確認コードは{}です",
    "[인증번호] {}", "인증번호는 {}입니다", "आपका ओटीपी {} है", "सत्यापन कोड {} है", "رمز التحقق الخاص بك هو {}",
    "Ваш код подтверждения: {}", "Код: {}. Никому не сообщайте", "Je verificatiecode is {}", "OTP:{}",
)


@st.composite
def codes(draw):
    digits = draw(st.text("0123456789", min_size=4, max_size=8))
    if len(digits) == 6 and draw(st.booleans()):
        return f"{digits[:3]}{draw(st.sampled_from((' ', '-')))}{digits[3:]}", digits
    return digits, digits


@PROPERTY
@given(codes(), st.sampled_from(CODE_MESSAGES), st.sampled_from(CONTEXTS[2:]),
       st.sampled_from(((), ("GB",), ("CN",), ("IN",))))
def test_generated_code_messages_never_survive(code, message, context, regions):
    from droidcheck.report.redact import redact_text

    written, digits = code
    out = redact_text(context.format(message.format(written)), regions)
    assert digits not in _digits(out), out


_VERSION = st.from_regex(r"\A[1-9]\d{0,2}(\.\d{1,3}){1,3}\Z")
_DATE = st.datetimes(datetime(2008, 1, 1), datetime(2099, 12, 31)).map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S"))
_PACKAGE = st.from_regex(r"\A[a-z]{2,8}(\.[a-z][a-z0-9_]{1,10}){1,4}\Z")
FACT_LINES = (
    "    versionCode={code} minSdk=28 targetSdk=34",
    "    versionName={version}",
    "    lastUpdateTime={date}",
    "    firstInstallTime={date}",
    "  Package [{package}] (1a2b3c):",
    "  AppSettings: {package} ({uid}) importance=DEFAULT userSet=true",
    "  mSignalStrength=SignalStrength:{{ mLte=CellSignalStrengthLte: rssi={dbm} rsrp={dbm} rsrq=-12 rssnr=2147483647"
    " level=3 }}",
    "[ro.build.version.security_patch]: [{day}]",
    "[ro.build.version.incremental]: [{code}]",
    "  Data-Free: {code}K / {code}K total = 31% free",
    "    NotificationChannel{{mId='incoming_messages', mImportance=4, mLastNotificationUpdateTimeMs={ms}}}",
    "sms_default_application={package}",
    "{seconds}.42 {seconds}.17",
    "  mVoiceRegState=0(IN_SERVICE) mChannelNumber={code} mCellBandwidths=[{code}]",
    "  mSignalStrength=SignalStrength: 99 0 {rsrp} 160 {rsrp} 26 91 7 180 2147483647 2147483647 gsm|lte",
)


@PROPERTY
@given(st.sampled_from(FACT_LINES), st.integers(1, 2_147_483_647), _VERSION, _DATE, _PACKAGE,
       st.integers(10_000, 1_099_999), st.integers(-140, -44), st.integers(1_500_000_000_000, 1_900_000_000_000),
       st.integers(1, 99_999_999), st.sampled_from((*REGIONS, ())))
def test_generated_facts_are_never_touched(line, code, version, date, package, uid, dbm, ms, seconds, region):
    from droidcheck.report.redact import redact_text

    text = line.format(code=code, version=version, date=date, package=package, uid=uid, dbm=dbm,
                       day=date[:10], ms=ms, seconds=seconds, rsrp=-dbm)
    assert redact_text(text, (region,) if region else ()) == text
