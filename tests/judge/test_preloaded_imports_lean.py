"""A pre-started exporter that imported the problem's modules before its job (what a Mathlib
judge does with ARENA_LEAN_PRELOAD_IMPORTS=Mathlib; here with Std, which the offline Lean has):
it judges exactly as a cold one, and uses the preloaded imports only for a file whose header
imports exactly those modules."""

from __future__ import annotations

import dataclasses
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
