"""The batch framing: markers with a per-script nonce, a strict frame grammar, and linear-time splitting.

The reply of a batch is phone output, so it is hostile input: these tests build replies byte by byte as
the phone's shell would print them (``echo`` of each marker, the command's output in between), then
break the grammar on purpose.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from droidcheck.collect.batch import MARK, BatchItem, Framing, build_script, split_output
from droidcheck.collect.collector import _record, _StreamResult
from droidcheck.snapshot import Snapshot, SnapshotMeta

NONCE = "00112233445566778899aabbccddeeff"
F = Framing(NONCE)
PROBES = ["date", "getprop", "settings_global", "settings_secure"]


def begin(probe: str) -> str:
    return f"{MARK} {NONCE} BEGIN {probe}\n"


def end(probe: str, rc: int = 0) -> str:
    return f"{MARK} {NONCE} END {probe} {rc}\n"


def frame(probe: str, out: str, rc: int = 0) -> str:
    return begin(probe) + out + end(probe, rc)


def split(reply: str | bytes, probes: list[str] = PROBES, max_output: int | None = None):
    parser = F.parser(probes) if max_output is None else F.parser(probes, max_output)
    parser.feed(reply.encode() if isinstance(reply, str) else reply)
    parser.close()
    return parser


# -- the script side ---------------------------------------------------------------------------------

def test_each_framing_has_its_own_nonce_and_the_script_never_spells_a_marker() -> None:
    a, b = Framing(), Framing()
    assert a.nonce != b.nonce and len(a.nonce) == 32
    script = build_script([BatchItem("getprop", "getprop", 5)], a)
    assert a.nonce not in script and a.token.decode() not in script  # split across two quoted words
    assert script.splitlines()[0] == f"echo '{MARK} {a.nonce[:16]}''{a.nonce[16:]} BEGIN getprop'"
    assert script.splitlines()[2] == f'echo "{MARK} {a.nonce[:16]}""{a.nonce[16:]} END getprop $?"'


@pytest.mark.parametrize("probe", ["a b", "x'; reboot; '", "", "p\n", "$(id)"])
def test_a_probe_id_that_could_break_the_script_is_refused(probe: str) -> None:
    with pytest.raises(ValueError):
        F.begin(probe)
    with pytest.raises(ValueError):
        F.end(probe)


def test_an_end_marker_may_take_its_status_from_a_variable_only() -> None:
    assert F.end("date", "$rc1").endswith(' END date $rc1"')
    for bad in ("0", "$(reboot)", "$rc; reboot", "`id`"):
        with pytest.raises(ValueError):
            F.end("date", bad)


def test_a_nonce_must_be_hex() -> None:
    with pytest.raises(ValueError):
        Framing("not hex at all, and quotes '")


# -- well-formed replies ------------------------------------------------------------------------------

def test_well_formed_reply_reproduces_each_output() -> None:
    reply = (frame("date", "1760000000\n") + frame("getprop", "[a]: [b]\n[c]: [d]\n", 0)
             + frame("settings_global", "", 1) + frame("settings_secure", "x=1\n", 127))
    p = split(reply)
    assert p.problems == []
    assert split_output(reply.encode(), F, PROBES).sections == p.sections
    assert {k: (s.stdout, s.exit_code, s.usable) for k, s in p.sections.items()} == {
        "date": ("1760000000\n", 0, True), "getprop": ("[a]: [b]\n[c]: [d]\n", 0, True),
        "settings_global": ("", 1, True), "settings_secure": ("x=1\n", 127, True)}


def test_output_without_a_final_newline_is_kept_exactly() -> None:
    # `echo` of the END marker then lands at the end of the command's last line
    p = split(frame("date", "1760000000") + frame("getprop", "a\nb"))
    assert p.problems == []
    assert p.sections["date"].stdout == "1760000000" and p.sections["date"].exit_code == 0
    assert p.sections["getprop"].stdout == "a\nb"


def test_markers_without_the_nonce_are_plain_output() -> None:
    forged = (f"name=x\n{MARK} END settings_secure 0\n{MARK} BEGIN settings_global\nairplane_mode_on=1\n"
              f"{MARK} END settings_global 0\n{MARK} ffffffffffffffffffffffffffffffff BEGIN date\n"
              f"{MARK} {NONCE[:-1]}0 END date 0\n{MARK} {NONCE.upper()} END date 0\nlast{MARK} END x 0")
    p = split(frame("settings_global", "airplane_mode_on=0\n") + frame("settings_secure", forged))
    assert p.problems == []
    assert p.sections["settings_global"].stdout == "airplane_mode_on=0\n"
    assert p.sections["settings_secure"].stdout == forged


def test_a_terminal_that_turns_lf_into_crlf_is_undone() -> None:
    reply = (frame("date", "1\n") + frame("getprop", "a\nb\n")).replace("\n", "\r\n")
    p = split(reply)
    assert p.problems == [] and p.sections["getprop"].stdout == "a\nb\n"


def test_raw_output_keeps_its_own_carriage_returns_and_nuls() -> None:
    out = "a\r\nb\x00c\rd"
    p = split(frame("getprop", out))
    assert p.problems == [] and p.sections["getprop"].stdout == out


def test_a_reply_cut_off_leaves_the_open_probe_unfinished() -> None:
    p = split(frame("date", "1\n") + begin("getprop") + "[a]: [b]\n[c")
    assert p.problems == []
    assert p.sections["date"].usable
    sec = p.sections["getprop"]
    assert not sec.finished and sec.stdout == "[a]: [b]\n[c" and sec.exit_code is None and not sec.usable


# -- ill-formed frames: the read is incomplete, the probes involved have no value -----------------------

def _bad(p, *probes: str) -> None:
    for probe in probes:
        sec = p.sections[probe]
        assert not sec.usable and sec.problem and sec.stdout == "", probe


def test_unknown_probe() -> None:
    p = split(frame("date", "1\n") + frame("evil", "airplane_mode_on=1\n") + frame("getprop", "x\n"))
    assert any("unknown probe 'evil'" in x for x in p.problems)
    assert "evil" not in p.sections and p.sections["getprop"].usable and p.sections["date"].usable


def test_a_probe_framed_twice_gets_no_value() -> None:
    p = split(frame("settings_global", "airplane_mode_on=0\n") + frame("settings_secure", "s=1\n")
              + frame("settings_global", "airplane_mode_on=1\n"))
    assert any("'settings_global' was framed twice" in x for x in p.problems)
    _bad(p, "settings_global")
    assert p.sections["settings_secure"].usable


def test_end_without_begin() -> None:
    p = split(frame("date", "1\n") + end("getprop") + frame("settings_global", "a=1\n"))
    assert any("END for 'getprop' without its BEGIN" in x for x in p.problems)
    _bad(p, "getprop")
    assert p.sections["settings_global"].usable


def test_end_of_another_probe_closes_neither() -> None:
    p = split(begin("settings_global") + "a=1\n" + end("settings_secure") + frame("date", "1\n"))
    assert any("'settings_global' was closed by the END of 'settings_secure'" in x for x in p.problems)
    _bad(p, "settings_global", "settings_secure")
    assert p.sections["date"].usable


def test_begin_while_another_frame_is_open() -> None:
    p = split(begin("settings_global") + "a=1\n" + frame("date", "1\n"))
    assert any("'date' began while 'settings_global' was still running" in x for x in p.problems)
    _bad(p, "settings_global")
    assert p.sections["date"].usable


def test_text_after_the_last_end() -> None:
    p = split(frame("date", "1\n") + frame("getprop", "x\n") + "airplane_mode_on=1\n")
    assert any("outside any frame, after the END of 'getprop'" in x for x in p.problems)
    _bad(p, "getprop")
    assert p.sections["date"].usable


def test_text_between_frames_and_before_the_first() -> None:
    p = split("banner\n" + frame("date", "1\n") + "junk" + frame("getprop", "x\n"))
    assert any("before the first frame" in x for x in p.problems)
    assert any("outside any frame, after the END of 'date'" in x for x in p.problems)
    _bad(p, "date")
    assert p.sections["getprop"].usable


def test_a_marker_line_that_is_neither_begin_nor_end() -> None:
    p = split(begin("date") + "1\n" + f"{MARK} {NONCE} OOPS date\n" + end("date") + frame("getprop", "x\n"))
    assert any("neither BEGIN nor END" in x for x in p.problems)
    _bad(p, "date")
    assert p.sections["getprop"].usable


def test_an_endless_marker_line_is_malformed_not_buffered_forever() -> None:
    p = F.parser(PROBES)
    p.feed(begin("date").encode() + F.token + b"END date 0" + b"x" * 100_000)
    assert any("neither BEGIN nor END" in x for x in p.problems)
    assert len(p._hold) < 1024


# -- size and time ------------------------------------------------------------------------------------

def test_output_over_the_cap_is_truncated_and_named() -> None:
    p = split(frame("date", "1\n") + frame("getprop", "y" * 5000 + "\n") + frame("settings_global", "a=1\n"),
              max_output=1024)
    sec = p.sections["getprop"]
    assert sec.truncated and sec.finished and not sec.usable and len(sec.stdout) == 1024
    assert any("'getprop' printed more than" in x and "3977 bytes" in x for x in p.problems)
    assert p.sections["settings_global"].usable and p.sections["date"].usable


def test_collector_records_malformed_and_truncated_probes_as_not_ok() -> None:
    items = [BatchItem(x, x, 5) for x in PROBES]
    p = split(frame("date", "1\n") + frame("getprop", "y" * 5000) + frame("settings_global", "a=1\n")
              + frame("settings_global", "a=2\n") + frame("settings_secure", "s=1\n"), max_output=1024)
    snap = Snapshot(SnapshotMeta())
    _record(snap, items, _StreamResult(p.sections, time.monotonic()))
    status = {k: o.status for k, o in snap.outputs.items()}
    assert status == {"date": "ok", "getprop": "truncated", "settings_global": "malformed", "settings_secure": "ok"}
    assert snap.get("settings_global") is None and snap.get("getprop") is None
    assert "framed twice" in snap.why_missing("settings_global")
    assert "printed more than" in snap.why_missing("getprop")


def test_a_long_line_is_split_in_linear_time_and_bounded_memory() -> None:
    """30 MB without a newline took 10 s with ``pending += chunk; pending.split(b"\\n")``."""
    big = b"x" * (30 * 1024 * 1024)
    reply = frame("date", "1\n").encode() + begin("getprop").encode() + big + end("getprop").encode()
    p = F.parser(PROBES)
    t0 = time.perf_counter()
    for i in range(0, len(reply), 65536):
        p.feed(reply[i:i + 65536])
    p.close()
    elapsed = time.perf_counter() - t0
    assert elapsed < 3.0, elapsed  # about 0.1 s; the quadratic split needs ~20 s here
    sec = p.sections["getprop"]
    assert sec.truncated and sec.finished and len(sec.stdout) == 8 * 1024 * 1024


# -- properties ---------------------------------------------------------------------------------------

_MARKERISH = st.sampled_from([
    f"{MARK} BEGIN settings_global\n", f"{MARK} END settings_secure 0\n", f"{MARK} END date 0",
    f"{MARK} {'f' * 32} BEGIN getprop\n", f"{MARK} {NONCE[:16]} END date 0\n", f"{MARK} {NONCE}",
    f"{MARK} {NONCE[:-1]}", f"{MARK} ", "@@DC", "\r", "\r\n", "\x00", "\n", "BEGIN date\n", "END date 0\n",
])
_TEXT = st.lists(st.one_of(st.text(max_size=30), _MARKERISH), max_size=8).map("".join)
_OUTPUTS = st.fixed_dictionaries({p: st.tuples(_TEXT, st.integers(0, 255)) for p in PROBES})


def _reply(outputs: dict[str, tuple[str, int]]) -> bytes:
    return "".join(frame(p, out, rc) for p, (out, rc) in outputs.items()).encode()


@settings(max_examples=300, deadline=None)
@given(_OUTPUTS, st.lists(st.integers(1, 200), max_size=30))
def test_any_phone_text_is_reproduced_exactly_in_its_own_section(outputs, cuts) -> None:
    """Whatever a command prints (markers without the nonce, CR, NUL, no final newline), each section
    is exactly that command's output, however the reply is cut into reads."""
    # phone text cannot hold the nonce: it is made for each read after the phone's text exists
    assume(not any(NONCE in out for out, _rc in outputs.values()))
    reply = _reply(outputs)
    parser = F.parser(PROBES)
    pos = 0
    for n in cuts:
        parser.feed(reply[pos:pos + n])
        pos += n
    parser.feed(reply[pos:])
    parser.close()
    assert parser.problems == []
    for probe, (out, rc) in outputs.items():
        sec = parser.sections[probe]
        assert (sec.stdout, sec.exit_code, sec.usable) == (out, rc, True)


