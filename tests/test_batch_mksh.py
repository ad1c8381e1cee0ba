"""The batch script under a real mksh (the shell of ``adb shell`` on Android) reads the same as under the
simulator's own shell.

The simulator's shell is a small reimplementation; this checks it against the real thing where mksh is
installed (``apt-get install mksh``; skipped elsewhere). Phone commands are stubs that print what the
simulator renders for the profile; ``timeout`` and ``grep`` are the host's, so quoting, pipes, ``2>&1``
and ``$?`` are all handled by mksh itself.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_files import FIXTURES

from droidcheck.collect.batch import BatchItem, Framing, build_script, split_output
from droidcheck.collect.collector import items_for
from droidcheck.collect.packages import packages_to_inspect
from droidcheck.collect.plan import phase_probes
from droidcheck.sim.commands import run_command
from droidcheck.sim.profile import builtin_profiles
from droidcheck.sim.shell import run_script
from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta

MKSH = shutil.which("mksh")
if MKSH is None and os.environ.get("DROIDCHECK_REQUIRE_MKSH") == "1":  # CI installs it: never skip there
    raise RuntimeError("DROIDCHECK_REQUIRE_MKSH=1 but mksh is not installed (apt-get install mksh)")
pytestmark = pytest.mark.skipif(MKSH is None, reason="mksh is not installed (apt-get install mksh)")

#: Phone commands the plan runs (``timeout`` and ``grep`` come from the host).
PHONE_COMMANDS = ("getprop", "settings", "cmd", "dumpsys", "pm", "am", "date", "cat", "nproc")

STUB = """#!{python}
import os, sys
sys.path.insert(0, {root!r})
from droidcheck.sim.commands import run_command
from droidcheck.sim.profile import find_profile
if os.path.basename(sys.argv[0]) == "cat" and not any(a.startswith("/proc/") for a in sys.argv[1:]):
    os.execv("/bin/cat", ["cat", *sys.argv[1:]])  # the script's own files: the host's cat
out = run_command(find_profile(os.environ["DC_PROFILE"]), [os.path.basename(sys.argv[0]), *sys.argv[1:]])
sys.stdout.write(out.stdout); sys.stderr.write(out.stderr); sys.exit(out.rc)
"""


@pytest.fixture(scope="module")
def stub_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    bin_dir = tmp_path_factory.mktemp("phone-bin")
    root = str(Path(__file__).resolve().parents[1])
    for name in PHONE_COMMANDS:
        path = bin_dir / name
        path.write_text(STUB.format(python=sys.executable, root=root), encoding="utf-8")
        path.chmod(0o755)
    return bin_dir


def _under_mksh(script: str, profile: str, stub_bin: Path) -> str:
    env = {**os.environ, "DC_PROFILE": profile, "PATH": f"{stub_bin}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([MKSH, "-c", script], capture_output=True, text=True, env=env, timeout=120).stdout


def _under_simulator(script: str, profile) -> str:
    out: list[bytes] = []

    async def runner(argv: list[str]):
        return run_command(profile, argv)

    async def emit(_fd: int, data: bytes) -> None:
        out.append(data)

    asyncio.run(run_script(script, runner, emit))
    return b"".join(out).decode()


@pytest.mark.parametrize("profile", [p for p in builtin_profiles() if p.sdk in (26, 28, 30, 34)],
                         ids=lambda p: p.name)
def test_batch_script_reads_the_same_under_mksh(profile, stub_bin: Path) -> None:
    snap = Snapshot(SnapshotMeta(source="simulator"))
    for phase in (1, 2):
        packages = packages_to_inspect(snap) if phase == 2 else []
        items = items_for(phase_probes(phase), packages)
        framing = Framing()
        script = build_script(items, framing)
        probes = [i.probe for i in items]
        real_split = split_output(_under_mksh(script, profile.name, stub_bin), framing, probes)
        ours_split = split_output(_under_simulator(script, profile), framing, probes)
        assert real_split.problems == ours_split.problems == []
        real, ours = real_split.sections, ours_split.sections
        assert set(real) == set(ours) == set(probes)
        for probe, section in real.items():
            if probe in ("date", "uptime"):  # the clock and the host's /proc/uptime differ by nature
                continue
            assert (section.stdout, section.exit_code) == (ours[probe].stdout, ours[probe].exit_code), probe
            snap.add(CommandOutput(probe, "", section.stdout, section.exit_code))


@pytest.mark.parametrize("sdk", [28, 34])
def test_watch_poll_script_reads_the_same_under_mksh(sdk: int, stub_bin: Path) -> None:
    """The watch's quoting (``grep -E '…|…'``, ``--where 'date>MS'``) as mksh parses it."""
    from droidcheck.watch import sources

    profile = next(p for p in builtin_profiles() if p.sdk == sdk)
    for name in ("logcat", "content"):
        target = stub_bin / name
        if not target.exists():
            shutil.copy(stub_bin / "dumpsys", target)
    ids = [s.id for s in sources.SOURCES if sources.observable(s.id, sdk) is None]
    framing = Framing()
    script = sources.build_script(ids, 1_760_000_000.0, framing)
    real_split = sources.split_sections(_under_mksh(script, profile.name, stub_bin), framing, ["clock", *ids])
    ours_split = sources.split_sections(_under_simulator(script, profile), framing, ["clock", *ids])
    assert real_split.problems == ours_split.problems == [] and not real_split.unread and not ours_split.unread
    real, ours = real_split.text, ours_split.text
    assert set(real) == set(ours) and set(ids) <= set(real)
    for sid in ids:  # the renderers stamp history with the time of the call: compare the rest
        assert _untimed(real[sid]) == _untimed(ours[sid]), sid


