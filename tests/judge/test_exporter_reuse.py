"""An exporter process judges several submissions of one owner in a row, never another owner's,
and never after a job that did not end cleanly.

The runner's side runs through the real bubblewrap sandbox and the real Node, with a double of
the exporter program (`FAKE_EXPORTER_JS`, in the place of lean.js): it speaks the exporter's
protocol (ready marker on stderr, one go line per job, `Sol.lean` read afresh, an `["END", …]`
line) and names the process it runs in, so a test can see which process served which job. The
pipeline's side (which ends it vouches for) uses a double of the runner that records what the
pipeline does with each process.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from judge import lean_runner, pipeline, provisioning
from judge.config import load_config
from judge.export_auth import ExportKey, sign
from judge.lean_runner import LeanJob, OfflineLeanRunner, Outcome, RunResult, RunStats, SessionError
from judge.prestart_pool import PoolKey, Prestarted, PrestartPool
from judge.problem_format import load_problem_set
from judge.results import Verdict
from judge.sandbox import Limits

# The exporter double: one process, jobs in a loop, each answered with one JSON line naming the
# process, then the end line. What Sol.lean says is what the job does.
FAKE_EXPORTER_JS = r"""
var Module=globalThis.arenaPrestart&&require("worker_threads").isMainThread?globalThis.arenaPrestart.module:undefined;
var Module=typeof Module!="undefined"?Module:{};
const fs=require("fs");
const me=Math.random().toString(36).slice(2);
const pause=new Int32Array(new SharedArrayBuffer(4));
function readLine(){
  const bytes=[];const one=Buffer.alloc(1);
  for(;;){let n;
    try{n=fs.readSync(0,one,0,1,null)}catch(e){if(e.code==="EAGAIN"){Atomics.wait(pause,0,0,5);continue}throw e}
    if(n===0||one[0]===10)break;bytes.push(one[0])}
  return bytes.length?Buffer.from(bytes).toString("utf8"):null;
}
function callMain(args){
  for(;;){
    fs.writeSync(2,"ARENA-EXPORTER-WAITING\n");
    const go=readLine();
    if(go===null)process.exit(0);
    const sol=fs.readFileSync("Sol.lean","utf8");
    if(sol==="crash")process.exit(1);
    if(sol==="spin"){for(;;){}}
    if(sol==="leave")fs.writeFileSync("left-behind","x");
    fs.writeSync(1,JSON.stringify({process:me,go:go,sol:sol,files:fs.readdirSync(".").sort()})+"\n");
    fs.writeSync(1,'["END",2,"0"]\n');
    if(sol==="trail"){Atomics.wait(pause,0,0,300);fs.writeSync(1,"written after the end\n")}
  }
}
if(globalThis.arenaPrestart){globalThis.arenaPrestart.callMain=callMain}
setTimeout(()=>{if(Module.onRuntimeInitialized)Module.onRuntimeInitialized();if(!Module.noInitialRun)callMain(process.argv.slice(2))},100);
"""

LIMITS = Limits(wall_seconds=10.0, memory_bytes=1 << 30, output_bytes=64 << 10, processes=64)


@pytest.fixture
def make_runner(sandbox, tmp_path):
    root = Path(tempfile.mkdtemp(prefix="arena-fake-exporter-"))
    os.chmod(root, 0o755)
    (root / "lean.js").write_text(FAKE_EXPORTER_JS)
    shutil.copy(provisioning.PRESTART_SOURCE, root / "prestart.js")
    (root / "lib").mkdir(mode=0o755)
    (root / "node").symlink_to(provisioning.node_binary().parent)
    for f in root.iterdir():
        if f.is_file():
            os.chmod(f, 0o644)
    runners = []

    def make(**settings) -> OfflineLeanRunner:
        config = dataclasses.replace(
            load_config({}),
            slot_dir=tmp_path / "slots",
            offline_limits=LIMITS,
            prestart_timeout_seconds=30.0,
            pool_size=1,
            **settings,
        )
        runner = OfflineLeanRunner(config, provisioning.OfflineLean(root=root), sandbox=sandbox, stats=RunStats())
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.close()
    shutil.rmtree(root, ignore_errors=True)


def job(owner: str | None, sol: str = "honest", **overrides) -> LeanJob:
    return LeanJob(
        args=("--run", "Export.lean"),
        static_files={"Export.lean": b"-- the exporter"},
        files={"Sol.lean": sol.encode()},
        stdin=f"go {random.randrange(1 << 60)} {random.randrange(1 << 60)}\n".encode(),
        early_start=True,
        ready_marker=b"ARENA-EXPORTER-WAITING\n",
        reuse_key=owner,
        done_marker=b'["END",',
        **overrides,
    )


def wait_ready(runner: OfflineLeanRunner) -> None:
    deadline = time.monotonic() + 30
    while not any(s["ready"] and s["alive"] for s in runner.pool_status()):
        if time.monotonic() > deadline:
            pytest.fail(f"no pre-started process became ready: {runner.pool_status()}")
        time.sleep(0.05)


def served(result: RunResult) -> dict:
    """What the exporter double said about the job: the process, the go line, the file."""
    [line] = [line for line in result.stdout.splitlines() if line.startswith("{")]
    return json.loads(line)


def run(runner: OfflineLeanRunner, the_job: LeanJob, keep: bool = True) -> RunResult:
    """One job on a ready process, its process kept (as the pipeline does after an authenticated
    export) or discarded."""
    if not runner.pool.kept():
        wait_ready(runner)
    result = runner.run(the_job)
    if result.handoff is not None:
        result.handoff.keep() if keep else result.handoff.discard()
    return result


# --- the runner: which process serves which job


def test_a_process_serves_the_same_owners_next_job_with_that_jobs_file_and_key(make_runner):
    runner = make_runner()
    runner.prestart(job(None))
    first, second = job("alice", "first file"), job("alice", "second file")
    a = run(runner, first)
    b = run(runner, second)
    assert a.prestarted and not a.reused
    assert b.reused and served(b)["process"] == served(a)["process"]
    assert served(b)["sol"] == "second file"
    assert served(b)["go"] + "\n" == second.stdin.decode()  # its own key
    assert served(b)["files"] == ["Export.lean", "Sol.lean"]
    assert runner.stats.reused_jobs == 1


def test_the_pool_lends_an_owners_kept_process_to_that_owner_only_and_retires_what_ended(make_runner):
    """The pool's interface, acquire(job) -> lease and release(lease, outcome), on the exporter
    double: the kept process goes to its owner's job only; a process released as ended (a limit,
    a crash, an exit) is retired at once, never lent again."""
    runner = make_runner()
    runner.prestart(job(None))
    first = run(runner, job("alice"))
    assert len(runner.pool.kept()) == 1
    [kept] = runner.pool.kept()
    bobs = runner.acquire(job("bob"))
    assert not bobs.reused and bobs.item is not kept  # another owner: never alice's process
    assert runner.pool.kept() == [kept]
    alices = runner.acquire(job("alice"))
    assert alices.reused and alices.item is kept and runner.pool.kept() == []
    assert runner.release(alices, Outcome.ENDED) is None
    assert not kept.proc.alive
    assert runner.release(bobs, Outcome.ENDED) is None
    # alice's next job runs on a fresh process, not on the one released as ended
    assert served(run(runner, job("alice")))["process"] != served(first)["process"]


def test_a_generic_prestarted_process_is_kept_for_the_job_it_ran(make_runner):
    runner = make_runner()
    runner.prestart()  # a generic process: the job's program starts at dispatch
    first = run(runner, job("alice"))
    second = run(runner, job("alice"))
    assert first.prestarted and second.reused and served(second)["process"] == served(first)["process"]


def test_a_job_of_another_owner_never_runs_in_a_process_that_served_an_owner(make_runner):
    runner = make_runner(exporter_kept=2)
    runner.prestart(job(None))
    owner_of: dict[str, str] = {}
    rng = random.Random(20)
    for owner in [rng.choice(["alice", "bob", "carol"]) for _ in range(12)]:
        process = served(run(runner, job(owner)))["process"]
        assert owner_of.setdefault(process, owner) == owner, f"{process} served {owner_of[process]}, then {owner}"
    assert runner.stats.reused_jobs > 0  # the sequence had repeats: some jobs did reuse


def test_a_job_without_an_owner_leaves_no_process_behind(make_runner):
    runner = make_runner()
    runner.prestart(job(None))
    result = run(runner, job(None))
    assert result.handoff is None and runner.pool.kept() == []
    assert served(run(runner, job(None)))["process"] != served(result)["process"]


def test_a_process_not_vouched_for_is_never_used_again(make_runner):
    """The pipeline keeps a process only after an authenticated export with no refusal; a
    refusal, a failed MAC or a crash marker in the export means it discards it."""
    runner = make_runner()
    runner.prestart(job(None))
    first = run(runner, job("alice"), keep=False)
    assert runner.pool.kept() == []
    assert served(run(runner, job("alice")))["process"] != served(first)["process"]


def test_a_process_that_hit_a_limit_is_never_used_again(make_runner):
    runner = make_runner()
    runner.prestart(job(None))
    before = run(runner, job("alice"))
    spun = run(runner, job("alice", "spin", limits=dataclasses.replace(LIMITS, wall_seconds=1.0)))
    assert spun.limit_hit == "wall" and spun.handoff is None
    assert served(run(runner, job("alice")))["process"] != served(before)["process"]


def test_a_crash_on_a_kept_process_runs_the_job_again_on_a_fresh_one(make_runner):
    """A reused process carries the memory of its earlier jobs: whatever ended it may not have
    ended a fresh one, so the job runs again fresh, and its verdict is the fresh process's."""
    runner = make_runner()
    runner.prestart(job(None))
    before = run(runner, job("alice"))
    wait_ready(runner)  # the fresh process the rerun takes
    crashed = runner.run(job("alice", "crash"))
    assert not crashed.reused and crashed.prestarted and crashed.exit_code == 1
    assert crashed.handoff is None and runner.pool.kept() == []
    assert served(run(runner, job("alice")))["process"] != served(before)["process"]