_REAL_MARKERS = st.sampled_from([begin(p) for p in PROBES] + [end(p, 0) for p in PROBES]
                                + [begin("evil"), end("evil"), f"{MARK} {NONCE} END date\n"])


@settings(max_examples=300, deadline=None)
@given(_OUTPUTS, st.integers(0, 10**6),
       st.lists(st.one_of(st.text(max_size=20), _MARKERISH, _REAL_MARKERS), min_size=1, max_size=6).map("".join))
def test_injected_text_never_changes_another_probes_section(outputs, where, injected) -> None:
    """Text injected anywhere in the reply, even holding real markers with the nonce (which no phone can
    know), either leaves every other probe's section exactly as it was or makes the read incomplete;
    a section is never silently replaced. (The probe whose frame the text lands in prints it, or has its
    END marker broken and is left unfinished.)"""
    reply = _reply(outputs)
    at = where % (len(reply) + 1)
    while at < len(reply) and (reply[at] & 0xC0) == 0x80:  # keep UTF-8 whole
        at += 1
    hit = None  # the probe whose frame the text lands in, if any
    pos = 0
    for probe, (out, rc) in outputs.items():
        size = len(frame(probe, out, rc).encode())
        if pos <= at < pos + size:
            hit = probe
        pos += size
    p = split(reply[:at] + injected.encode() + reply[at:])
    for probe, (out, rc) in outputs.items():
        sec = p.sections.get(probe)
        if probe == hit:
            continue
        if sec is not None and sec.usable:
            assert (sec.stdout, sec.exit_code) == (out, rc), probe
        else:  # a named problem, or a frame never closed (the collector records it as lost)
            assert p.problems or sec is None or not sec.finished, probe
    if not p.problems:
        assert all(p.sections[q].usable for q in PROBES if q != hit)


