"""The real Lean through the runner (marked `lean`: each run costs 4–20 s and ~3.6 GB offline).

Kept to a handful of runs: a cold run whose messages are parsed, an elaboration that loops
until the wall limit, the memory cgroup's kill and the wasm heap's own out-of-memory panic (both
"memory"), a pre-started run that must say what the cold run said, and a session that answers
twice.
"""

from __future__ import annotations

import dataclasses
import time

import pytest

from judge.lean_runner import LeanJob, OfflineLeanRunner, make_runner

pytestmark = [pytest.mark.lean, pytest.mark.slow]

SOLUTION = b"""def solveAdd (a b : Int) : Int := b - a
theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by simp [solveAdd]; omega
theorem wrong : 1 = 2 := by decide
"""

# An endless loop of the program's own compiled code, run by #eval during elaboration.
LOOP = b"""partial def spin (n : Nat) : Nat := if n == 0 then 0 else spin (n + 1)

#eval spin 1
"""

ECHO = b"""partial def loop (stdin : IO.FS.Stream) (stdout : IO.FS.Stream) : IO Unit := do
  let line \xe2\x86\x90 stdin.getLine
  if line.isEmpty then return
  stdout.putStrLn ("ARENA-REPLY " ++ line.trimRight)
  stdout.flush
  loop stdin stdout

public def main : IO Unit := do
  loop (\xe2\x86\x90 IO.getStdin) (\xe2\x86\x90 IO.getStdout)
"""


def solution_job(**overrides) -> LeanJob:
    return LeanJob(args=("--json", "Sol.lean"), files={"Sol.lean": SOLUTION}, **overrides)


@pytest.fixture(scope="module")
def cold_result(real_runner):
    # A generous wall: on a loaded 2-core machine a cold start alone has taken two minutes.
    limits = dataclasses.replace(real_runner.default_limits, wall_seconds=300.0)
    return real_runner.run(solution_job(collect=("default.profraw",), limits=limits))


def test_cold_run_parses_lean_messages(cold_result):
    assert cold_result.limit_hit is None
    [message] = [m for m in cold_result.lean_messages if m["severity"] == "error"]
    assert message["pos"] == {"line": 3, "column": 28}
    assert "1 = 2" in message["data"]
    assert cold_result.peak_memory_kb > 0
    assert "default.profraw" in cold_result.files  # written into the scratch dir, not the repo


def test_elaboration_loop_ends_at_the_wall_limit(real_runner):
    limits = dataclasses.replace(
        real_runner.default_limits, wall_seconds=25.0 if real_runner.kind == "offline" else 5.0
    )
    result = real_runner.run(LeanJob(args=("--json", "Loop.lean"), files={"Loop.lean": LOOP}, limits=limits))
    assert result.limit_hit == "wall"
    assert limits.wall_seconds <= result.wall_seconds < limits.wall_seconds + 5


def test_memory_limit_is_reported_not_an_error(real_runner):
    limits = dataclasses.replace(real_runner.default_limits, memory_bytes=200 << 20)
    result = real_runner.run(solution_job(limits=limits))
    assert result.limit_hit == "memory"


def test_out_of_memory_inside_the_offline_lean_is_a_memory_limit(real_runner):
    """The wasm32 heap ends at 4 GiB, below the cgroup limit: Lean panics and exits 1."""
    if real_runner.kind != "offline":
        pytest.skip("the native Lean has no 4 GiB heap")
    big = b"#eval (Array.replicate 700000000 (0 : Nat)).size\n"
    result = real_runner.run(LeanJob(args=("--json", "Big.lean"), files={"Big.lean": big}))
    assert "out of memory" in result.stderr + result.stdout
    assert result.limit_hit == "memory"


def test_prestarted_run_says_what_the_cold_run_said(real_runner, cold_result):
    if real_runner.kind != "offline":
        pytest.skip("only the offline Lean is pre-started")
    runner = make_runner(dataclasses.replace(real_runner.config, pool_size=1))
    assert isinstance(runner, OfflineLeanRunner)
    try:
        runner.prestart()
        deadline = time.monotonic() + 180
        while not any(s["ready"] for s in runner.pool_status()) and time.monotonic() < deadline:
            time.sleep(0.2)
        result = runner.run(solution_job(limits=dataclasses.replace(runner.default_limits, wall_seconds=300.0)))
    finally:
        runner.close()
    assert result.prestarted
    assert result.limit_hit is None
    assert result.lean_messages == cold_result.lean_messages


def test_session_answers_requests(real_runner):
    with real_runner.open_session(("--run", "Echo.lean"), {"Echo.lean": ECHO}) as session:
        assert session.request(b"first", timeout=300) == b"first"
        started = time.monotonic()
        assert session.request(b"second", timeout=30) == b"second"
        assert time.monotonic() - started < 5
