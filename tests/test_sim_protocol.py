"""The device simulator against the real adb server: handshake, services, flow control, faults.

Everything marked ``e2e`` goes adbutils → real adb server (from the adbutils wheel) → TCP → simulator, the
same path droidcheck takes to a phone. The simulated commands used here (``simtest …``) are registered by
this module so the protocol tests do not depend on the renderers' output formats.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import threading
import time

import adbutils
import pytest

from droidcheck.adb.server import AdbServer, adb_binary, adb_processes_on
from droidcheck.collect.batch import BatchItem, Framing, build_script, split_output
from droidcheck.sim import commands
from droidcheck.sim.adbd import banner, garbage
from droidcheck.sim.commands import Output, command
from droidcheck.sim.profile import Faults, Profile
from droidcheck.sim.shell import Shell, parse, parse_duration

# --------------------------------------------------------------------------------- test commands

BIG_LINE = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_=+!@#$%^&*()[]{}<>?/|~\n"


def big_text(size: int) -> str:
    reps = size // len(BIG_LINE) + 1
    return "".join(f"{i:08d} {BIG_LINE}" for i in range(reps))[:size]


@command("simtest", "model")
def _model(profile: Profile, argv: list[str]) -> Output:
    return Output(stdout=f"{profile.maker} {profile.model}\n")


@command("simtest", "big")
def _big(profile: Profile, argv: list[str]) -> Output:
    return Output(stdout=big_text(int(argv[2])))


@command("simtest", "fail")
def _fail(profile: Profile, argv: list[str]) -> Output:
    return Output(stdout="partial\n", stderr="simtest: it broke\n", rc=3)


@command("simtest", "lines")
def _lines(profile: Profile, argv: list[str]) -> Output:
    return Output(stdout="".join(f"line {i}\n" for i in range(1, int(argv[2]) + 1)))


@pytest.fixture(scope="module", autouse=True)
def _renderers() -> None:
    """Use the real renderers when they exist; until they do, only this module's commands."""
    try:
        commands._load()
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("droidcheck.sim.render"):
            raise
        commands._loaded = True


async def _fake_runner(argv: list[str]) -> Output:
    if argv[:2] == ["simtest", "hang"]:
        await asyncio.sleep(3600)
    return commands.run_command(Profile(name="unit"), argv)


def sh(script: str) -> tuple[str, str, int]:
    """Run a script through the interpreter alone (no protocol) → (stdout, stderr, rc)."""
    out: list[bytes] = []
    err: list[bytes] = []

    async def emit(fd: int, data: bytes) -> None:
        (out if fd == 1 else err).append(data)

    rc = asyncio.run(Shell(_fake_runner, emit).run(script))
    return b"".join(out).decode(), b"".join(err).decode(), rc


# ------------------------------------------------------------------------------- interpreter alone

def test_interpreter_statements_status_and_quoting() -> None:
    out, err, rc = sh("simtest fail; echo \"rc=$?\" '$?' rc=$?\nsimtest model && echo yes || echo no\n")
    assert out == "partial\nrc=3 $? rc=3\nGoogle Pixel 7\nyes\n"
    assert err == "simtest: it broke\n"
    assert rc == 0


def test_interpreter_redirections_and_pipes() -> None:
    out, err, _ = sh("simtest fail 2>&1 | grep -c .; simtest fail 2>/dev/null; nosuch 2>&1 >/dev/null")
    assert out == "2\npartial\n/system/bin/sh: nosuch: inaccessible or not found\n"
    assert err == ""
    out, _, rc = sh("simtest lines 20 | grep -E 'line (3|1[0-2])$' | tail -n 2; echo $?")
    assert out == "line 11\nline 12\n0\n"
    out, _, _ = sh("simtest lines 5 | head -n 2; simtest lines 5 | grep -v -e 1 -e 2 | grep -i LINE")
    assert out == "line 1\nline 2\nline 3\nline 4\nline 5\n"
    _, _, rc = sh("simtest lines 5 | grep -q nothing")
    assert rc == 1