def test_output_after_the_end_line_retires_the_process(make_runner):
    runner = make_runner()
    runner.prestart(job(None))
    trailing = run(runner, job("alice", "trail"))
    time.sleep(0.6)  # the double writes its extra line 0.3 s after the end line
    assert served(run(runner, job("alice")))["process"] != served(trailing)["process"]


def test_files_of_the_last_job_are_gone_before_the_next(make_runner):
    runner = make_runner()
    runner.prestart(job(None))
    run(runner, job("alice", "leave"))
    nxt = run(runner, job("alice"))
    assert nxt.reused and served(nxt)["files"] == ["Export.lean", "Sol.lean"]


def wait_ready_count(runner: OfflineLeanRunner, count: int) -> None:
    deadline = time.monotonic() + 30
    while sum(1 for s in runner.pool_status() if s["ready"] and s["alive"]) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"fewer than {count} ready processes: {runner.pool_status()}")
        time.sleep(0.05)


def test_at_its_job_count_an_owner_moves_to_its_successor_and_the_spare_stays_for_others(make_runner):
    runner = make_runner(exporter_jobs=3)
    runner.prestart(job(None))
    first = [served(run(runner, job("alice"))) for _ in range(3)]
    assert len({s["process"] for s in first}) == 1
    wait_ready_count(runner, 2)  # the spare, and the successor started one job before the count
    moved = run(runner, job("alice"))
    assert not moved.reused and served(moved)["process"] != first[0]["process"]
    started = time.monotonic()
    other = runner.run(job("bob"))  # a new owner: the spare is there, ready
    assert other.prestarted and not other.reused and time.monotonic() - started < 5
    other.handoff.discard()