def _untimed(text: str) -> str:
    import re

    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}|\b\d{10}\.\d{3}\b", "T", text)


def test_forged_markers_stay_in_their_section_under_mksh(stub_bin: Path) -> None:
    """The hostile profile's names (old-style markers, guessed nonces) printed by real mksh: every section
    is exactly the command's output and the framing sees nothing wrong."""
    from droidcheck.sim.profile import find_profile

    hostile = FIXTURES / "profiles" / "hostile-forged-markers.yaml"
    profile = find_profile(str(hostile))
    items = items_for(phase_probes(1), [])
    framing = Framing()
    script = build_script(items, framing)
    probes = [i.probe for i in items]
    real = split_output(_under_mksh(script, str(hostile), stub_bin), framing, probes)
    ours = split_output(_under_simulator(script, profile), framing, probes)
    assert real.problems == ours.problems == []
    for name in ("settings_global", "settings_secure"):
        assert real.sections[name].stdout == ours.sections[name].stdout == profile.raw[f"settings list {name[9:]}"]
        assert real.sections[name].usable and ours.sections[name].usable


def test_output_without_final_newline_and_odd_bytes_under_mksh(stub_bin: Path) -> None:
    framing = Framing()
    script = "\n".join(framing.wrap("a", "printf 'no newline'") + framing.wrap("b", "printf 'x\\r\\ny\\0z'")
                       + framing.wrap("c", "printf ''; false")
                       + ["(exit 3); rc_d=$?", framing.begin("d"), "echo later", framing.end("d", "$rc_d")]) + "\n"
    env = {**os.environ, "PATH": f"{stub_bin}{os.pathsep}{os.environ['PATH']}"}
    reply = subprocess.run([MKSH, "-c", script], capture_output=True, env=env, timeout=60).stdout
    split = split_output(reply, framing, ["a", "b", "c", "d"])
    assert split.problems == []
    got = {k: (s.stdout, s.exit_code) for k, s in split.sections.items()}
    assert got == {"a": ("no newline", 0), "b": ("x\r\ny\x00z", 0), "c": ("", 1), "d": ("later\n", 3)}


# ------------------------------------------------------------------ the one-round-trip (parallel) script

def _parallel_script(framing: Framing, tmp_base: str, **kw) -> tuple[str, list[str], list[str]]:
    from droidcheck.collect.parallel import SETUP, build_parallel_script, per_app_prefixes

    items = items_for(phase_probes(1), [])
    script = build_parallel_script(items, phase_probes(2), framing, tmp_base=tmp_base, **kw)
    return script, [*(i.probe for i in items), SETUP], per_app_prefixes(phase_probes(2))


