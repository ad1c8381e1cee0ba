"""The one-round-trip reader's script: every probe of a read in one ``adb shell``, run side by side on the
phone, the per-app probes chosen by the phone itself.

The script, plain mksh/toybox (Android's ``adb shell``):

1. ``date`` alone first, framed and streamed as the sequential batch does, so the clock reading is not
   delayed by other work.
2. A private directory (``mktemp -d`` under ``/data/local/tmp``, which only the shell user can write),
   removed by an ``EXIT`` trap (if it cannot be made, the script prints why in a ``parallel_setup`` frame
   and stops; the host then reads the phone the sequential way); ``HUP``/``INT``/``PIPE``/``TERM`` (the
   host went away) exit through it.
3. Every other probe runs as a background job (``timeout T cmd > "$d/N" 2>&1 &``), at most ``jobs`` at
   once. The shell prints a finished job whole — BEGIN marker, ``cat`` of its file, END marker with the
   status from ``wait $pid`` — so frames never interleave (the :class:`~droidcheck.collect.batch.Framing`
   grammar holds) and each arrives as soon as it and the ones started before it are done. Jobs are
   printed in the order they started; a new job starts when one is printed. The order is chosen here:
   the commands the per-app choice needs first, then the slowest kinds first (``pm``, ``dumpsys``, …).
4. As soon as their inputs are printed the phone chooses the apps to inspect, with the logic of
   :func:`droidcheck.collect.packages.packages_to_inspect` on the same outputs: the default SMS app is
   the holder printed by ``cmd role get-role-holders`` when it answered (exit 0) with one line (none
   when it printed nothing), otherwise the ``sms_default_application`` line of ``settings list secure``;
   each Amazon Shopping package counts if a ``package:NAME`` line of ``pm list packages -s``/``-3``
   names it. A name is used only if it is a whole line matching the Android package-name grammar
   (letters, digits, ``_``, dots), so nothing else from the phone reaches a command line or a marker.
   The per-app probes of the chosen apps then join the queue, framed as ``package:NAME`` etc.

The host stays the judge: it derives the apps from the outputs itself, keeps only the per-app outputs of
the apps it chose, and reads in a second round trip any app the phone did not choose (odd output where
the two could differ, e.g. Android 10/11, where the host reads ``dumpsys role``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

from droidcheck.collect.batch import TIMEOUT_EXIT, BatchItem, Framing
from droidcheck.collect.plan import AMAZON_PACKAGES, Probe

#: How many commands run at once by default. Each probe is a binder call into system_server (``dumpsys``,
#: ``settings``, ``cmd``) or a short-lived Java process (``pm``); six keeps a 4-core budget phone usable
#: (and under system_server's 16 binder threads with room for the phone's own work) while a read takes
#: about the time of its longest chain of commands.
DEFAULT_JOBS = 6
MAX_JOBS = 16
TMP_BASE = "/data/local/tmp"
#: The Android package-name grammar, as ``droidcheck.parsers.role.is_package_name`` checks it (POSIX ERE).
PACKAGE_ERE = r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+"
#: Probes the phone's choice of apps reads (and the host's ``packages_to_inspect`` reads).
SMS_INPUTS = ("role_sms", "settings_secure")
AMAZON_INPUTS = ("packages_system", "packages_third_party")
#: Rough relative cost of a command by its first word, for the order only (slow kinds start first):
#: ``pm`` starts a process, ``dumpsys`` dumps a service, ``settings``/``cmd``/``am`` are one binder call.
_WEIGHT = {"pm": 4, "dumpsys": 3, "settings": 2, "cmd": 2, "am": 2, "getprop": 1}
#: The frame the script prints instead of running anything when it cannot make its directory.
SETUP = "parallel_setup"
#: Shell variables holding the chosen apps: the default SMS app, then one per Amazon package.
SMS_VAR = "sms"


@dataclass(frozen=True)
class Job:
    """One probe run as a background job. ``var``: it runs only if that shell variable is non-empty (an
    app the phone chose); ``package_word``: how the command line names the package."""

    index: int
    probe: str  # the probe id, or a prefix ("package:") when the package is in ``var``
    command: str
    timeout_s: float
    group: str | None = None  # "sms" | "amazon": waits for that choice
    var: str | None = None
    dynamic: bool = False  # the probe id ends with the value of ``var`` (the SMS app)


def _secs(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else f"{t:.1f}"


def _weight(command: str) -> int:
    return _WEIGHT.get(command.split(" ", 1)[0], 0)


def per_app_prefixes(app_probes: list[Probe]) -> list[str]:
    return [f"{p.id}:" for p in app_probes]


def _jobs(items: list[BatchItem], app_probes: list[Probe]) -> list[Job]:
    """Every job in the order they should start: those the choice of apps needs, the per-app ones, the
    rest by weight."""
    inputs = (*SMS_INPUTS, *AMAZON_INPUTS)  # the SMS choice is quicker: its apps can start sooner
    first = sorted((i for i in items if i.probe in inputs), key=lambda i: inputs.index(i.probe))
    rest = sorted((i for i in items if i not in first and i.probe != "date"), key=lambda i: -_weight(i.command))
    jobs = [Job(n, i.probe, i.command, i.timeout_s) for n, i in enumerate(first, 1)]
    apps: list[tuple[str, str | None]] = [(SMS_VAR, None)]
    apps += [(f"amazon{k}", pkg) for k, pkg in enumerate(AMAZON_PACKAGES, 1)]
    for var, pkg in apps:
        for p in app_probes:
            n = len(jobs) + 1
            if pkg is None:
                jobs.append(Job(n, f"{p.id}:", p.command.format(package=f'"${var}"'), p.timeout_s, "sms", var, True))
            else:
                jobs.append(Job(n, p.probe_id(pkg), p.render(pkg), p.timeout_s, "amazon", var))
    jobs += [Job(len(jobs) + k, i.probe, i.command, i.timeout_s) for k, i in enumerate(rest, 1)]
    # The second Amazon package (the India build) is rarely installed; its jobs are then no-ops that
    # still take a place in the queue, so they go last, where they delay nothing (measured: 0.58 → 0.52 s
    # on the costed Pixel 8 at 6 jobs; no change on a phone that has the India build).
    rare = [j for j in jobs if j.var == f"amazon{len(AMAZON_PACKAGES)}" and len(AMAZON_PACKAGES) > 1]
    return [j for j in jobs if j not in rare] + rare


def _start(job: Job, device_timeout: bool) -> str:
    stages = job.command.split(" | ", 1)
    limit = f"timeout {_secs(job.timeout_s)} " if device_timeout else ""
    out = f'> "$d/{job.index}" 2>&1'
    if len(stages) == 1:
        cmd = f"{limit}{stages[0]} {out}"
    else:
        # A pipeline's status is its filter's: keep the command's own (124 when `timeout` stopped it).
        cmd = f'{{ {limit}{stages[0]} 2>&1; echo "$?" > "$d/{job.index}.rc"; }} | {stages[1]} {out}'
    line = f"{cmd} & p{job.index}=$!"
    return line if job.var is None else f'if [ -n "${job.var}" ]; then {line}; fi'


def _print(job: Job, framing: Framing) -> str:
    n = job.index
    if job.dynamic:
        begin, end = framing.begin_var(job.probe, job.var or ""), framing.end_var(job.probe, job.var or "", f"$r{n}")
    else:
        begin, end = framing.begin(job.probe), framing.end(job.probe, f"$r{n}")
    status = f"wait $p{n}; r{n}=$?; "
    if " | " in job.command:  # a filtered command stopped by its limit reports 124, as it would alone
        status += f'if [ "$(cat "$d/{n}.rc")" = {TIMEOUT_EXIT} ]; then r{n}={TIMEOUT_EXIT}; fi; '
    body = f'{status}{begin}; cat "$d/{n}"; {end}'
    return body if job.var is None else f'if [ -n "${job.var}" ]; then {body}; fi'


def _choice(group: str, jobs: list[Job]) -> list[str]:
    """Shell lines that choose the apps of ``group`` from the printed outputs of its inputs."""
    at = {j.probe: j.index for j in jobs}
    if group == "sms":
        role, secure = at["role_sms"], at["settings_secure"]
        # The role answered (exit 0): no line is "no SMS app"; one line naming a package is the app;
        # anything else (several holders, odd text) falls back to the legacy setting, as the host does.
        return [
            f"{SMS_VAR}=",
            f'n=$(grep -c . "$d/{role}")',
            f'if [ "$r{role}" = 0 ] && [ "$n" = 0 ]; then :; '
            f'elif [ "$r{role}" = 0 ] && [ "$n" = 1 ] && grep -qxE \'{PACKAGE_ERE}\' "$d/{role}"; then '
            f'{SMS_VAR}=$(grep -xE \'{PACKAGE_ERE}\' "$d/{role}"); '
            f"else {SMS_VAR}=$(grep -xE 'sms_default_application={PACKAGE_ERE}' \"$d/{secure}\" | head -n 1 "
            f"| grep -oE '{PACKAGE_ERE}$'); fi",
        ]
    lists = f'"$d/{at["packages_system"]}" "$d/{at["packages_third_party"]}"'
    lines = []
    for k, pkg in enumerate(AMAZON_PACKAGES, 1):
        var = f"amazon{k}"
        lines += [f"{var}=", f"if grep -qxF 'package:{pkg}' {lists}; then {var}=1; fi",
                  f'if [ "${SMS_VAR}" = {pkg} ]; then {var}=; fi']  # inspected once, as the SMS app
    return lines


class ParallelScript(NamedTuple):
    text: str
    #: For each job (its probe id; ``PREFIX:`` for the SMS app's), the fixed-name probes whose frames the
    #: script prints before it starts the job. The latest of them to arrive bounds the job's start from
    #: below, so the host knows how long a job ran at most (a frame arrives only when its job is done).
    printed_before: dict[str, list[str]]


def build_parallel_script(items: list[BatchItem], app_probes: list[Probe], framing: Framing, *,
                          jobs: int = DEFAULT_JOBS, tmp_base: str = TMP_BASE, device_timeout: bool = True) -> str:
    """The whole read as one script (see the module docstring). ``items`` are the whole-phone probes
    (``date`` among them), ``app_probes`` the per-package ones."""
    return parallel_script(items, app_probes, framing, jobs=jobs, tmp_base=tmp_base,
                           device_timeout=device_timeout).text


def parallel_script(items: list[BatchItem], app_probes: list[Probe], framing: Framing, *,
                    jobs: int = DEFAULT_JOBS, tmp_base: str = TMP_BASE, device_timeout: bool = True) -> ParallelScript:
    """:func:`build_parallel_script` with the order of starts and prints the host needs for timing."""
    if not 1 <= jobs <= MAX_JOBS:
        raise ValueError(f"jobs must be between 1 and {MAX_JOBS}")
    if not tmp_base.startswith("/") or any(c in tmp_base for c in "'\"$`\\ \n"):
        raise ValueError("tmp_base must be a plain absolute path")
    by_id = {i.probe: i for i in items}
    missing = [p for p in (*SMS_INPUTS, *AMAZON_INPUTS, "date") if p not in by_id]
    if missing:
        raise ValueError(f"the parallel read needs the probes {missing}")
    lines: list[str] = []
    date = by_id["date"]
    limit = f"timeout {_secs(date.timeout_s)} " if device_timeout else ""
    lines += framing.wrap("date", f"{limit}{date.command} 2>&1")
    lines += [f"if d=$(mktemp -d {tmp_base}/droidcheck.XXXXXXXXXX 2>&1); then :; else "
              f'{framing.begin(SETUP)}; echo "$d"; {framing.end(SETUP)}; exit 1; fi',
              "trap 'rm -rf \"$d\"' EXIT",
              "trap 'exit 1' HUP INT PIPE TERM"]
    queue = _jobs(items, app_probes)
    inputs = {"amazon": set(AMAZON_INPUTS), "sms": set(SMS_INPUTS)}
    decided: set[str] = set()
    printed: set[str] = set()
    printed_order: list[Job] = []
    before: dict[str, list[str]] = {}
    started: deque[Job] = deque()
    pending = list(queue)
    while pending or started:
        while len(started) < jobs:
            ready = next((j for j in pending if j.group is None or j.group in decided), None)
            if ready is None:
                break
            pending.remove(ready)
            started.append(ready)
            lines.append(_start(ready, device_timeout))
            before[ready.probe] = [j.probe for j in printed_order if not j.dynamic]
        job = started.popleft()
        lines.append(_print(job, framing))
        printed.add(job.probe)
        printed_order.append(job)
        for group in ("sms", "amazon"):  # sms first: the Amazon choice skips the SMS app
            if group not in decided and inputs[group] <= printed and ("sms" in decided or group == "sms"):
                decided.add(group)
                lines += _choice(group, queue)
    return ParallelScript("\n".join(lines) + "\n", before)