def test_interpreter_timeout_ends_a_hung_command_with_124() -> None:
    start = time.monotonic()
    out, _, rc = sh("timeout 0.2 simtest hang; echo $?; timeout 5 simtest model 2>&1")
    assert out == "124\nGoogle Pixel 7\n"
    assert rc == 0
    assert time.monotonic() - start < 2


def test_interpreter_syntax_error_runs_nothing() -> None:
    out, err, rc = sh("echo first; echo 'unterminated")
    assert out == "" and "syntax error" in err and rc != 0
    assert len(parse("a | b && c || d; e\nf")) == 3
    assert parse_duration("1.5") == 1.5 and parse_duration("2m") == 120 and parse_duration("x") is None


def test_batch_script_runs_in_the_interpreter_alone() -> None:
    items = [BatchItem("m", "simtest model", 3), BatchItem("g", "simtest lines 9 | grep -E 'line [2-4]'", 3),
             BatchItem("f", "simtest fail", 3), BatchItem("h", "simtest hang", 0.2)]
    framing = Framing()
    out, _, _ = sh(build_script(items, framing))
    split = split_output(out, framing, [i.probe for i in items])
    assert split.problems == []
    sections = split.sections
    assert sections["m"].stdout == "Google Pixel 7\n" and sections["m"].exit_code == 0
    assert sections["g"].stdout == "line 2\nline 3\nline 4\n"
    assert sections["f"].stdout == "partial\nsimtest: it broke\n" and sections["f"].exit_code == 3
    assert sections["h"].exit_code == 124 and sections["h"].finished


def test_banner_and_garbage_are_deterministic() -> None:
    p = Profile(name="x", model="Galaxy S23", device="dm1q")
    assert banner(p).startswith(b"device::ro.product.name=dm1q;ro.product.model=Galaxy S23;")
    assert b"delayed_ack" not in banner(p) and b"shell_v2" in banner(p)
    assert garbage(p, "dumpsys isub") == garbage(p, "dumpsys isub") != garbage(p, "dumpsys role")


# ---------------------------------------------------------------------------- through the adb server

def _device(adb_server, serial: str) -> adbutils.AdbDevice:
    return adb_server.client.device(serial)


@pytest.mark.e2e
def test_phone_shows_up_as_device_with_its_model(adb_server, sim_phone) -> None:
    serial = sim_phone(Profile(name="p7", model="Pixel 7", device="panther"))
    [info] = [i for i in adb_server.client.list(extended=True) if i.serial == serial]
    assert info.state == "device"
    assert info.tags["model"] == "Pixel_7" and info.tags["device"] == "panther"
    # and what a technician would type:
    listing = subprocess.run([str(adb_binary()), "-P", str(adb_server.port), "devices", "-l"],
                             capture_output=True, text=True, timeout=20, check=True).stdout
    line = next(ln for ln in listing.splitlines() if ln.startswith(serial))
    assert " device " in line and "model:Pixel_7" in line and "product:panther" in line
    assert "shell_v2" in _device(adb_server, serial).get_features()
    shell = subprocess.run([str(adb_binary()), "-P", str(adb_server.port), "-s", serial, "shell",
                            "simtest model; exit 7"], capture_output=True, text=True, timeout=20)
    assert (shell.stdout, shell.returncode) == ("Google Pixel 7\n", 7)


@pytest.mark.e2e
def test_shell2_returns_stdout_stderr_and_exit_code(adb_server, sim_phone) -> None:
    d = _device(adb_server, sim_phone(Profile(name="s", maker="Samsung", model="Galaxy A54")))
    r = d.shell2("simtest model; simtest fail", v2=True)
    assert (r.returncode, r.stdout, r.stderr) == (3, "Samsung Galaxy A54\npartial\n", "simtest: it broke\n")
    r1 = d.shell2("simtest model; false")  # shell v1: adbutils appends `; echo X4EXIT:$?`
    assert (r1.returncode, r1.output) == (1, "Samsung Galaxy A54\n")
    assert d.shell("simtest model") == "Samsung Galaxy A54"
    conn = d.open_transport()
    conn.send_command("exec:simtest fail")  # exec: stdout only, raw
    conn.check_okay()
    assert conn.read_until_close() == "partial\n"
    conn.close()