def _split(reply: str | bytes, framing: Framing, probes: list[str], families: list[str]):
    parser = framing.parser(probes, families=families)
    parser.feed(reply.encode() if isinstance(reply, str) else reply)
    parser.close()
    return parser


@pytest.mark.parametrize("profile", [p for p in builtin_profiles() if p.sdk in (26, 28, 30, 31, 34)],
                         ids=lambda p: p.name)
def test_parallel_script_reads_the_same_under_mksh(profile, stub_bin: Path, tmp_path: Path) -> None:
    """Background jobs, ``wait $pid``, ``$(…)``, ``if``, files, ``mktemp -d``, ``trap`` as real mksh runs
    them: the same sections (per-app ones included: the phone's choice of apps) as the simulator's shell,
    the same apps as the host's ``packages_to_inspect``, and nothing left in the temporary directory."""
    from droidcheck.sim.shell import SimFs

    framing = Framing()
    script, probes, families = _parallel_script(framing, str(tmp_path))
    real = _split(_under_mksh(script, profile.name, stub_bin), framing, probes, families)
    fs = SimFs()
    ours_text = _under_simulator_fs(script.replace(str(tmp_path), "/data/local/tmp"), profile, fs)
    ours = _split(ours_text, framing, probes, families)
    assert real.problems == ours.problems == []
    assert set(real.sections) == set(ours.sections)
    for probe, section in real.sections.items():
        assert section.usable, probe
        if probe in ("date", "uptime"):
            continue
        theirs = ours.sections[probe]
        assert (section.stdout, section.exit_code) == (theirs.stdout, theirs.exit_code), probe
    snap = Snapshot(SnapshotMeta(source="simulator"))
    for probe, section in real.sections.items():
        snap.add(CommandOutput(probe, "", section.stdout, section.exit_code))
    # Every probe of an app runs only for the apps the phone chose, but Amazon Shopping's `dumpsys package`
    # and `dumpsys notification`, which start before the phone knows whether it is installed.
    chosen = sorted({p.split(":", 1)[1] for p in real.sections if p.startswith("appops:")})
    assert chosen == sorted(packages_to_inspect(snap)) and chosen
    assert {"package:com.amazon.mShop.android.shopping", "notification:com.amazon.mShop.android.shopping"} <= set(
        real.sections)
    assert ("dumpsys_role" in real.sections) == (profile.sdk < 31)  # only where `cmd role` cannot answer
    assert list(tmp_path.iterdir()) == [] and fs.leftovers() == []


def _under_simulator_fs(script: str, profile, fs) -> str:
    out: list[bytes] = []

    async def runner(argv: list[str]):
        return run_command(profile, argv)

    async def emit(_fd: int, data: bytes) -> None:
        out.append(data)

    asyncio.run(run_script(script, runner, emit, fs=fs))
    return b"".join(out).decode()


