"""A pre-started exporter that imported the problem's modules before its job (what a Mathlib
judge does with ARENA_LEAN_PRELOAD_IMPORTS=Mathlib; here with Std, which the offline Lean has):
it judges exactly as a cold one, and uses the preloaded imports only for a file whose header
imports exactly those modules."""

from __future__ import annotations

import dataclasses
import json
import time

import pytest

from judge import lean_runner
from judge.config import load_config
from judge.export_auth import ExportKey, authenticate
from judge.export_format import Interner, parse_export
from judge.pipeline import exporter_job, judge_for
from judge.problem_format import ProblemSpec
from judge.results import Verdict

pytestmark = pytest.mark.lean

PROBLEM = ProblemSpec.from_dict(
    {
        "slug": "solve-add-std",
        "title": "Solve an addition, with Std",
        "description": "",
        "imports": ["Std"],
        "definitions": ["def solveAdd (a b : Int) : Int"],
        "theorems": [
            {"name": "solveAdd_spec", "signature": "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b"}
        ],
    }
)
BODY = (
    "def solveAdd (a b : Int) : Int := b - a\n\n"
    "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by\n  simp [solveAdd]\n  omega\n"
)
PRELOADED = "ARENA-PRELOADED-HEADER"


@pytest.fixture(scope="module")
def preloading_runner():
    config = dataclasses.replace(load_config(), pool_size=1, preload_imports=("Std",))
    runner = lean_runner.make_runner(config)
    yield runner
    judge_for(runner).close()
    runner.close()


def ready_prestarted(runner) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if any(s["ready"] and s["alive"] for s in runner.pool_status()):
            return
        time.sleep(0.5)
    pytest.fail(f"no pre-started exporter became ready: {runner.pool_status()}")


def export_of(runner, code: str):
    key = ExportKey.new()
    job = exporter_job(code.encode(), None, key=key, imports=["Std"], preload=("Std",))
    assert job.args == ("--run", "Export.lean", "Std")
    run = runner.run(job)
    return run, parse_export(authenticate(run.stdout, key), Interner())


def test_the_preloaded_header_serves_a_file_that_imports_exactly_it(preloading_runner):
    judge_for(preloading_runner).warm_up()
    ready_prestarted(preloading_runner)
    run, export = export_of(preloading_runner, "import Std\n\n-- the solution\n" + BODY)
    assert run.prestarted and PRELOADED in run.stderr
    assert ("Std",) in export.imports
    assert not [m for m in export.messages if m["severity"] == "error"], export.messages


def test_another_header_is_imported_as_usual(preloading_runner):
    ready_prestarted(preloading_runner)
    run, export = export_of(preloading_runner, BODY)  # no `import Std`: not the preloaded header
    assert PRELOADED not in run.stderr
    assert ("Std",) not in export.imports
    assert not [m for m in export.messages if m["severity"] == "error"], export.messages


def test_verdicts_through_the_preloaded_exporter_are_the_usual_ones(preloading_runner):
    ready_prestarted(preloading_runner)
    accepted = judge_for(preloading_runner).judge(PROBLEM, "import Std\n" + BODY, owner="user:tests")
    assert accepted.verdict is Verdict.ACCEPTED, accepted.to_json()
    # the same owner's next file, on the same exporter process: its own environment again
    wrong = judge_for(preloading_runner).judge(
        PROBLEM, "import Std\n" + BODY.replace("b - a", "a - b"), owner="user:tests"
    )
    assert wrong.verdict is Verdict.WRONG_ANSWER, wrong.to_json()  # a counterexample (issue 16)
    assert wrong.phases["exporter_reused"] == 1


# --- shared state between jobs: every job of a preloading exporter starts from one imported
# environment (an immutable value), but the imports come with mutable parts shared by all the
# environments made from them (the realizations of imported constants, e.g. `List.length.eq_1`,
# are cached in a reference of the imported environment). The reuse test's question again, on
# this mode: does a job see anything a previous job of the process did?

