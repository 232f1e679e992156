"""The runner's machinery without the real Lean: a fake toolchain (the probe as `lean`), a fake
lean.js with the same pre-start hooks under the real Node, the machine-wide slots, the config.
All of it runs through the real bubblewrap sandbox."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from judge import provisioning
from judge import slots as slots_module
from judge.config import ConfigError, load_config
from judge.lean_runner import (
    LeanJob,
    MachineSlots,
    NativeLeanRunner,
    OfflineLeanRunner,
    RunResult,
    RunStats,
    SessionError,
    SlotReentered,
    SlotTimeout,
)
from judge.sandbox import Limits

FAKE_LEAN_JS = r"""
var Module=globalThis.arenaPrestart&&require("worker_threads").isMainThread?globalThis.arenaPrestart.module:undefined;
var Module=typeof Module!="undefined"?Module:{};
const fs=require("fs");
function callMain(args){
  console.log("[DEBUG:A] fake lean entered");
  let input="";
  if(args[0]==="--stdin") input=fs.readFileSync(0,"utf8");
  if(args[0]==="--exit")process.exit(Number(args[1]));
  if(args[0]==="--spin"){const end=Date.now()+Number(args[1])*1000;while(Date.now()<end){}}
  const files=fs.readdirSync(".").sort();
  console.log(JSON.stringify({severity:"information",data:args.join(" "),files:files,stdin:input}));
  process.exit(0);
}
if(globalThis.arenaPrestart){globalThis.arenaPrestart.callMain=callMain}
setTimeout(()=>{if(Module.onRuntimeInitialized)Module.onRuntimeInitialized();if(!Module.noInitialRun)callMain(process.argv.slice(2))},200);
"""

LIMITS = Limits(wall_seconds=10.0, memory_bytes=1 << 30, output_bytes=64 << 10, processes=64)


@pytest.fixture
def config(tmp_path):
    return dataclasses.replace(
        load_config({}),
        slot_dir=tmp_path / "slots",
        offline_limits=LIMITS,
        native_limits=LIMITS,
        prestart_timeout_seconds=30.0,
    )


@pytest.fixture
def fake_native(sandbox, probe_dir, config):
    prefix = Path(tempfile.mkdtemp(prefix="arena-fake-lean-"))
    os.chmod(prefix, 0o755)
    (prefix / "bin").mkdir(mode=0o755)
    shutil.copy(probe_dir / "probe", prefix / "bin" / "lean")
    native = provisioning.NativeLean(
        binary=prefix / "bin" / "lean", prefix=prefix, version="Lean (version 4.28.0, fake)"
    )
    runner = NativeLeanRunner(config, native, sandbox=sandbox, stats=RunStats())
    yield runner
    runner.close()
    shutil.rmtree(prefix, ignore_errors=True)


@pytest.fixture
def fake_offline(sandbox, config):
    root = Path(tempfile.mkdtemp(prefix="arena-fake-wasm-"))
    os.chmod(root, 0o755)
    (root / "lean.js").write_text(FAKE_LEAN_JS)
    shutil.copy(provisioning.PRESTART_SOURCE, root / "prestart.js")
    (root / "lib").mkdir(mode=0o755)
    (root / "node").symlink_to(provisioning.node_binary().parent)
    for f in root.iterdir():
        if f.is_file():
            os.chmod(f, 0o644)
    runners = []

    def make(pool_size: int) -> OfflineLeanRunner:
        runner = OfflineLeanRunner(
            dataclasses.replace(config, pool_size=pool_size),
            provisioning.OfflineLean(root=root),
            sandbox=sandbox,
            stats=RunStats(),
        )
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.close()
    shutil.rmtree(root, ignore_errors=True)


def wait_ready(runner: OfflineLeanRunner, count: int = 1) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = runner.pool_status()
        if sum(1 for s in status if s["ready"] and s["alive"]) >= count:
            return
        time.sleep(0.05)
    pytest.fail(f"the pool never became ready: {runner.pool_status()}")


# --- RunResult


def test_lean_messages_are_the_json_lines_of_stdout():
    stdout = '[DEBUG:A] x\n{"severity": "error", "data": "boom"}\n{not json\n[1, 2]\n{"severity": "warning"}\n'
    result = RunResult(
        stdout=stdout, stderr="", exit_code=0, signal=None, wall_seconds=1.0, peak_memory_kb=0, limit_hit=None
    )
    assert result.lean_messages == [{"severity": "error", "data": "boom"}, {"severity": "warning"}]


# --- the native runner (the probe stands in for `lean`)


def test_native_runner_runs_lean_in_the_scratch_dir(fake_native):
    result = fake_native.run(LeanJob(args=("hello", "echo"), stdin=b"ping"))
    assert result.stdout == "hello uid=65534 gid=65534 cwd=/tmp/job\nping"
    assert result.limit_hit is None and result.exit_code == 0
    assert fake_native.stats.jobs == 1


def test_native_runner_forbids_process_creation(fake_native):
    result = fake_native.run(LeanJob(args=("fork",)))
    assert result.limit_hit == "processes"


def test_native_runner_collects_files(fake_native):
    job = LeanJob(args=("write", "Sol.olean"), files={"Sol.lean": b"-- job"}, collect=("Sol.olean", "Sol.lean", "nope"))
    result = fake_native.run(job)
    assert result.files == {"Sol.olean": b"x", "Sol.lean": b"-- job"}


def test_collected_files_are_capped(fake_native):
    limits = dataclasses.replace(LIMITS, output_bytes=1000)
    job = LeanJob(args=("hello",), static_files={"big": b"y" * 5000}, collect=("big",), limits=limits)
    result = fake_native.run(job)
    assert result.files["big"] == b"y" * 1000
    assert result.limit_hit == "output"


def test_session_answers_requests_and_skips_chatter(fake_native):
    with fake_native.open_session(("serve",), {"Checker.lean": b"-- ours"}, LIMITS) as session:
        assert session.request(b"first") == b"first"
        assert session.request(b'{"n": 2}\n') == b'{"n": 2}'
        assert session.alive
    assert not session.alive
    assert fake_native.stats.requests == 2


def test_session_that_hangs_is_killed(fake_native):
    session = fake_native.open_session(("serve",), {}, LIMITS)
    with pytest.raises(SessionError, match="timed out"):
        session.request(b"hang", timeout=1.0)
    assert not session.alive
    with pytest.raises(SessionError):
        session.request(b"again")


def test_session_that_dies_reports_it(fake_native):
    session = fake_native.open_session(("serve",), {}, LIMITS)
    with pytest.raises(SessionError, match="ended"):
        session.request(b"die", timeout=5.0)
    assert not session.alive


def test_session_waits_for_a_marker_without_writing(fake_native):
    with fake_native.open_session(("hello",), {}, LIMITS) as session:
        assert session.wait_for_line(b"hello uid=", timeout=5.0) == b"65534 gid=65534 cwd=/tmp/job"


# --- the offline runner's pre-started pool (a fake lean.js with the same hooks, real Node)


def test_cold_offline_run(fake_offline):
    runner = fake_offline(pool_size=0)
    result = runner.run(LeanJob(args=("--json", "A.lean"), files={"A.lean": b"x"}))
    assert not result.prestarted
    assert result.lean_messages[0]["data"] == "--json A.lean"
    assert result.lean_messages[0]["files"] == ["A.lean"]


def test_generic_prestarted_process_serves_a_job(fake_offline):
    runner = fake_offline(pool_size=1)
    runner.prestart()
    wait_ready(runner)
    job = LeanJob(args=("--stdin", "A.lean"), files={"A.lean": b"x"}, static_files={"S.lean": b"s"}, stdin=b"data")
    result = runner.run(job)
    assert result.prestarted
    [message] = result.lean_messages
    assert message["data"] == "--stdin A.lean"
    assert message["files"] == ["A.lean", "S.lean"]
    assert message["stdin"] == "data"
    assert "fake lean entered" in result.stdout
    assert "ARENA-PRESTART-READY" not in result.stderr
    # The pool was replenished while the job ran: the next job is pre-started too.
    wait_ready(runner)
    assert runner.run(job).prestarted


def test_early_start_process_runs_the_program_before_dispatch(fake_offline):
    runner = fake_offline(pool_size=1)
    job = LeanJob(
        args=("--stdin", "Export.lean"),
        static_files={"Export.lean": b"ours"},
        files={"Sol.lean": b"theirs"},
        stdin=b"go",
        early_start=True,
    )
    first = runner.run(job)  # nothing pre-started yet: a cold run, and the pool fills with this key
    assert not first.prestarted
    wait_ready(runner)
    assert runner.pool_status()[0]["key"] == "early"
    second = runner.run(job)
    assert second.prestarted
    assert second.lean_messages == first.lean_messages
    assert second.lean_messages[0]["files"] == ["Export.lean", "Sol.lean"]


def test_wall_clock_of_a_prestarted_job_starts_at_dispatch(fake_offline):
    runner = fake_offline(pool_size=1)
    runner.prestart()
    wait_ready(runner)
    time.sleep(1.5)  # idle in the pool: not the job's time
    limits = dataclasses.replace(LIMITS, wall_seconds=1.0)
    result = runner.run(LeanJob(args=("--spin", "0.2"), limits=limits))
    assert result.prestarted and result.limit_hit is None
    assert result.wall_seconds < 1.0
    slow = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (slow is None or not slow.prestarted):
        wait_ready(runner)
        slow = runner.run(LeanJob(args=("--spin", "10"), limits=limits))
    assert slow.prestarted and slow.limit_hit == "wall"


def test_closing_the_runner_stops_the_pool(fake_offline):
    runner = fake_offline(pool_size=1)
    runner.prestart()
    wait_ready(runner)
    runner.close()
    assert runner.pool_status() == []


# --- the machine-wide semaphore


def test_slots_serialize_holders(tmp_path):
    slots = MachineSlots(tmp_path, 1)
    held = threading.Event()
    release = threading.Event()

    def holder():
        with slots.hold(5):
            held.set()
            release.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(5)
    with pytest.raises(SlotTimeout), slots.hold(0.2):
        pass
    release.set()
    t.join()
    with slots.hold(1) as index:
        assert index == 0


def test_an_interactive_job_takes_the_next_free_slot_before_a_batch_job_waiting_longer(tmp_path):
    slots = MachineSlots(tmp_path, 1)
    order: list[str] = []

    def waiter(name: str, interactive: bool) -> threading.Thread:
        def wait() -> None:
            with slots.hold(10, interactive=interactive):
                order.append(name)
                time.sleep(0.1)

        t = threading.Thread(target=wait)
        t.start()
        return t

    with slots.hold(1):
        batch = waiter("batch", False)
        time.sleep(0.3)  # the batch job has waited longer
        interactive = waiter("interactive", True)
        time.sleep(0.3)
    batch.join(10)
    interactive.join(10)
    assert order == ["interactive", "batch"]
    assert not list(tmp_path.glob("interactive-*"))  # no marker left behind


def test_interactive_jobs_first_only_up_to_their_cap(tmp_path, monkeypatch):
    """A stream of interactive jobs never starves a batch job: it leaves free slots to them for
    INTERACTIVE_FIRST_SECONDS of its wait at most."""
    monkeypatch.setattr(slots_module, "INTERACTIVE_FIRST_SECONDS", 0.5)
    slots = MachineSlots(tmp_path, 1)
    (tmp_path / f"interactive-{os.getpid()}-1.wait").touch()  # one waits, for ever (a live pid)
    started = time.monotonic()
    with slots.hold(5):
        waited = time.monotonic() - started
    assert 0.5 <= waited < 3
    (tmp_path / "interactive-999999999-1.wait").touch()  # a process that is gone: ignored, removed
    (tmp_path / f"interactive-{os.getpid()}-1.wait").unlink()
    started = time.monotonic()
    with slots.hold(5):
        assert time.monotonic() - started < 0.4
    assert not (tmp_path / "interactive-999999999-1.wait").exists()


def in_another_thread(hold) -> BaseException | None:
    """Enter and leave `hold()` in a new thread; what it raised, if anything."""
    raised: list[BaseException] = []

    def attempt():
        try:
            with hold():
                pass
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            raised.append(exc)

    t = threading.Thread(target=attempt)
    t.start()
    t.join(30)
    return raised[0] if raised else None


def test_a_thread_holding_a_slot_cannot_wait_for_another(tmp_path):
    slots = MachineSlots(tmp_path, 2)
    with slots.hold(1):
        started = time.monotonic()
        with pytest.raises(SlotReentered), slots.hold(30):
            pass
        assert time.monotonic() - started < 1  # refused at once, not after the wait
        assert in_another_thread(lambda: slots.hold(1)) is None  # the second slot was never taken
    with slots.hold(1):  # released on the refusal's path too
        pass


class SignallingSlots(MachineSlots):
    """Test double around the real slots: says when a thread starts asking for one."""

    def __init__(self, directory: Path, slots: int) -> None:
        super().__init__(directory, slots)
        self.asked = threading.Event()

    def hold(self, timeout: float, interactive: bool = False):
        self.asked.set()
        return super().hold(timeout, interactive)


def test_a_prestarted_process_dying_before_its_slot_leaves_no_slot_held(fake_offline, config):
    """The issue-20 deadlock: the pooled process died while its job waited for the machine slot;
    the cold run that replaced it asked for a slot inside the one it held, waited for itself,
    and every Lean user on the machine waited behind it. Now the job runs cold after releasing."""
    runner = fake_offline(pool_size=1)
    runner.config = dataclasses.replace(runner.config, slot_wait_seconds=20.0)
    runner.slots = SignallingSlots(runner.slots.directory, runner.slots.slots)
    runner.prestart()
    wait_ready(runner)
    [pooled] = runner.pool.items()
    release = threading.Event()

    def other_lean_user():
        with runner.slots.hold(5):
            release.wait(30)

    holder = threading.Thread(target=other_lean_user)
    holder.start()
    assert runner.slots.asked.wait(5)
    runner.slots.asked.clear()
    results: list = []
    job = threading.Thread(target=lambda: results.append(runner.run(LeanJob(args=("--json", "A.lean")))))
    job.start()
    assert runner.slots.asked.wait(10)  # the job took the pooled process and waits for the slot
    assert pooled not in runner.pool.items()
    pooled.proc.close()  # it dies meanwhile
    release.set()
    holder.join(10)
    job.join(30)
    assert not job.is_alive(), "the job still waits for a slot"
    assert results, "the job failed: it waited for a slot while holding one"
    [result] = results
    assert not result.prestarted and result.exit_code == 0
    assert result.lean_messages[0]["data"] == "--json A.lean"
    assert in_another_thread(lambda: runner.slots.hold(1)) is None  # nothing left held


def test_slots_are_shared_across_processes(tmp_path):
    code = (
        "import sys, time; from pathlib import Path; from judge.lean_runner import MachineSlots\n"
        "with MachineSlots(Path(sys.argv[1]), 2).hold(5):\n"
        "    print('held', flush=True); time.sleep(3)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    other = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, env=env)
    try:
        assert other.stdout.readline() == b"held\n"
        slots = MachineSlots(tmp_path, 2)
        with slots.hold(1) as index:  # the second slot is free
            assert index == 1
            assert isinstance(in_another_thread(lambda: slots.hold(0.3)), SlotTimeout)
    finally:
        other.kill()
        other.wait()
    with MachineSlots(tmp_path, 2).hold(1):  # a dead holder's lock is gone
        pass


# --- configuration


def test_config_defaults():
    config = load_config({})
    assert (config.lean, config.sandbox, config.pool_size, config.slots) == ("auto", "bubblewrap", 1, 1)
    assert config.offline_limits.memory_bytes >= 4 << 30  # the offline Lean needs ~3.6 GB
    assert config.native_limits.wall_seconds < config.offline_limits.wall_seconds


def test_config_from_environment():
    config = load_config(
        {
            "ARENA_LEAN": "offline",
            "ARENA_LEAN_POOL_SIZE": "0",
            "ARENA_LEAN_SLOTS": "2",
            "ARENA_OFFLINE_MEMORY_MB": "5000",
            "ARENA_OFFLINE_WALL_SECONDS": "30.5",
            "ARENA_NATIVE_PROCESSES": "16",
        }
    )
    assert config.lean == "offline" and config.pool_size == 0 and config.slots == 2
    assert config.offline_limits.memory_bytes == 5000 << 20
    assert config.offline_limits.wall_seconds == 30.5
    assert config.native_limits.processes == 16


@pytest.mark.parametrize(
    "env",
    [
        {"ARENA_LEAN": "wasm"},
        {"ARENA_SANDBOX": "vm"},
        {"ARENA_LEAN_SLOTS": "0"},
        {"ARENA_OFFLINE_MEMORY_MB": "lots"},
        {"ARENA_LEAN_PRELOAD_IMPORTS": "Mathlib --json"},
    ],
)
def test_config_rejects_bad_values(env):
    with pytest.raises(ConfigError):
        load_config(env)


def test_stats_of_fake_runs_stay_out_of_the_real_count(fake_native):
    from judge.lean_runner import STATS

    before = STATS.jobs
    fake_native.run(LeanJob(args=("hello",)))
    assert STATS.jobs == before
    assert fake_native.stats.jobs == 1


def test_alternating_kinds_of_job_all_find_a_prestarted_process(fake_offline):
    runner = fake_offline(pool_size=1)
    compile_job = LeanJob(args=("--json", "Sol.lean"), files={"Sol.lean": b"x"})
    export_job = LeanJob(
        args=("--stdin", "Export.lean"), static_files={"Export.lean": b"ours"}, stdin=b"go", early_start=True
    )
    runner.prestart()
    served = []
    for job in [compile_job, export_job, compile_job, export_job]:
        wait_ready(runner)
        served.append(runner.run(job).prestarted)
    assert served == [True, True, True, True]


def test_exit_codes_above_128_are_not_mistaken_for_signals(fake_offline):
    runner = fake_offline(pool_size=0)
    result = runner.run(LeanJob(args=("--exit", "144")))
    assert (result.exit_code, result.signal, result.limit_hit) == (144, None, None)


def test_out_of_memory_messages_map_to_the_memory_limit(fake_native):
    from judge.sandbox import SandboxResult

    def result(stderr: bytes, exit_code: int | None = 1):
        raw = SandboxResult(
            stdout=b"",
            stderr=stderr,
            exit_code=exit_code,
            signal=None,
            wall_seconds=1.0,
            peak_memory_kb=0,
            limit_hit=None,
        )
        return fake_native._result(raw, None, LeanJob(args=()), LIMITS, prestarted=False)

    assert result(b"INTERNAL PANIC: out of memory\n").limit_hit == "memory"
    assert result(b"Aborted(Cannot enlarge memory arrays)").limit_hit == "memory"
    assert result(b"RangeError: Maximum call stack size exceeded").limit_hit is None  # a crash, not memory
    assert result(b"out of memory", exit_code=0).limit_hit is None  # printed by a program that went on


def test_an_early_start_process_is_ready_only_once_its_program_says_so(fake_offline):
    """The exporter prints its marker once compiled and waiting: before that, a job taking the
    process would wait for the compile anyway, so the pool must not call it ready."""
    runner = fake_offline(pool_size=1)
    job = LeanJob(
        args=("--stdin", "Export.lean"),
        static_files={"Export.lean": b"ours"},
        stdin=b"go",
        early_start=True,
        ready_marker=b"NEVER-PRINTED\n",
    )
    runner.prestart(job)
    time.sleep(3)
    assert [s["ready"] for s in runner.pool_status()] == [False]


def test_closing_the_judges_stops_the_runner_and_the_next_are_new():
    from judge import lean_runner, pipeline

    runner, another = lean_runner.get_runner(), lean_runner.make_runner()
    judge, other = pipeline.judge_for(), pipeline.judge_for(another)
    pipeline.close_judges()
    assert lean_runner.current_runner() is None
    assert pipeline.judge_for() is not judge  # forgotten with its replay session
    assert lean_runner.current_runner() is not runner
    assert pipeline.judge_for(another) is not other
    pipeline.close_judges()
    another.close()


def test_preloaded_imports_go_on_the_command_line_only_for_problems_importing_exactly_them():
    from judge.pipeline import exporter_job

    assert load_config({"ARENA_LEAN_PRELOAD_IMPORTS": "Mathlib, Std"}).preload_imports == ("Mathlib", "Std")
    assert load_config({}).preload_imports == ()
    preload = ("Mathlib", "Std")
    assert exporter_job(b"", None, imports=["Std", "Mathlib"], preload=preload).args[2:] == ("Std", "Mathlib")
    assert exporter_job(b"", None, imports=["Mathlib"], preload=preload).args == ("--run", "Export.lean")
    assert exporter_job(b"", None, imports=[], preload=preload).args == ("--run", "Export.lean")
    assert exporter_job(b"", None, imports=["Std"]).args == ("--run", "Export.lean")


def test_native_runner_prestarts_only_early_start_jobs(fake_native):
    """Native Lean starts fast: nothing generic is pre-started, but a program of ours that runs up
    to its go line (the exporter, importing Mathlib first on a Mathlib judge) is."""
    runner = fake_native
    assert runner.pool_size == 1
    runner.run(LeanJob(args=("hello",)))
    assert runner.pool_status() == []
    job = LeanJob(
        args=("waitgo", "Sol.lean"),
        files={"Sol.lean": b"theirs"},
        stdin=b"go 1 2\n",
        early_start=True,
        ready_marker=b"ARENA-EXPORTER-WAITING\n",
    )
    first = runner.run(job)  # nothing pre-started yet: a cold run, and the pool fills with this key
    assert not first.prestarted and first.stdout == "go 1 2\n|theirs"
    deadline = time.monotonic() + 30
    while not any(s["ready"] and s["alive"] for s in runner.pool_status()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runner.pool_status()[0]["key"] == "early"
    second = runner.run(dataclasses.replace(job, files={"Sol.lean": b"the next one"}))
    assert second.prestarted and second.stdout == "go 1 2\n|the next one"