@pytest.mark.e2e
def test_200kb_output_arrives_intact(adb_server, sim_phone) -> None:
    d = _device(adb_server, sim_phone())
    size = 200 * 1024
    want = big_text(size).encode()
    assert d.shell(f"simtest big {size}", encoding=None, rstrip=False) == want
    r = d.shell2(f"simtest big {size}", v2=True, encoding=None)
    assert r.returncode == 0 and r.stdout == want


@pytest.mark.e2e
def test_concurrent_streams_on_one_phone(adb_server, sim_phone) -> None:
    serial = sim_phone()
    results: dict[int, str] = {}

    def worker(n: int) -> None:
        client = adb_server.server.client()
        results[n] = client.device(serial).shell(f"simtest big {20_000 + n}", rstrip=False)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert {n: len(v) for n, v in results.items()} == {n: 20_000 + n for n in range(8)}


def _batch(n: int) -> tuple[list[BatchItem], str]:
    items = [BatchItem(f"p{i}", f"simtest lines {i}", 5) for i in range(1, n + 1)]
    return items, build_script(items, FRAMING)


#: One nonce for these protocol tests (the collector makes a fresh one for every script).
FRAMING = Framing()


def _split(reply: str, items: list[BatchItem]):
    return split_output(reply, FRAMING, [i.probe for i in items]).sections


def _run_batch(adb_server, serial: str, script: str) -> str:
    conn = _device(adb_server, serial).open_shell(script)  # what droidcheck's collector does
    try:
        return conn.read_until_close()
    finally:
        conn.close()


@pytest.mark.e2e
def test_batch_script_round_trip(adb_server, sim_phone) -> None:
    serial = sim_phone()
    items, _ = _batch(20)
    items.append(BatchItem("piped", "simtest lines 30 | grep -E 'line (7|17)$'", 5))
    items.append(BatchItem("fails", "simtest fail", 5))
    items.append(BatchItem("unknown", "dumpsys_not_a_command x", 5))
    sections = _split(_run_batch(adb_server, serial, build_script(items, FRAMING)), items)
    assert list(sections) == [item.probe for item in items]
    for i in range(1, 21):
        assert sections[f"p{i}"].stdout == "".join(f"line {k}\n" for k in range(1, i + 1))
        assert sections[f"p{i}"].exit_code == 0 and sections[f"p{i}"].finished
    assert sections["piped"].stdout == "line 7\nline 17\n"
    assert sections["fails"].exit_code == 3 and "it broke" in sections["fails"].stdout
    assert sections["unknown"].exit_code == 127


@pytest.mark.e2e
def test_unauthorized_phone(adb_server, sim_phone) -> None:
    serial = sim_phone(faults={"unauthorized": True})
    assert sim_phone.state(serial) == "unauthorized"
    with pytest.raises(adbutils.AdbError, match="unauthorized"):
        _device(adb_server, serial).shell("simtest model")


@pytest.mark.e2e
def test_offline_phone(adb_server, sim_phone) -> None:
    serial = sim_phone(faults={"offline": True})
    assert sim_phone.state(serial) == "offline"
    with pytest.raises(adbutils.AdbError):
        _device(adb_server, serial).shell("simtest model")


@pytest.mark.e2e
def test_disconnect_mid_batch_keeps_earlier_sections(adb_server, sim_phone) -> None:
    serial = sim_phone(faults={"disconnect_after": 3})
    items, script = _batch(6)
    sections = _split(_run_batch(adb_server, serial, script), items)
    assert [s for s in sections if sections[s].finished] == ["p1", "p2", "p3"]
    assert sections["p3"].stdout == "line 1\nline 2\nline 3\n" and sections["p3"].exit_code == 0
    assert not sections["p4"].finished and sections["p4"].exit_code is None
    assert "p5" not in sections
    assert sim_phone.phone(serial).disconnect_fired


