"""The one-round-trip reader's script: every probe of a read in one ``adb shell``, run side by side on the
phone, the per-app probes chosen by the phone itself, each printed as soon as it is done.

The script, for Android's ``adb shell`` (mksh, with toybox):

1. ``date`` alone first, framed and streamed as the sequential batch does, so the clock reading is not
   delayed by other work.
2. A private directory (``mktemp -d`` under ``/data/local/tmp``, which only the shell user can write),
   removed by an ``EXIT`` trap, and a *notice pipe*: mksh's co-process ``cat |&``, whose two ends the
   shell keeps as fds 3 (read) and 4 (write). Android's SELinux policy lets the shell user make files,
   directories and links in /data/local/tmp but not named pipes, and POSIX sh has no ``wait -n``; a
   co-process is the one pipe a shell can both write into (from its jobs) and read from. If any of this is
   missing (no ``mktemp``, a full /data/local/tmp, a shell that is not mksh) the script prints why in a
   ``parallel_setup`` frame and stops; the host then reads the phone the sequential way.
3. Every other probe runs as a background job ``{ timeout T cmd > "$d/N" 2>&1; echo "N STATUS ID" >&4; }``.
   The shell starts up to ``J`` jobs, then reads one notice from fd 3 (blocking until *some* job is done),
   prints that job's frame whole (BEGIN marker, ``cat`` of its file, END marker with its status) and
   starts the next job, so frames never interleave (the :class:`~droidcheck.collect.batch.Framing` grammar
   holds), each arrives as soon as its command is done, and a slow command holds up nothing but its own
   slot. ``J`` is one and a half commands per CPU core of the phone (``nproc``; 4 to 12; 6 when the phone
   does not say): a probe spends most of its time waiting for system_server, not computing, and twelve stay
   well under system_server's binder thread pool. The host may fix ``J`` instead (the benchmark does).
4. The per-app probes: the default SMS app is chosen on the phone with the logic of
   :func:`droidcheck.collect.packages.packages_to_inspect` on the same outputs (the holder printed by ``cmd
   role get-role-holders`` when it answered with one line, none when it answered with nothing, otherwise
   the ``sms_default_application`` line of ``settings list secure``); its probes start once those two are
   done. ``dumpsys role`` (only needed where ``cmd role`` cannot answer, Android 8 to 11) runs only when the
   role did not answer. Amazon Shopping's ``dumpsys package`` and ``dumpsys notification`` start at once,
   before the phone knows whether the app is installed: waiting for ``pm list packages`` (the slowest
   command) and then running them would make the read one ``dumpsys`` longer than its slowest command. Its
   other probes follow when its ``dumpsys package`` shows the package. The rarely installed India build is
   chosen from the ``pm list packages`` lines, as the host does. A name reaches a command line only if it
   is a whole line matching the Android package-name grammar (letters, digits, ``_``, dots).

The host stays the judge: it derives the apps from the outputs itself, keeps only the per-app outputs of
the apps it chose (so a speculative read of an app that is not installed is dropped), and reads in a second
round trip any app the phone did not choose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from droidcheck.collect.batch import TIMEOUT_EXIT, BatchItem, Framing
from droidcheck.collect.plan import AMAZON_PACKAGES, Probe

#: With no figure from the phone, this many commands at once (what a 4-core budget phone gets).
DEFAULT_JOBS = 6
MIN_JOBS = 4
MAX_JOBS = 12
#: What the host asks for: None lets the phone decide from its cores (the benchmark sets a number).
HOST_JOBS: int | None = None
#: The most the host may ask for (the benchmark's sweep); the phone-derived bound stays within MAX_JOBS.
HOST_MAX_JOBS = 16
TMP_BASE = "/data/local/tmp"
#: The Android package-name grammar, as ``droidcheck.parsers.role.is_package_name`` checks it (POSIX ERE).
PACKAGE_ERE = r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+"
#: Probes the phone's choice of apps reads (and the host's ``packages_to_inspect`` reads).
SMS_INPUTS = ("role_sms", "settings_secure")
AMAZON_INPUTS = ("packages_system", "packages_third_party")
#: Run only when the role did not answer (Android 8 to 11): the host reads it only then.
ROLE_FALLBACK = "dumpsys_role"
#: Rough relative cost of a command by its first word, for the order only (slow kinds start first):
#: ``pm`` starts a process, ``dumpsys`` dumps a service, ``settings``/``cmd``/``am`` are one binder call.
_WEIGHT = {"pm": 4, "dumpsys": 3, "settings": 2, "cmd": 2, "am": 2, "getprop": 1}
#: Per-app probes of Amazon Shopping started before the phone knows whether it is installed.
SPECULATIVE = ("package", "notification")
#: The frame the script prints instead of running anything when it cannot set itself up.
SETUP = "parallel_setup"
#: Shell variable holding the default SMS app.
SMS_VAR = "sms"


@dataclass(frozen=True)
class Job:
    """One probe run as a background job.

    ``needs``: the choice it waits for (``sms``, ``amazon1``, ``amazon2``); ``cond``: a shell condition
    that must hold for it to run (otherwise the script notes it as skipped); ``var``: the shell variable
    the probe id ends with (the SMS app's probes are ``package:$sms``)."""

    index: int
    probe: str  # the probe id, or a prefix ("package:") when the package is in ``var``
    command: str
    timeout_s: float
    needs: str | None = None
    cond: str | None = None
    var: str | None = None


def _secs(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else f"{t:.1f}"


def _weight(command: str) -> int:
    return _WEIGHT.get(command.split(" ", 1)[0], 0)


def _ere(text: str) -> str:
    return "".join("\\" + c if c in ".[]()*+?{}|^$\\" else c for c in text)


def per_app_prefixes(app_probes: list[Probe]) -> list[str]:
    return [f"{p.id}:" for p in app_probes]


def _jobs(items: list[BatchItem], app_probes: list[Probe], sms_at: int) -> list[Job]:
    """Every job in the order they start: the inputs of the choices and Amazon's speculative probes, the
    other whole-phone probes slowest first, with the SMS app's probes (and ``dumpsys role``) at place
    ``sms_at`` (as soon as the first slot frees: their inputs are the quickest of the first jobs), then
    Amazon's other probes, the rare India build last."""
    by_id = {i.probe: i for i in items}
    main, india = AMAZON_PACKAGES[0], AMAZON_PACKAGES[1:]
    speculative = [p for p in app_probes if p.id in SPECULATIVE]
    Spec = tuple[str, str, float, str | None, str | None, str | None]  # Job's fields after its index
    first: list[Spec] = [(pid, by_id[pid].command, by_id[pid].timeout_s, None, None, None)
                         for pid in (*SMS_INPUTS, *AMAZON_INPUTS)]
    first += [(p.probe_id(main), p.render(main), p.timeout_s, None, None, None) for p in speculative]
    skip = {"date", ROLE_FALLBACK, *SMS_INPUTS, *AMAZON_INPUTS}
    first += [(i.probe, i.command, i.timeout_s, None, None, None)
              for i in sorted((i for i in items if i.probe not in skip), key=lambda i: -_weight(i.command))]
    sms: list[Spec] = []
    for p in app_probes:  # the SMS app's own (not a second read of Amazon's speculative ones)
        cond = f'[ -n "${SMS_VAR}" ]' + (f' && [ "${SMS_VAR}" != {main} ]' if p in speculative else "")
        sms.append((f"{p.id}:", p.command.format(package=f'"${SMS_VAR}"'), p.timeout_s, "sms", cond, SMS_VAR))
    if ROLE_FALLBACK in by_id:
        fallback = by_id[ROLE_FALLBACK]
        sms.append((ROLE_FALLBACK, fallback.command, fallback.timeout_s, "sms", '[ -z "$roleok" ]', None))
    later: list[Spec] = [(p.probe_id(main), p.render(main), p.timeout_s, "amazon1", '[ -n "$amazon1" ]', None)
                         for p in app_probes if p not in speculative]
    for k, pkg in enumerate(india, 2):
        later += [(p.probe_id(pkg), p.render(pkg), p.timeout_s, f"amazon{k}", f'[ -n "$amazon{k}" ]', None)
                  for p in app_probes]
    order = first[:sms_at] + sms + first[sms_at:] + later
    return [Job(n, *spec) for n, spec in enumerate(order, 1)]


def _notice_id(job: Job) -> str:
    return f"{job.probe}${job.var}" if job.var else job.probe


def _start(job: Job, device_timeout: bool) -> str:
    """Start ``job`` in the background; its last act is its notice ``N STATUS ID`` on fd 4."""
    n = job.index
    stages = job.command.split(" | ", 1)
    limit = f"timeout {_secs(job.timeout_s)} " if device_timeout else ""
    if len(stages) == 1:
        run = f'{limit}{stages[0]} > "$d/{n}" 2>&1; r=$?'
    else:
        # A pipeline's status is its filter's: keep the command's own 124 when `timeout` stopped it.
        run = (f'{{ {limit}{stages[0]} 2>&1; echo "$?" > "$d/{n}.rc"; }} | {stages[1]} > "$d/{n}" 2>&1; r=$?; '
               f'if [ "$(cat "$d/{n}.rc")" = {TIMEOUT_EXIT} ]; then r={TIMEOUT_EXIT}; fi')
    line = f'{{ {run}; echo "{n} $r {_notice_id(job)}" >&4; exit $r; }} & p{n}=$!'
    if job.cond is None:
        return line
    return f'if {job.cond}; then {line}; else echo "{n} - -" >&4; fi'


#: The shell function that waits for any job's notice and prints its frame (a skipped job prints nothing).
COLLECT = "c"


def _collect(framing: Framing) -> str:
    """The definition of :data:`COLLECT` (defined once: the script calls it once per job)."""
    return (f'{COLLECT}() {{ if read -r n r id <&3 && [ "$r" != - ]; then {framing.begin_any("id", mark="m")}; '
            f'cat "$d/$n"; {framing.end_any("id", "$r", mark="m")}; fi; }}')


def _choice(name: str, jobs: list[Job], waited: set[int]) -> list[str]:
    """Shell lines that wait for the inputs of choice ``name`` and make it (``waited``: the jobs already
    waited for, whose status is in ``$rN``; a second ``wait`` for one would fail)."""
    at = {j.probe: j.index for j in jobs}

    def wait(*indices: int) -> str:
        todo = [n for n in indices if n not in waited]
        waited.update(todo)
        return "".join(f"wait $p{n}; r{n}=$?; " for n in todo)

    lists = " ".join(f'"$d/{at[p]}"' for p in AMAZON_INPUTS)
    if name == "sms":
        role, secure = at["role_sms"], at["settings_secure"]
        # The role answered (exit 0): no line is "no SMS app"; one line naming a package is the app;
        # anything else (several holders, odd text, no `cmd role`) falls back to the legacy setting, as the
        # host does, and `dumpsys role` runs.
        return [
            f"{wait(role, secure)}{SMS_VAR}=; roleok=",
            f'n=$(grep -c . "$d/{role}")',
            f'if [ "$r{role}" = 0 ] && [ "$n" = 0 ]; then roleok=1; '
            f'elif [ "$r{role}" = 0 ] && [ "$n" = 1 ] && grep -qxE \'{PACKAGE_ERE}\' "$d/{role}"; then '
            f'roleok=1; {SMS_VAR}=$(grep -xE \'{PACKAGE_ERE}\' "$d/{role}"); '
            f"else {SMS_VAR}=$(grep -xE 'sms_default_application={PACKAGE_ERE}' \"$d/{secure}\" | head -n 1 "
            f"| grep -oE '{PACKAGE_ERE}$'); fi",
        ]
    k = int(name.removeprefix("amazon"))
    pkg = AMAZON_PACKAGES[k - 1]
    # The app lists' jobs may have been waited for already, or not (a choice made in a branch): a second
    # `wait` fails (127, said on stderr), harmlessly since only their files are read.
    done = "".join(f"wait $p{at[p]} 2>/dev/null; " for p in AMAZON_INPUTS)
    listed = f"{done}if grep -qxF 'package:{pkg}' {lists}; then {name}=1; fi"
    if k == 1:  # from its own `dumpsys package`, started at once (see the module docstring); if that
        # failed, from the app lists, as the host judges
        dump = at[f"package:{pkg}"]
        test = (f"{wait(dump)}if [ \"$r{dump}\" = 0 ]; then if grep -qE "
                f"'^ *Package \\[{_ere(pkg)}\\] \\([0-9a-fA-F]+\\):$' \"$d/{dump}\"; then {name}=1; fi; "
                f"else {listed}; fi")
    else:
        test = listed
    return [f"{name}=", test, f'if [ "${SMS_VAR}" = {pkg} ]; then {name}=; fi']  # inspected once, as the SMS app


def _slots(jobs: int | None) -> tuple[int, int, list[str]]:
    """(fewest, most, shell lines setting ``$J``): the phone's core count decides unless ``jobs`` is set."""
    if jobs is not None:
        return jobs, jobs, [f"J={jobs}"]
    lines = ["cores=$(nproc 2>/dev/null | grep -xE '[0-9]{1,4}')", f"J={DEFAULT_JOBS}"]
    steps: list[tuple[int, int]] = []
    for cores in range(MAX_JOBS * 2 // 3, 0, -1):  # one and a half per core, MIN_JOBS to MAX_JOBS
        slots = max(MIN_JOBS, min(MAX_JOBS, cores * 3 // 2))
        if not steps or steps[-1][1] != slots:
            steps.append((cores, slots))
    tests = [f'[ "$cores" -ge {cores} ]; then J={slots}' for cores, slots in steps if slots > MIN_JOBS]
    lines.append('if [ -n "$cores" ]; then if ' + "; elif ".join(tests) + f"; else J={MIN_JOBS}; fi; fi")
    return MIN_JOBS, MAX_JOBS, lines


class ParallelScript(NamedTuple):
    text: str
    #: For each job (its probe id; ``PREFIX:`` for the SMS app's), how many job frames at least were
    #: printed before it started: the arrival of that many frames bounds its start from below, so the host
    #: knows how long a job ran at most (a frame arrives only when its job is done).
    frames_before: dict[str, int]


def build_parallel_script(items: list[BatchItem], app_probes: list[Probe], framing: Framing, *,
                          jobs: int | None = None, tmp_base: str = TMP_BASE, device_timeout: bool = True) -> str:
    """The whole read as one script (see the module docstring). ``items`` are the whole-phone probes
    (``date`` among them), ``app_probes`` the per-package ones; ``jobs`` fixes how many run at once."""
    return parallel_script(items, app_probes, framing, jobs=jobs, tmp_base=tmp_base,
                           device_timeout=device_timeout).text


def parallel_script(items: list[BatchItem], app_probes: list[Probe], framing: Framing, *,
                    jobs: int | None = None, tmp_base: str = TMP_BASE, device_timeout: bool = True) -> ParallelScript:
    """:func:`build_parallel_script` with the order of starts the host needs for timing."""
    if jobs is not None and not 1 <= jobs <= HOST_MAX_JOBS:
        raise ValueError(f"jobs must be between 1 and {HOST_MAX_JOBS}")
    if not tmp_base.startswith("/") or any(c in tmp_base for c in "'\"$`\\ \n"):
        raise ValueError("tmp_base must be a plain absolute path")
    by_id = {i.probe: i for i in items}
    missing = [p for p in (*SMS_INPUTS, *AMAZON_INPUTS, "date") if p not in by_id]
    if missing:
        raise ValueError(f"the parallel read needs the probes {missing}")
    date = by_id["date"]
    limit = f"timeout {_secs(date.timeout_s)} " if device_timeout else ""
    refuse = f'{{ {framing.begin(SETUP)}; echo "$why"; {framing.end(SETUP)}; exit 1; }}'
    lines = [*framing.wrap("date", f"{limit}{date.command} 2>&1"),
             f"if d=$(mktemp -d {tmp_base}/droidcheck.XXXXXXXXXX 2>&1); then :; else why=$d; {refuse}; fi",
             "trap 'rm -rf \"$d\"' EXIT",
             "trap 'exit 1' HUP INT PIPE TERM",
             # Not mksh (no co-process): stop before the shell would meet `|&` and fail to parse it.
             f'if [ -z "$KSH_VERSION" ]; then why="this shell has no co-processes (not mksh)"; {refuse}; fi',
             "cat |&",
             "exec 4>&p; exec 3<&p",
             framing.mark_assignment("m"),
             _collect(framing)]
    fewest, most, slot_lines = _slots(jobs)
    lines += slot_lines
    queue = _jobs(items, app_probes, sms_at=most)
    collect = COLLECT
    made: set[str] = set()
    waited: set[int] = set()
    frames_before: dict[str, int] = {}
    conditional = 0
    for k, job in enumerate(queue):
        if k >= most:
            lines.append(collect)
        elif k >= fewest:
            lines.append(f'if [ "$J" -le {k} ]; then {collect}; fi')
        frames_before[job.probe] = max(0, k - most + 1 - conditional)
        for name in (["sms"] if job.needs and job.needs.startswith("amazon") else []) + [job.needs or ""]:
            if name and name not in made:  # the Amazon choices skip the SMS app: it goes first
                made.add(name)
                lines += _choice(name, queue, waited)
        lines.append(_start(job, device_timeout))
        conditional += job.cond is not None
    for k in range(min(len(queue), most)):
        lines.append(collect if k < fewest else f'if [ "$J" -gt {k} ]; then {collect}; fi')
    lines += ["exec 3<&- 4>&-", "wait"]  # the co-process ends with its input; reap it
    return ParallelScript("\n".join(lines) + "\n", frames_before)