def _phone_with(tmp_path: Path, stub_bin: Path, name: str, body: str) -> tuple[dict[str, str], Path]:
    """(environment, the phone's /data/local/tmp) for mksh with the phone command ``name`` replaced by a
    ``sh`` script ``body`` (the other commands stay ``stub_bin``'s)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    (bin_dir / name).chmod(0o755)
    base = tmp_path / "phone-tmp"
    base.mkdir()
    env = {**os.environ, "DC_PROFILE": "pixel8-a14-healthy",
           "PATH": f"{bin_dir}{os.pathsep}{stub_bin}{os.pathsep}{os.environ['PATH']}"}
    return env, base


def test_parallel_script_cuts_a_hung_command_and_cleans_up_under_mksh(stub_bin: Path, tmp_path: Path) -> None:
    """A command that never ends is stopped by its ``timeout`` (124) while the others finish, and the
    directory is removed."""
    env, base = _phone_with(tmp_path, stub_bin, "getprop", "exec sleep 60")
    framing = Framing()
    items = [BatchItem(i.probe, i.command, 0.5 if i.probe == "getprop" else i.timeout_s)
             for i in items_for(phase_probes(1), [])]
    from droidcheck.collect.parallel import SETUP, build_parallel_script, per_app_prefixes

    script = build_parallel_script(items, phase_probes(2), framing, tmp_base=str(base))
    reply = subprocess.run([MKSH, "-c", script], capture_output=True, env=env, timeout=60).stdout
    parser = _split(reply, framing, [*(i.probe for i in items), SETUP], per_app_prefixes(phase_probes(2)))
    assert parser.problems == []
    assert parser.sections["getprop"].exit_code == 124
    assert all(s.exit_code == 0 for p, s in parser.sections.items() if p != "getprop")
    assert "package:com.amazon.mShop.android.shopping" in parser.sections
    assert list(base.iterdir()) == []


def test_parallel_script_killed_mid_read_leaves_nothing_under_mksh(stub_bin: Path, tmp_path: Path) -> None:
    """The host goes away mid-read (adbd hangs up the session: SIGHUP to the shell's process group): the
    HUP trap exits through the EXIT trap, which removes the directory, while jobs are still running."""
    import signal
    import time

    env, base = _phone_with(tmp_path, stub_bin, "dumpsys", "exec sleep 30")
    script, _, _ = _parallel_script(Framing(), str(base))
    proc = subprocess.Popen([MKSH, "-c", script], stdout=subprocess.PIPE, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not any(base.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        made = list(base.iterdir())
        assert made, "the script made no directory"
        while not any(made[0].iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGHUP)
        proc.wait(20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    assert list(base.iterdir()) == []


@pytest.mark.skipif(shutil.which("dash") is None, reason="dash is not installed")
def test_parallel_script_under_a_shell_without_co_processes_says_so_and_cleans_up(stub_bin: Path,
                                                                                  tmp_path: Path) -> None:
    """A phone whose ``sh`` is not mksh (a POSIX shell without ``|&``): the script reads the clock, says why
    it stops in its setup frame (the host then reads the phone the sequential way) and leaves nothing."""
    from droidcheck.collect.parallel import SETUP

    framing = Framing()
    script, probes, families = _parallel_script(framing, str(tmp_path))
    env = {**os.environ, "DC_PROFILE": "pixel8-a14-healthy", "PATH": f"{stub_bin}{os.pathsep}{os.environ['PATH']}"}
    env.pop("KSH_VERSION", None)
    reply = subprocess.run([shutil.which("dash"), "-c", script], capture_output=True, env=env, timeout=60)
    parser = _split(reply.stdout, framing, probes, families)
    assert parser.problems == []
    assert set(parser.sections) == {"date", SETUP}
    assert "not mksh" in parser.sections[SETUP].stdout
    assert list(tmp_path.iterdir()) == []


def test_parallel_script_chooses_amazon_from_the_app_lists_when_its_dump_fails_under_mksh(stub_bin: Path,
                                                                                          tmp_path: Path) -> None:
    """Amazon Shopping's `dumpsys package` starts before the phone knows it is installed and tells it; when
    that dump fails (here: cut by its limit), the phone falls back to the `pm list packages` lines, as the
    host judges, so the app's other probes still run in the one round trip."""
    amazon = "com.amazon.mShop.android.shopping"
    env, base = _phone_with(tmp_path, stub_bin, "dumpsys",
                            f'if [ "$1 $2" = "package {amazon}" ]; then exec sleep 60; fi\n'
                            f'exec {stub_bin / "dumpsys"} "$@"')
    from droidcheck.collect import plan
    from droidcheck.collect.parallel import SETUP, build_parallel_script, per_app_prefixes

    app_probes = [plan.Probe(p.id, p.command, p.purpose, 0.5 if p.id == "package" else p.timeout_s, p.phase,
                             p.per_package) for p in phase_probes(2)]
    items = items_for(phase_probes(1), [])
    framing = Framing()
    script = build_parallel_script(items, app_probes, framing, tmp_base=str(base))
    reply = subprocess.run([MKSH, "-c", script], capture_output=True, env=env, timeout=60).stdout
    parser = _split(reply, framing, [*(i.probe for i in items), SETUP], per_app_prefixes(app_probes))
    assert parser.problems == []
    assert parser.sections[f"package:{amazon}"].exit_code == 124
    assert {f"appops:{amazon}", f"standby:{amazon}"} <= set(parser.sections)
    assert list(base.iterdir()) == []