# Uses what an earlier job could have changed: equation lemmas of imported definitions
# (realized on first use), `simp` and `decide` on imported instances and numerals, unfolding.
WITNESS = (
    "import Std\n\n"
    "theorem w1 (xs : List Nat) : (3 :: xs).length = xs.length + 1 := by simp [List.length]\n"
    "theorem w2 : (2 : Int) + 2 = 4 := by decide\n"
    "theorem w3 (a b : List Nat) : (a ++ b).length = a.length + b.length := by simp\n"
    "theorem w4 : List.foldl (· + ·) 0 [1, 2, 3] = 6 := by simp [List.foldl]\n"
    "#check @List.length.eq_1\n"
    "#check @List.foldl.eq_def\n"
    "example : [1, 2].reverse = [2, 1] := by decide\n"
)
# Every global change the policy allows, and each of those imported constants realized under
# them (options that shape equation lemmas, erased simp lemmas, sealed and
# irreducible definitions, instances that re-mean numerals).
POLLUTER = (
    "import Std\n\n"
    "set_option backward.eqns.nonrecursive false\n"
    "set_option backward.eqns.deepRecursiveSplit false\n"
    "set_option maxRecDepth 100\n"
    "attribute [-simp] List.length_cons List.length_append List.reverse_cons\n"
    "attribute [irreducible] List.foldl\n"
    "seal List.length\n"
    "instance (priority := high) shifted {n : Nat} : OfNat Int n := ⟨(n : Int) + 1⟩\n"
    "namespace List\ndef arenaLeftover : Nat := 7\nend List\n"
    "#check @List.length.eq_1\n"
    "#check @List.foldl.eq_def\n"
    "#check @List.append.eq_2\n"
    "#check @List.length.eq_def\n"
    "example (xs : List Nat) : (3 :: xs).length = xs.length + 1 := by simp [List.length]\n"
    "example : (2 : Int) + 2 = 4 := by decide\n"
)


def owned_job(runner, code: str, owner: str):
    key = ExportKey.new()
    job = exporter_job(code.encode(), None, key=key, imports=["Std"], preload=("Std",), owner=owner)
    result = runner.run(job)
    body = authenticate(result.stdout, key)  # raises unless the export is whole and ours
    if result.handoff is not None:
        result.handoff.keep()  # as the pipeline does after an authenticated export
    return result, body


def test_a_job_on_the_preloaded_environment_sees_nothing_of_the_jobs_before_it(preloading_runner):
    """One process, three jobs of one owner: the witness, the polluter, the witness again. The
    witness's export (messages, constants, terms) is the same byte for byte both times, and
    nothing the polluter declared exists for the later job."""
    owner = "user:shared-state"
    judge_for(preloading_runner).warm_up()  # so the test holds when run on its own
    ready_prestarted(preloading_runner)
    first, alone = owned_job(preloading_runner, WITNESS, owner)
    assert PRELOADED in first.stderr and not first.reused
    errors = [m for m in parse_export(alone, Interner()).messages if m["severity"] == "error"]
    assert not errors, errors

    polluted, _ = owned_job(preloading_runner, POLLUTER, owner)
    assert polluted.reused and PRELOADED in polluted.stderr

    again, after = owned_job(preloading_runner, WITNESS + "#check List.arenaLeftover\n#check shifted\n", owner)
    assert again.reused and PRELOADED in again.stderr
    messages = parse_export(after, Interner()).messages
    unknown = [m["text"] for m in messages if m["severity"] == "error"]
    assert len(unknown) == 2 and all("unknown" in text.lower() for text in unknown), unknown
    # the witness's own part: the same rows, but the two added commands' messages
    witness_lines = WITNESS.count("\n")
    assert _rows_up_to(after, witness_lines) == _rows_up_to(alone, witness_lines)


def _rows_up_to(body: str, last_line: int) -> list[str]:
    """The export's rows, without the messages of lines after `last_line`."""
    return [
        row
        for row in body.splitlines()
        if not (row.startswith('["M",') and json.loads(row)[1]["pos"]["line"] > last_line)
    ]