@pytest.mark.e2e
def test_hang_under_timeout_returns_124_after_the_timeout(adb_server, sim_phone) -> None:
    d = _device(adb_server, sim_phone(faults={"hang_on": ["dumpsys telephony.registry"]}))
    start = time.monotonic()
    r = d.shell2("timeout 1 dumpsys telephony.registry; echo after $?", v2=True, timeout=10)
    elapsed = time.monotonic() - start
    assert r.returncode == 0 and r.stdout == "after 124\n"
    assert 0.95 <= elapsed < 2.5, elapsed
    # without `timeout`, the command never ends: only the host's own deadline gets out of it
    with pytest.raises(adbutils.AdbTimeout):
        d.shell("dumpsys telephony.registry", timeout=0.5)


@pytest.mark.e2e
def test_client_going_away_stops_the_command(adb_server, sim_phone, sim_host) -> None:
    serial = sim_phone(faults={"hang_on": ["dumpsys"]})
    phone = sim_phone.phone(serial)
    conn = _device(adb_server, serial).open_shell("dumpsys activity")
    assert phone.active_streams == 1
    conn.close()  # the server sends CLSE to the phone, which must stop the hung command
    sim_host.call(phone.wait_idle(), timeout=5)
    assert phone.active_streams == 0


@pytest.mark.e2e
def test_latency_is_added_to_each_round_trip(adb_server, sim_phone) -> None:
    fast = _device(adb_server, sim_phone())
    slow = _device(adb_server, sim_phone(faults={"latency_ms": 300}))
    timings = {}
    for name, d in (("fast", fast), ("slow", slow)):
        start = time.monotonic()
        assert d.shell("simtest model") == "Google Pixel 7"
        timings[name] = time.monotonic() - start
    assert timings["slow"] >= 0.3 and timings["fast"] < 0.25, timings


@pytest.mark.e2e
def test_garbage_and_stall_faults(adb_server, sim_phone) -> None:
    serial = sim_phone(faults={"garbage_on": ["simtest model"], "stall_after": 2})
    d = _device(adb_server, serial)
    first = d.shell("simtest model", rstrip=False)
    assert first == garbage(sim_phone.phone(serial).profile, "simtest model")
    assert d.shell("simtest lines 1") == "line 1"  # the second command still answers
    with pytest.raises(adbutils.AdbTimeout):
        d.shell("simtest lines 1", timeout=0.5)  # the third never does
    assert sim_phone.state(serial) == "device"  # and adb still thinks all is well, as with a real stall


@pytest.mark.e2e
def test_many_phones_side_by_side(adb_server, sim_phone) -> None:
    serials = [sim_phone(Profile(name=f"m{i}", model=f"Model {i}")) for i in range(5)]
    states = {i.serial: (i.state, i.tags.get("model")) for i in adb_server.client.list(extended=True)}
    for i, serial in enumerate(serials):
        assert states[serial] == ("device", f"Model_{i}")
        assert _device(adb_server, serial).shell("simtest model") == f"Google Model {i}"


@pytest.mark.e2e
def test_private_server_leaves_no_process() -> None:
    server = AdbServer.start()
    pid = server.process.pid if server.process else None
    assert server.running and server.client().server_version() > 0
    assert adb_processes_on(server.port) == [pid]
    server.stop()
    assert adb_processes_on(server.port) == []
    with pytest.raises(Exception, match="5037"):
        AdbServer.start(5037)


@pytest.mark.e2e
def test_windows_start_path_works_with_the_real_adb(sim_host) -> None:
    """Windows has no fd passing, so there the server runs as ``server nodaemon`` and is polled until it
    answers. adb runs that way on every platform: exercise the Windows path here, phone included."""
    from droidcheck.adb.server import adb_binary, free_port
    from droidcheck.sim.profile import find_profile

    server = AdbServer._start_windows(free_port(), adb_binary(), timeout=30)
    try:
        assert server.running and server.client().server_version() > 0
        phone = sim_host.add(find_profile("pixel8-a14-healthy").copy())
        client = server.client()
        assert "connected" in client.connect(f"127.0.0.1:{phone.port}", timeout=15)
        client.wait_for(f"127.0.0.1:{phone.port}", state="device", timeout=15)
        assert client.device(f"127.0.0.1:{phone.port}").shell("getprop ro.build.version.sdk").strip() == "34"
        sim_host.remove(phone)
    finally:
        pid = server.process.pid if server.process else None
        server.stop()
    assert pid is not None and pid not in adb_processes_on(server.port)


