"""APPS area: parsers on real-format text from several Android versions, derivation, simulator round trip."""

from __future__ import annotations

import contextlib
import importlib

import pytest
from fixture_files import FIXTURES, fixture, fixture_paths
from hypothesis import given, settings
from hypothesis import strategies as st

from droidcheck.facts.context import DeriveContext
from droidcheck.facts.derive import apps as derive_apps
from droidcheck.parsers.appops import op_mode, parse_appops, parse_standby_bucket
from droidcheck.parsers.notification import parse_notification_dump
from droidcheck.parsers.package_dump import package_absent, parse_package_dump, parse_permission_holders
from droidcheck.parsers.packages import parse_package_list
from droidcheck.parsers.role import parse_dumpsys_role, parse_role_holders
from droidcheck.sim import commands
from droidcheck.sim.profile import App, AppNotifications, Profile
from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta

SMS = {"android.permission.RECEIVE_SMS", "android.permission.READ_SMS"}


# -- dumpsys package -------------------------------------------------------------------------------

def test_package_p_era_takes_updated_block_not_hidden_system_copy() -> None:
    d = parse_package_dump(fixture("dumpsys_package/p_messaging_updated_system.txt"),
                           "com.google.android.apps.messaging")
    assert d is not None
    assert d.version_name == "messages.android_20190611_00_RC02.phone_dynamic"
    assert d.last_update == "2019-06-20 09:14:03"
    assert "UPDATED_SYSTEM_APP" in d.flags
    assert d.users[0].usable is True  # the hidden copy says stopped=true; must not be used
    assert d.users[0].runtime_permissions["android.permission.READ_SMS"] == (True, ["GRANTED_BY_DEFAULT"])


def test_package_t_era_pipe_flags_and_per_user_permissions() -> None:
    d = parse_package_dump(fixture("dumpsys_package/t_amazon_capture_shape.txt"),
                           "com.amazon.mShop.android.shopping")
    assert d is not None and d.version_name == "26.12.0.100" and d.target_sdk == 33
    assert d.permission("android.permission.POST_NOTIFICATIONS", 0) is False
    assert d.permission("android.permission.POST_NOTIFICATIONS", 10) is True
    flags = d.users[0].runtime_permissions["android.permission.POST_NOTIFICATIONS"][1]
    assert flags == ["USER_SET", "USER_SENSITIVE_WHEN_GRANTED", "USER_SENSITIVE_WHEN_DENIED"]
    assert d.permission("android.permission.INTERNET") is True


def test_package_v_era_appid_and_per_user_first_install() -> None:
    d = parse_package_dump(fixture("dumpsys_package/v_amazon_in.txt"), "in.amazon.mShop.android.shopping")
    assert d is not None and d.version_name == "28.4.0.300"
    assert d.last_update == "2026-09-30 07:12:45"
    assert d.first_install == "2025-02-11 18:30:02"
    assert d.users[0].stopped is True and d.users[0].usable is False
    assert d.permission("android.permission.POST_NOTIFICATIONS") is True


def test_package_xiaomi_shared_user_has_no_runtime_permissions_under_package() -> None:
    d = parse_package_dump(fixture("dumpsys_package/xiaomi_mms_shared_user.txt"), "com.android.mms")
    assert d is not None and d.shared_user is not None
    assert d.permission("android.permission.POST_NOTIFICATIONS") is None  # unknown, not "denied"
    assert d.users[0].usable is True


def test_package_absent_and_wrong_package() -> None:
    assert parse_package_dump("Unable to find package: com.x.y\n", "com.x.y") is None
    assert package_absent("Unable to find package: com.x.y\n", "com.x.y")
    text = fixture("dumpsys_package/v_amazon_in.txt")
    assert parse_package_dump(text, "com.amazon.mShop.android.shopping") is None
    assert not package_absent(text, "in.amazon.mShop.android.shopping")