def test_without_a_ready_successor_a_process_goes_on_up_to_twice_its_job_count(make_runner, monkeypatch):
    runner = make_runner(exporter_jobs=2)
    monkeypatch.setattr(runner, "_prepare_successor", lambda *args: None)  # none ever ready
    runner.prestart(job(None))
    results = [run(runner, job("alice")) for _ in range(5)]
    processes = [served(r)["process"] for r in results]
    assert len(set(processes[:4])) == 1 and processes[4] != processes[0]
    assert results[3].handoff is None  # its fourth job: twice the count, not kept


def test_the_age_bound_retires_a_process(make_runner):
    runner = make_runner(exporter_max_age_seconds=1.0)
    runner.prestart(job(None))
    first = run(runner, job("alice"))
    time.sleep(1.2)
    assert served(run(runner, job("alice")))["process"] != served(first)["process"]


def test_the_memory_bound_retires_a_process(make_runner, monkeypatch):
    monkeypatch.setattr(lean_runner, "REUSE_MEMORY_SHARE", 0.0)
    runner = make_runner()
    runner.prestart(job(None))
    assert run(runner, job("alice")).handoff is None


def test_one_job_per_process_mode_keeps_nothing(make_runner):
    runner = make_runner(exporter_jobs=1)
    runner.prestart(job(None))
    first = run(runner, job("alice"))
    assert first.handoff is None
    assert served(run(runner, job("alice")))["process"] != served(first)["process"]