def test_faults_dataclass_defaults_are_quiet() -> None:
    f = Faults()
    assert not (f.unauthorized or f.offline or f.hang_on or f.garbage_on or f.latency_ms)


# ------------------------------------------------------- interpreter: jobs, files, traps (issue 16)

def _run_fs(script: str, fs=None, runner=None):
    from droidcheck.sim.shell import SimFs

    fs = fs if fs is not None else SimFs()
    out: list[bytes] = []

    async def emit(fd: int, data: bytes) -> None:
        if fd == 1:
            out.append(data)

    rc = asyncio.run(Shell(runner or _fake_runner, emit, fs=fs).run(script))
    return b"".join(out).decode(), rc, fs


def test_interpreter_background_jobs_run_side_by_side_and_wait_gives_their_status() -> None:
    log: list[str] = []

    async def runner(argv: list[str]) -> Output:
        log.append(f"start {argv[1]}")
        await asyncio.sleep(0.05)
        log.append(f"end {argv[1]}")
        return Output(stdout=f"{argv[1]}\n", rc=int(argv[1]))

    out, _rc, _ = _run_fs('d=$(mktemp -d /data/local/tmp/t.XXXXXX)\nj 3 > "$d/a" 2>&1 & pa=$!\nj 0 > "$d/b" & pb=$!\n'
                         'wait $pa; echo "a=$?"; wait $pb; echo "b=$?"; cat "$d/a" "$d/b"; wait $pa; echo "again=$?"',
                         runner=runner)
    assert log[:2] == ["start 3", "start 0"]  # the second started before the first ended
    assert out.splitlines()[:4] == ["a=3", "b=0", "3", "0"] and out.splitlines()[4].startswith("again=127")


def test_interpreter_files_mktemp_if_and_the_exit_trap() -> None:
    out, rc, fs = _run_fs("d=$(mktemp -d /data/local/tmp/x.XXXXXXXXXX) || exit 1\ntrap 'rm -rf \"$d\"' EXIT\n"
                          'echo hi > "$d/f"; echo more >> "$d/f"\n'
                          'if grep -qxF more "$d/f"; then echo found; elif true; then echo no; else echo never; fi\n'
                          'if [ -z "$nothing" ] && [ -d "$d" ]; then v=$(grep -c . "$d/f"); echo "lines=$v"; fi\n'
                          'cat < "$d/f"\nexit 4')
    assert out == "found\nlines=2\nhi\nmore\n" and rc == 4
    assert fs.leftovers() == []  # removed by the EXIT trap on `exit`


def test_interpreter_a_missing_directory_and_an_untrapped_hangup_leave_things_as_they_are() -> None:
    out, _rc, fs = _run_fs('echo x > /data/local/tmp/nodir/f; echo "rc=$?"\n'
                           'd=$(mktemp -d /nodir/x.XXXXXX); echo "m=$?"')
    assert out == "rc=1\nm=1\n" and fs.leftovers() == []

    async def killed(trap: str):
        from droidcheck.sim.shell import SimFs

        fs = SimFs()

        async def emit(fd: int, data: bytes) -> None:
            pass

        shell = Shell(_fake_runner, emit, fs=fs)
        task = asyncio.create_task(shell.run(f"d=$(mktemp -d /data/local/tmp/k.XXXXXX)\ntrap 'rm -rf \"$d\"' EXIT\n"
                                             f"{trap}\nsimtest hang > \"$d/out\" & p=$!\nwait $p"))
        await asyncio.sleep(0.1)
        task.cancel()  # the session is hung up
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return fs.leftovers()

    assert asyncio.run(killed("trap 'exit 1' HUP")) == []
    assert len(asyncio.run(killed(":"))) == 2  # without a HUP trap the EXIT trap does not run (as in mksh)