def test_permission_holders_q_era() -> None:
    holders = parse_permission_holders(fixture("dumpsys_package_permission/q_sms_permissions.txt"), SMS)
    assert holders is not None
    assert set(holders) == {"com.google.android.apps.messaging", "com.example.quicksms", "com.android.phone"}
    assert "com.example.cleaner" not in holders  # requested but denied


# -- dumpsys notification --------------------------------------------------------------------------

def test_notification_o_rankinghelper_blocked() -> None:
    text = fixture("dumpsys_notification/o_rankinghelper_blocked.txt")
    n = parse_notification_dump(text, "com.android.mms")
    assert n is not None
    rec = n.for_user(0)
    assert rec is not None and rec.blocked
    assert [(c.id, c.importance) for c in rec.channels] == [("miscellaneous", 3), ("incoming_sms", 4)]


def test_notification_q_preferences_channels() -> None:
    n = parse_notification_dump(fixture("dumpsys_notification/q_preferences_silent_channel.txt"),
                                "com.google.android.apps.messaging")
    assert n is not None
    rec = n.for_user(0)
    assert rec is not None and not rec.blocked and rec.importance is None
    chans = {c.id: (c.importance, c.deleted) for c in rec.channels}
    assert chans == {"bugle_default_channel": (2, False), "mms_download": (0, False), "old_alerts": (1, True)}


def test_notification_t_importance_from_permission_and_users() -> None:
    n = parse_notification_dump(fixture("dumpsys_notification/t_preferences_denied.txt"),
                                "com.amazon.mShop.android.shopping")
    assert n is not None
    assert n.for_user(0).blocked and n.for_user(0).user_set is True
    assert n.for_user(10).importance == "DEFAULT"


def test_notification_samsung_extra_tokens_ignored() -> None:
    n = parse_notification_dump(fixture("dumpsys_notification/samsung_u_preferences.txt"),
                                "com.samsung.android.messaging")
    assert n is not None
    rec = n.for_user(0)
    assert rec is not None and rec.importance == "DEFAULT"
    assert [(c.id, c.importance) for c in rec.channels] == [("CHANNEL_ID_SMS_MMS", 4), ("CHANNEL_ID_SPAM", 1)]


def test_notification_absent_record_means_default_and_no_section_means_unknown() -> None:
    text = fixture("dumpsys_notification/q_preferences_silent_channel.txt")
    n = parse_notification_dump(text, "com.other.app")
    assert n is not None and n.records == []
    assert parse_notification_dump("Can't find service: notification", "x.y") is None


# -- role, package lists, appops, standby ----------------------------------------------------------

def test_role_holders_formats() -> None:
    assert parse_role_holders("com.google.android.apps.messaging\n", 0) == [
        "com.google.android.apps.messaging"]
    assert parse_role_holders("\n", 0) == []  # no SMS app: a known answer
    assert parse_role_holders("a.b;c.d\n", 0) == ["a.b", "c.d"]
    assert parse_role_holders(fixture("role/get_role_holders_unknown_r.txt"), 255) is None
    assert parse_role_holders(fixture("role/get_role_holders_unknown_r.txt"), 0) is None


def test_dumpsys_role_q_per_user() -> None:
    text = fixture("role/dumpsys_role_q.txt")
    assert parse_dumpsys_role(text) == ["com.example.quicksms"]
    assert parse_dumpsys_role(text, user=10) == ["com.google.android.apps.messaging"]
    assert parse_dumpsys_role("") is None
    assert parse_dumpsys_role("Can't find service: role") is None


def test_package_list() -> None:
    assert parse_package_list("package:a.b\npackage:c.d versionCode:3\n") == {"a.b", "c.d"}
    assert parse_package_list("") == set()
    assert parse_package_list("Error: unknown option -z\n") is None