# --- the pool's store of kept processes (a double of the process: no sandbox)


class ProcessDouble:
    def __init__(self) -> None:
        self.alive = True

    def close(self) -> None:
        self.alive = False


class ScratchDouble:
    def remove(self) -> None:
        pass


EXPORT = PoolKey((("--run", "Export.lean"), "digest"), 1 << 30, 64)
OTHER = PoolKey((("--run", "Other.lean"), "digest"), 1 << 30, 64)


def kept_item(owner: str, key: PoolKey = EXPORT) -> Prestarted:
    return Prestarted(key=key, early=True, proc=ProcessDouble(), scratch=ScratchDouble(), owner=owner, jobs=1)


def test_the_most_recently_kept_processes_stay():
    pool = PrestartPool(size=1, ready_timeout=1.0, kept_size=1)
    alice, bob = kept_item("alice"), kept_item("bob")
    pool.keep(alice)
    pool.keep(bob)
    assert pool.kept() == [bob] and not alice.proc.alive
    assert pool.take_kept(EXPORT, "alice") is None
    assert pool.take_kept(EXPORT, "bob") is bob


def test_a_kept_process_serves_only_its_owner_and_its_kind_of_job():
    pool = PrestartPool(size=1, ready_timeout=1.0, kept_size=2)
    alice = kept_item("alice")
    pool.keep(alice)
    assert pool.take_kept(EXPORT, "bob") is None
    assert pool.take_kept(OTHER, "alice") is None
    assert pool.take_kept(EXPORT.generic(), "alice") is None
    assert pool.take_kept(EXPORT, "alice") is alice


def test_nothing_is_kept_without_room_or_owner():
    pool = PrestartPool(size=1, ready_timeout=1.0, kept_size=0)
    item = kept_item("alice")
    pool.keep(item)
    assert pool.kept() == [] and not item.proc.alive


# --- the pipeline: which ends it vouches for

SAMPLES = Path(__file__).resolve().parents[2] / "problems" / "samples" / "problems.jsonl"
SOLVE_ADD = next(p for p in load_problem_set(SAMPLES.read_text()) if p.slug == "solve-add")
HERE = Path(__file__).resolve().parent
REFERENCE = (HERE / "exports" / "solve_add_reference.jsonl").read_text()
ACCEPTED = (HERE / "exports" / "solve_add_accepted.jsonl").read_text()
ERROR_ROW = (
    '["M",{"caption":"","data":"unknown identifier \'foo\'","endPos":{"column":5,"line":3},"fileName":"Sol.lean",'
    '"isSilent":false,"keepFullRange":false,"kind":"","pos":{"column":2,"line":3},"severity":"error"}]\n'
)
REFUSAL_ROW = '["R","`#eval`",1,0,"it runs code while the file is checked; remove it"]\n'