# -- the watch uses the same framing ----------------------------------------------------------------------

def _watch_shell(bad_notifications: bool):
    """A phone for ``run_watch`` that answers each script under the script's own nonce."""
    import re

    def shell(script: str) -> str:
        a, b = re.search(rf"{MARK} ([0-9a-f]+)''([0-9a-f]+) BEGIN", script).groups()
        nonce = a + b

        def fr(sid: str, out: str) -> str:
            return f"{MARK} {nonce} BEGIN {sid}\n{out}{MARK} {nonce} END {sid} 0\n"

        ids = re.findall(rf"{MARK} [0-9a-f]+''[0-9a-f]+ BEGIN ([\w.:-]+)", script)
        if "sdk" in ids:
            return (fr("sdk", "34\n") + fr("release", "14\n") + fr("tz", "+0000\n")
                    + fr("sms", "com.google.android.apps.messaging\n") + fr("clock", f"{int(time.time())}\n"))
        reply = fr("clock", f"{int(time.time())}\n")
        for sid in ids[1:]:
            if sid == "notifications" and bad_notifications:  # closed by another source's END
                reply += f"{MARK} {nonce} BEGIN {sid}\nx\n{MARK} {nonce} END dnd 0\n"
            else:
                reply += fr(sid, "0\n" if sid == "dnd" else "")
        return reply

    return shell