def test_appops_versions() -> None:
    assert op_mode(fixture("appops/p_restricted.txt"), "RUN_ANY_IN_BACKGROUND") == "ignore"
    assert op_mode(fixture("appops/p_restricted.txt"), "RUN_IN_BACKGROUND") == "allow"
    assert op_mode(fixture("appops/u_uid_mode.txt"), "RUN_ANY_IN_BACKGROUND") == "allow"
    assert parse_appops(fixture("appops/u_uid_mode.txt"))["COARSE_LOCATION"] == "ignore"
    assert op_mode(fixture("appops/q_no_operations.txt"), "RUN_ANY_IN_BACKGROUND") == "default"
    assert op_mode("Error: Unknown package: x\n", "RUN_ANY_IN_BACKGROUND") is None


def test_appops_uid_mode_of_an_op_wins_over_its_package_line() -> None:
    text = fixture("appops/u_uid_and_package_same_op.txt")
    assert op_mode(text, "RUN_ANY_IN_BACKGROUND") == "ignore"
    assert op_mode(text, "WAKE_LOCK") == "allow" and op_mode(text, "RUN_IN_BACKGROUND") == "allow"


@pytest.mark.parametrize("line", ["RUN_ANY_IN_BACKGROUND: mode=7", "RUN_ANY_IN_BACKGROUND: ask; time=+2s ago"])
def test_appops_mode_without_a_known_name_is_unknown_not_default(line: str) -> None:
    assert op_mode(f"WAKE_LOCK: allow\n{line}\n", "RUN_ANY_IN_BACKGROUND") is None
    assert op_mode(f"WAKE_LOCK: allow\n{line}\n", "WAKE_LOCK") == "allow"


def test_standby_bucket() -> None:
    assert parse_standby_bucket("40\n") == 40
    assert parse_standby_bucket("Unknown command: get-standby-bucket\n") is None
    assert parse_standby_bucket("") is None


# -- cross-version: feed each parser another version's text -----------------------------------------

@pytest.mark.parametrize("rel", [
    "dumpsys_notification/o_rankinghelper_blocked.txt", "role/dumpsys_role_q.txt", "appops/p_restricted.txt",
    "dumpsys_package_permission/q_sms_permissions.txt"])
def test_package_parser_on_other_formats_is_none(rel: str) -> None:
    assert parse_package_dump(fixture(rel), "com.android.mms") is None


@pytest.mark.parametrize("rel", [
    "dumpsys_package/p_messaging_updated_system.txt", "dumpsys_package/v_amazon_in.txt",
    "role/dumpsys_role_q.txt", "appops/p_restricted.txt"])
def test_other_parsers_on_foreign_text_say_unknown(rel: str) -> None:
    text = fixture(rel)
    assert parse_notification_dump(text, "com.google.android.apps.messaging") is None
    assert parse_standby_bucket(text) is None
    assert parse_role_holders(text, 0) is None
    if not rel.startswith("role/"):
        assert parse_dumpsys_role(text) is None
    if not rel.startswith("appops/"):
        assert parse_appops(text) is None


# -- property tests: nothing raises -----------------------------------------------------------------

_ALL_FIXTURES = [p.relative_to(FIXTURES).as_posix() for p in fixture_paths(
    "appops", "dumpsys_notification", "dumpsys_package", "dumpsys_package_permission", "role")]


def _run_all_parsers(text: str) -> None:
    parse_package_dump(text, "com.android.mms")
    package_absent(text, "com.android.mms")
    parse_permission_holders(text, SMS)
    parse_notification_dump(text, "com.android.mms")
    parse_role_holders(text, 0)
    parse_dumpsys_role(text)
    parse_package_list(text)
    parse_appops(text)
    parse_standby_bucket(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parsers_never_raise_on_arbitrary_text(text: str) -> None:
    _run_all_parsers(text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_ALL_FIXTURES), st.integers(min_value=0, max_value=20000), st.integers(0, 400))
def test_parsers_never_raise_on_truncated_or_mangled_fixtures(rel: str, cut: int, drop: int) -> None:
    text = fixture(rel)
    _run_all_parsers(text[:cut])
    _run_all_parsers(text[drop:cut + drop])


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["role_sms", "dumpsys_role", "settings_secure", "packages_system",
                                        "packages_third_party", "sms_permissions", "getprop",
                                        "package:com.amazon.mShop.android.shopping",
                                        "notification:com.amazon.mShop.android.shopping",
                                        "appops:com.amazon.mShop.android.shopping",
                                        "standby:com.amazon.mShop.android.shopping"]), st.text(max_size=300)))