class HandoffDouble:
    def __init__(self) -> None:
        self.decision: str | None = None

    def keep(self) -> None:
        self.decision = self.decision or "kept"

    def discard(self) -> None:
        self.decision = self.decision or "discarded"


class ReusingRunnerDouble:
    """Test double of the Lean runner: answers every job with a recorded export (signed with the
    job's key unless `forged`) and a handoff whose fate it records."""

    kind = "offline"
    default_limits = Limits(wall_seconds=5, memory_bytes=1 << 30, output_bytes=1 << 20, processes=8)

    def __init__(self, rows: str | None, forged: bool = False, **result) -> None:
        self.rows, self.forged, self.result = rows, forged, result
        self.handoffs: list[HandoffDouble] = []
        self.owners: list[str | None] = []

    def version(self) -> str:
        return "recorded"

    def open_session(self, *args, **kwargs):
        raise SessionError("no replay in this double")

    def run(self, the_job: LeanJob) -> RunResult:
        self.owners.append(the_job.reuse_key)
        _go, r, s, *_ = the_job.stdin.decode().split()
        stdout = ""
        if self.rows is not None:
            stdout = sign(ExportKey.new() if self.forged else ExportKey(int(r), int(s)), self.rows)
        handoff = HandoffDouble()
        self.handoffs.append(handoff)
        defaults = dict(
            stdout=stdout, stderr="", exit_code=None, signal=None, wall_seconds=0.1, peak_memory_kb=1, limit_hit=None
        )
        return RunResult(**{**defaults, **self.result, "handoff": handoff})


@pytest.fixture
def recorded_reference(monkeypatch):
    monkeypatch.setattr(pipeline.Judge, "reference_export", lambda judge, problem: REFERENCE)


def judged(runner: ReusingRunnerDouble) -> Verdict:
    return pipeline.judge_submission(SOLVE_ADD, "def solveAdd := 1", runner=runner, owner="user:7").verdict


@pytest.mark.parametrize(
    ("rows", "double", "verdict"),
    [
        (ACCEPTED.removesuffix('["END"]\n') + ERROR_ROW, {}, Verdict.COMPILE_ERROR),
        (ACCEPTED.removesuffix('["END"]\n'), {}, Verdict.JUDGE_ERROR),  # the replay double refuses
    ],
    ids=["compile-error", "authenticated"],
)
def test_an_authenticated_export_without_refusal_keeps_the_process(recorded_reference, rows, double, verdict):
    runner = ReusingRunnerDouble(rows, **double)
    assert judged(runner) is verdict
    assert runner.owners == ["user:7"]
    assert [h.decision for h in runner.handoffs] == ["kept"]


@pytest.mark.parametrize(
    ("rows", "double"),
    [
        (REFUSAL_ROW, {}),
        (ACCEPTED.removesuffix('["END"]\n'), {"forged": True}),
        (None, {"exit_code": 1, "stderr": "RangeError: Maximum call stack size exceeded"}),
        (None, {"limit_hit": "memory"}),
        ("garbage", {}),
    ],
    ids=["refusal", "mac-failure", "crash", "limit", "unparsable"],
)
def test_any_other_end_discards_the_process(recorded_reference, rows, double):
    runner = ReusingRunnerDouble(rows, **double)
    judged(runner)
    assert [h.decision for h in runner.handoffs] == ["discarded"]


def test_the_phases_of_a_verdict_are_recorded(recorded_reference):
    runner = ReusingRunnerDouble(ACCEPTED.removesuffix('["END"]\n') + ERROR_ROW, reused=True)
    result = pipeline.judge_submission(SOLVE_ADD, "def solveAdd := 1", runner=runner, owner="user:7")
    assert result.phases["exporter_ms"] == 100 and result.phases["exporter_reused"] == 1
    assert {"sandbox_ms", "exporter_ms"} <= set(result.phases) <= {"sandbox_ms", "exporter_ms", "exporter_reused"}
    assert type(result).from_json(result.to_json()).phases == result.phases