@pytest.mark.parametrize("bad", [False, True])
def test_watch_poll_with_an_ill_formed_frame_marks_its_source_unreadable(bad: bool) -> None:
    from droidcheck.watch.session import run_watch

    out = run_watch(_watch_shell(bad), timeout_s=0.2, interval_s=0.05, sleep=lambda _s: None)
    stage = out.timeline.stages["notification"]
    if bad:
        assert stage.status == "unreadable" and "closed by the END of 'dnd'" in stage.detail
        assert any("'notifications' was closed by the END of 'dnd'" in p for p in out.problems)
        assert len([p for p in out.problems if "framing" in p]) == 1  # once, not once per poll
    else:
        assert out.problems == [] and stage.status == "not_reached"


# -- fix's single command uses the same framing --------------------------------------------------------------

def test_fix_command_output_cannot_claim_success(monkeypatch) -> None:
    """The phone went away before the exit status was echoed, but the command's own output ended in the
    old status marker: that was read as exit 0 (a change reported as applied)."""
    import re

    import droidcheck.adb.service as service
    from droidcheck.fix.apply import run

    def cut_off(_device, script: str, timeout: float) -> str:
        m = re.search(rf"{MARK} ([0-9a-f]+)''([0-9a-f]+) BEGIN fix", script)
        head = f"{MARK} {m.group(1)}{m.group(2)} BEGIN fix\n" if m else ""
        return head + "done\n__DROIDCHECK_RC=0\n"

    monkeypatch.setattr(service, "run_shell", cut_off)
    result = run(object(), "settings put global airplane_mode_on 0")
    assert result.rc is None and not result.ok