def test_deriver_never_raises(outputs: dict[str, str]) -> None:
    snap = Snapshot(meta=SnapshotMeta(captured_at="2026-10-10T10:00:00Z"))
    for probe, text in outputs.items():
        snap.add(CommandOutput(probe=probe, command=probe, stdout=text, exit_code=0))
    facts = derive_apps.derive(DeriveContext(snap))
    assert {f.name for f in facts} >= {"sms.default_app", "amazon.installed", "sms.receivers"}
    derive_apps.packages_to_inspect(snap)


# -- simulator round trip ---------------------------------------------------------------------------

PHASE1 = {
    "role_sms": "cmd role get-role-holders android.app.role.SMS",
    "dumpsys_role": "dumpsys role",
    "packages_system": "pm list packages -s",
    "packages_third_party": "pm list packages -3",
    "sms_permissions": "dumpsys package permission android.permission.RECEIVE_SMS "
                       "android.permission.READ_SMS",
}
PHASE2 = {"package": "dumpsys package {p}", "notification": "dumpsys notification p {p}",
          "appops": "cmd appops get {p}", "standby": "am get-standby-bucket {p}"}


def _load_renderers() -> None:
    """Import the renderer modules that exist (system/telephony are written concurrently)."""
    for name in commands.RENDER_MODULES:
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(f"droidcheck.sim.render.{name}")
    commands._loaded = True


def _snapshot_of(profile: Profile) -> Snapshot:
    _load_renderers()
    snap = Snapshot(meta=SnapshotMeta(captured_at="2026-10-11T10:00:00Z", source="simulator"))
    snap.add(CommandOutput("getprop", "getprop", stdout=f"[ro.build.version.sdk]: [{profile.sdk}]\n"
                           f"[persist.sys.timezone]: [{profile.timezone}]\n", exit_code=0))
    secure = f"sms_default_application={profile.default_sms_app or 'null'}\n"
    snap.add(CommandOutput("settings_secure", "settings list secure", stdout=secure, exit_code=0))

    def run(probe: str, cmd: str) -> None:
        out = commands.run_command(profile, cmd.split())
        snap.add(CommandOutput(probe, cmd, stdout=out.stdout, exit_code=out.rc))

    for probe, cmd in PHASE1.items():
        run(probe, cmd)
    for pkg in derive_apps.packages_to_inspect(snap):
        for probe, cmd in PHASE2.items():
            run(f"{probe}:{pkg}", cmd.format(p=pkg))
    return snap


def _profile(sdk: int, sms: str, **amazon: object) -> Profile:
    amz = App(package="com.amazon.mShop.android.shopping", version_name="26.19.0.100", version_code=1241900,
              last_update="2026-10-01 10:00:00", background=str(amazon.get("background", "allow")),
              standby_bucket=int(amazon.get("bucket", 10)),  # type: ignore[call-overload]
              notifications=AppNotifications(granted=bool(amazon.get("granted", True)),
                                             blocked=bool(amazon.get("blocked", False))))
    msg = App(package="com.google.android.apps.messaging", system=True, version_code=5,
              permissions=["RECEIVE_SMS", "READ_SMS"],
              notifications=AppNotifications(
                  channels=[{"id": "incoming", "name": "Incoming", "importance": 2}]))
    spy = App(package="com.example.quicksms", permissions=["RECEIVE_SMS", "READ_SMS"])
    return Profile(name=f"sdk{sdk}", sdk=sdk, default_sms_app=sms, apps=[msg, amz, spy],
                   timezone="Europe/London")