def test_interpreter_a_co_process_carries_job_notices_in_the_order_they_finish() -> None:
    """mksh's ``cat |&``, ``exec N>&p``/``N<&p``, ``>&N`` from background jobs and ``read … <&N``: what
    the one-round-trip script uses to learn which job is done (under real mksh in test_batch_mksh)."""
    async def runner(argv: list[str]) -> Output:
        await asyncio.sleep(float(argv[1]))
        return Output(rc=int(argv[2]))

    script = ("cat |&\nexec 4>&p; exec 3<&p\n"
              '{ j 0.2 5; r=$?; echo "1 $r slow" >&4; exit $r; } & p1=$!\n'
              '{ j 0.05 0; echo "2 $? quick one" >&4; } & p2=$!\n'
              'echo "3 - -" >&4\n'
              'read -r n r id <&3; echo "$n/$r/$id"\nread -r n r id <&3; echo "$n/$r/$id"\n'
              'read -r n r id <&3; echo "$n/$r/$id"\nwait $p1; echo "wait=$?"\n'
              'if [ 12 -ge 9 ] && [ 3 -lt 4 ] && ! [ 2 -gt 2 ]; then echo numbers; fi\n'
              'exec 3<&- 4>&-\nwait')
    out, rc, _ = _run_fs(script, runner=runner)
    assert out.splitlines() == ["3/-/-", "2/0/quick one", "1/5/slow", "wait=5", "numbers"] and rc == 0


def test_interpreter_refuses_what_it_does_not_model_in_co_processes() -> None:
    out, err, _ = sh("dumpsys battery |&\necho after")
    assert "co-process other than 'cat |&'" in err and out == "after\n"
    out, err, _ = sh("exec 4>&p")  # no co-process
    assert "bad file descriptor" in err
    out, err, _ = sh('echo x >&7; [ a -gt 1 ]; echo "rc=$?"')
    assert "7: bad file descriptor" in err and "bad number" in err and out == "rc=2\n"
    out, _, _ = sh('echo "$KSH_VERSION"')
    assert "MIRBSD KSH" in out  # scripts test it before using ksh syntax


def test_interpreter_functions_run_in_the_shell_and_refuse_what_it_does_not_model() -> None:
    """``NAME() { LIST; }`` (the one-round-trip script defines its frame printer once and calls it per job):
    the body runs in the shell itself, so its assignments stay."""
    out, err, _ = sh('x=1\nf() { echo "in f $x"; x=2; }\nf\necho "after $x"\nif true; then f; fi\nf 1\necho "rc=$?"')
    assert out == "in f 1\nafter 2\nin f 2\nrc=2\n" and "without arguments" in err
    _out, err, _ = sh("f() echo x")
    assert "'{' expected" in err


def test_interpreter_parses_line_by_line_only_what_is_complete_on_each_line() -> None:
    """The line cache (a simulator serving many phones parses each read's repeated lines once) gives the
    same trees as parsing the whole text, and falls back to it for anything spread over lines."""
    from droidcheck.sim.shell import _parse_text, parse

    for script in ('echo a; echo b\nx=$(echo "c d") && echo "$x" &\nwait',
                   "if true\nthen echo a\nelif false; then echo b\nfi",
                   "echo 'one\ntwo'\necho three",
                   "echo a &&\necho b",
                   "echo a \\\nb",
                   "f() {\necho in f\n}\nf"):
        assert repr(parse(script)) == repr(_parse_text(script)), script
    assert sh("if true\nthen echo a\nfi\necho 'x\ny'")[0] == "a\nx\ny\n"
    assert "syntax" in sh("echo ok\nif true; then echo a")[1]  # an error still runs nothing
    assert sh("echo ok\nif true; then echo a")[0] == ""


def test_a_long_running_phone_keeps_only_its_recent_history(monkeypatch) -> None:
    """`droidcheck sim` may serve a lab for days: its record of shell commands and command events is
    bounded, the most recent kept in order."""
    from droidcheck.sim import adbd

    monkeypatch.setattr(adbd, "HISTORY_LIMIT", 10)
    history: list[int] = []
    for n in range(1000):
        adbd._keep_recent(history, n)
    assert len(history) <= 10 and history == list(range(history[0], 1000))