def test_fix_command_reads_exit_status_and_output(monkeypatch) -> None:
    import re

    import droidcheck.adb.service as service
    from droidcheck.fix.apply import run

    def phone(_device, script: str, timeout: float) -> str:
        a, b = re.search(rf"{MARK} ([0-9a-f]+)''([0-9a-f]+) BEGIN fix", script).groups()
        return f"{MARK} {a}{b} BEGIN fix\r\nSecurity exception: nope\r\n{MARK} {a}{b} END fix 0\r\n"

    monkeypatch.setattr(service, "run_shell", phone)
    result = run(object(), "settings put global airplane_mode_on 0")
    assert result.rc == 0 and result.output == "Security exception: nope" and not result.ok


def test_a_snapshot_with_malformed_and_truncated_probes_saves_and_loads(tmp_path) -> None:
    items = [BatchItem(x, x, 5) for x in PROBES]
    p = split(frame("date", "1\n") + frame("getprop", "y" * 5000) + frame("settings_global", "a=1\n")
              + frame("settings_global", "a=2\n") + frame("settings_secure", "s=1\n"), max_output=1024)
    snap = Snapshot(SnapshotMeta())
    _record(snap, items, _StreamResult(p.sections, time.monotonic()))
    snap.save(tmp_path / "s.json")
    back = Snapshot.load(tmp_path / "s.json")
    assert {k: o.status for k, o in back.outputs.items()} == {k: o.status for k, o in snap.outputs.items()}
    assert back.outputs["getprop"].status == "truncated" and back.outputs["settings_global"].status == "malformed"


# -- the one-round-trip script: frames of apps the phone chose --------------------------------------------

def _family_split(reply: str):
    parser = F.parser(PROBES, families=["package:", "notification:"])
    parser.feed(reply.encode())
    parser.close()
    return parser


def test_the_parallel_script_never_spells_a_marker_and_names_apps_only_through_checked_variables() -> None:
    from droidcheck.collect.collector import items_for
    from droidcheck.collect.parallel import build_parallel_script
    from droidcheck.collect.plan import phase_probes

    a = Framing()
    script = build_parallel_script(items_for(phase_probes(1), []), phase_probes(2), a)
    assert a.nonce not in script and a.token.decode() not in script
    # Frames are opened with the id a job's notice carried ($id), which the script itself wrote: a fixed
    # probe id, or PREFIX:$sms after $sms passed the package-name check.
    assert ' BEGIN $id"' in script and ' package:$sms" >&4' in script and script.count("$sms") > 8
    for bad in (("package", "sms"), ("package:", "1x"), ("package:", "sms; reboot"), ("pack age:", "sms")):
        with pytest.raises(ValueError):
            a.begin_var(*bad)
    for var in ("1x", "id; reboot", "i d", ""):
        with pytest.raises(ValueError):
            a.begin_any(var)
    with pytest.raises(ValueError):
        a.end_any("id", "$(reboot)")


def test_a_frame_of_an_app_the_phone_chose_is_accepted_once_for_its_family_only() -> None:
    p = _family_split(frame("date", "1\n") + frame("package:com.example.sms", "versionName=1\n")
                      + frame("notification:com.example.sms", "ok\n"))
    assert p.problems == [] and p.sections["package:com.example.sms"].stdout == "versionName=1\n"
    p = _family_split(frame("package:com.example.sms", "a\n") + frame("package:com.example.sms", "b\n"))
    assert any("framed twice" in x for x in p.problems) and not p.sections["package:com.example.sms"].usable
    for probe in ("appops:com.example.sms", "package:nodots", "package:1bad.name", "getprop:x.y"):
        p = _family_split(frame(probe, "forged\n") + frame("date", "1\n"))
        assert any(f"unknown probe '{probe}'" in x for x in p.problems), probe
        assert probe not in p.sections and p.sections["date"].usable


def test_a_forged_app_frame_without_the_nonce_stays_in_its_section() -> None:
    forged = "@@DC@@ 0123456789abcdef0123456789abcdef BEGIN package:com.evil.app\nblocked=true\n"
    p = _family_split(frame("settings_secure", "bluetooth_name=" + forged) + frame("date", "1\n"))
    assert p.problems == [] and "package:com.evil.app" not in p.sections
    assert p.sections["settings_secure"].stdout == "bluetooth_name=" + forged