@pytest.mark.parametrize("sdk", [26, 28, 29, 30, 31, 33, 34, 35])
def test_round_trip_facts_match_profile(sdk: int) -> None:
    profile = _profile(sdk, "com.google.android.apps.messaging", background="ignore", bucket=40,
                       granted=False, blocked=True)
    facts = {f.name: f for f in derive_apps.derive(DeriveContext(_snapshot_of(profile)))}
    assert facts["sms.default_app"].value == "com.google.android.apps.messaging"
    assert facts["sms.default_app_is_stock"].value is True
    assert facts["sms.default_app_enabled"].value is True
    assert facts["sms.receivers"].value == ["com.example.quicksms"]
    assert facts["notifications.sms_app_allowed"].value is True
    assert facts["notifications.sms_app_silenced_channels"].value == ["incoming"]
    assert facts["notifications.amazon_allowed"].value is False
    assert facts["amazon.installed"].value is True
    assert facts["amazon.packages"].value == ["com.amazon.mShop.android.shopping"]
    assert facts["amazon.version"].value == "26.19.0.100"
    assert facts["amazon.days_since_update"].value == 10  # 10:00 BST = 09:00 UTC
    assert facts["amazon.background_restricted"].value is True
    if sdk >= 28:
        assert facts["amazon.standby_bucket"].value == "rare"
    else:
        assert not facts["amazon.standby_bucket"].known


@pytest.mark.parametrize("sdk", [28, 31, 34])
def test_round_trip_third_party_sms_app_and_no_amazon(sdk: int) -> None:
    profile = _profile(sdk, "com.example.quicksms")
    profile.apps = [a for a in profile.apps if not a.package.startswith("com.amazon")]
    facts = {f.name: f for f in derive_apps.derive(DeriveContext(_snapshot_of(profile)))}
    assert facts["sms.default_app"].value == "com.example.quicksms"
    assert facts["sms.default_app_is_stock"].value is False
    assert facts["sms.receivers"].value == []  # the default app is not listed as "another" receiver
    assert facts["amazon.installed"].value is False
    assert facts["notifications.amazon_allowed"].reason == "Amazon Shopping is not installed"


def test_round_trip_no_sms_app_is_known_empty() -> None:
    profile = _profile(34, "")
    profile.default_sms_app = None
    facts = {f.name: f for f in derive_apps.derive(DeriveContext(_snapshot_of(profile)))}
    assert facts["sms.default_app"].known and facts["sms.default_app"].value == ""


AMZ = "com.amazon.mShop.android.shopping"
POST = "android.permission.POST_NOTIFICATIONS"


def _rc(profile: Profile, line: str) -> int:
    return commands.run_command(profile, line.split()).rc


def test_fix_commands_change_state() -> None:
    _load_renderers()
    p = _profile(33, "com.google.android.apps.messaging", granted=False, background="ignore")
    assert _rc(p, f"pm grant {AMZ} {POST}") == 0
    assert p.app(AMZ).notifications.granted is True
    assert _rc(p, f"cmd appops set {AMZ} RUN_ANY_IN_BACKGROUND allow") == 0
    assert p.app(AMZ).background == "allow"
    assert _rc(_profile(31, "com.google.android.apps.messaging"), f"pm grant {AMZ} {POST}") != 0  # pre-T
    assert _rc(p, f"cmd role add-role-holder android.app.role.SMS {AMZ}") != 0  # does not qualify
    assert _rc(p, "cmd role add-role-holder android.app.role.SMS com.example.quicksms") == 0
    assert p.default_sms_app == "com.example.quicksms"
    # O/P: no role service
    assert _rc(_profile(28, "x.y"), "cmd role add-role-holder android.app.role.SMS a.b") != 0


def test_notification_app_line_without_uid_is_read_not_dropped() -> None:
    """A dropped record reads as "default settings", i.e. allowed: the one outcome that must not happen
    when the line says importance=NONE."""
    n = parse_notification_dump(fixture("dumpsys_notification/xiaomi_hyperos_no_uid.txt"), "com.android.mms")
    assert n is not None
    rec = n.for_user(0)
    assert rec is not None and rec.uid is None and rec.blocked
    assert [c.id for c in rec.channels] == ["sms_channel"]
