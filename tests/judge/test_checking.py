"""Checks without Lean (issue 27): the check section's parser and its bounds, the request, the
stdin a check sends, and `Judge.check` around a test double of the runner that answers with
recorded real exports plus a check section signed with the job's own keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judge import pipeline
from judge.checking import CHECK_LINE, CheckBounds, CheckRequest, CheckSectionError, parse_check_section
from judge.export_auth import ExportKey, ExportTampered, authenticate_sections, sign, tag
from judge.lean_runner import RunResult, SessionError
from judge.problem_format import load_problem_set
from judge.results import CheckResult, CheckStatus
from judge.sandbox import Limits

HERE = Path(__file__).resolve().parent
REFERENCE = (HERE / "exports" / "solve_add_reference.jsonl").read_text()
ACCEPTED = (HERE / "exports" / "solve_add_accepted.jsonl").read_text()
RECORDED_CHECK = HERE / "exports" / "check_solve_add_sketch.json"
SAMPLES = HERE.parents[1] / "problems" / "samples" / "problems.jsonl"
SOLVE_ADD = next(p for p in load_problem_set(SAMPLES.read_text()) if p.slug == "solve-add")

STEP = '["T",3,2,3,9,["a b : Int\\n⊢ a = a"],[]]'
SORRY = '["S",5,4,5,9,"a b : Int\\n⊢ solveAdd a b = b - a"]'


def section(rows: list[str], key: ExportKey) -> str:
    """A check section as the exporter writes it: its first line, rows, its own end line."""
    lines = [CHECK_LINE, *rows]
    return "\n".join(lines) + "\n" + json.dumps(["END", len(lines), str(tag(key, lines))]) + "\n"


def parsed(rows: list[str], bounds: CheckBounds | None = None):
    return parse_check_section("\n".join([*rows, '["END"]']) + "\n", bounds or CheckBounds())


def test_rows_become_sorries_and_steps_in_source_order():
    state = parsed([SORRY, STEP, '["S",5,4,5,9,"the same sorry again"]'])
    assert [(s.line, s.column, s.goal) for s in state.sorries] == [(5, 4, "a b : Int\n⊢ solveAdd a b = b - a")]
    assert state.steps[0].goals_before == ["a b : Int\n⊢ a = a"] and state.steps[0].goals_after == []
    assert not state.truncated


def test_a_bound_the_exporter_reached_is_said():
    state = parsed([STEP, '["X","steps"]'])
    assert state.truncated and state.cut == ("steps",)


@pytest.mark.parametrize(
    "row",
    [
        '["T",3,2,3,9,["a"]]',  # a column missing
        '["T",-1,2,3,9,[],[]]',  # not a position
        '["T",3,2,2,9,[],[]]',  # ends before it starts
        '["T",3,2,3,9,"goal",[]]',  # goals not a list
        '["S",1,0,1,5,' + json.dumps("x" * 50) + "]",  # a goal past its bound
        '["T",1,0,1,5,' + json.dumps(["g"] * 3) + ",[]]",  # more goals than asked for
        '["Q",1]',  # not a check row
        "[" * 100_000 + "]" * 100_000,  # nesting the parser must not recurse into
        '{"S":1}',
    ],
)
def test_malformed_rows_are_refused(row):
    with pytest.raises(CheckSectionError):
        parsed([row], CheckBounds(goal_chars=10, goals=2))


def test_more_rows_than_asked_for_are_refused():
    with pytest.raises(CheckSectionError):
        parsed([STEP, STEP], CheckBounds(steps=1))
    with pytest.raises(CheckSectionError):
        parsed(["[" + '"S",1,0,1,5,"g"' + "]", '["S",2,0,2,5,"g"]'], CheckBounds(sorries=1))


def test_a_section_larger_than_its_bounds_is_refused_before_parsing():
    with pytest.raises(CheckSectionError):
        parse_check_section(STEP + "\n" + " " * 10_000 + '\n["END"]\n', CheckBounds(chars=100, steps=1, sorries=1))


def test_the_check_section_is_authenticated_with_its_own_key():
    key, check_key = ExportKey.new(), ExportKey.new()
    stdout = sign(key, '["M",{"severity":"info","data":"x"}]') + section([STEP], check_key) + '["DONE"]\n'
    main, rows = authenticate_sections(stdout, key, check_key, section=CHECK_LINE)
    assert rows is not None and rows.splitlines() == [STEP, '["END"]']
    with pytest.raises(ExportTampered):
        authenticate_sections(stdout, key, ExportKey.new(), section=CHECK_LINE)
    # a probe section's key cannot stand for a check's: the first line is the section's own
    with pytest.raises(ExportTampered):
        authenticate_sections(stdout, key, check_key)


def test_a_check_sends_its_request_and_no_probes():
    request = CheckRequest()
    job = pipeline.exporter_job(b"x", None, key=ExportKey.new(), check=request, owner="u1")
    go, second = job.stdin.decode().splitlines()
    assert go.startswith("go ") and second.startswith("check ")
    body = json.loads(second.removeprefix("check "))
    assert body["r"] == str(request.key.r) and body["steps"] == request.bounds.steps
    assert job.interactive and job.reuse_key == "u1"
    assert not pipeline.exporter_job(b"x", None).interactive


def test_the_result_round_trips_through_json():
    data = json.loads(RECORDED_CHECK.read_text())
    result = CheckResult.from_dict(data)
    assert result.status is CheckStatus.OK and len(result.sorries) == 3
    assert CheckResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


class CheckRunner:
    """Test double of the Lean runner: answers a check with a recorded export and the given
    check rows, each signed with the job's own keys as the exporter would."""

    kind = "offline"
    default_limits = Limits(wall_seconds=5, memory_bytes=1 << 30, output_bytes=1 << 20, processes=8)

    def __init__(self, rows: list[str], export_text: str = ACCEPTED, **result) -> None:
        self.rows, self.export_text, self.result = rows, export_text, result
        self.jobs: list = []

    def version(self) -> str:
        return "recorded"

    def open_session(self, *args, **kwargs):
        raise SessionError("no replay here")

    def run(self, job):
        self.jobs.append(job)
        go, second = job.stdin.decode().splitlines()
        _, r, s, *_ = go.split()
        request = json.loads(second.removeprefix("check "))
        stdout = sign(ExportKey(int(r), int(s)), self.export_text.removesuffix('["END"]\n'))
        stdout += section(self.rows, ExportKey(int(request["r"]), int(request["s"]))) + '["DONE"]\n'
        defaults = dict(
            stdout=stdout, stderr="", exit_code=0, signal=None, wall_seconds=0.1, peak_memory_kb=1000, limit_hit=None
        )
        return RunResult(**{**defaults, **self.result})


@pytest.fixture
def recorded_reference(monkeypatch):
    monkeypatch.setattr(pipeline.Judge, "reference_export", lambda judge, problem: REFERENCE)


def test_a_check_answers_the_proof_state_and_no_verdict(recorded_reference):
    runner = CheckRunner([SORRY, STEP])
    result = pipeline.Judge(runner).check(SOLVE_ADD, "def x := 1", owner="u1")
    assert result.status is CheckStatus.OK and result.open_theorems == []
    assert len(result.sorries) == 1 and len(result.steps) == 1
    assert result.checker_version == pipeline.CHECKER_VERSION and "verdict" not in result.to_dict()
    (job,) = runner.jobs
    assert job.interactive and job.reuse_key == "u1" and b"probes" not in job.stdin


def test_a_theorem_with_sorry_is_open(recorded_reference):
    # the template's export: its bodies are `sorry`
    result = pipeline.Judge(CheckRunner([], export_text=REFERENCE)).check(SOLVE_ADD, "def x := 1", owner="u1")
    assert result.open_theorems == ["solveAdd_spec"]


def test_an_unreadable_section_costs_the_proof_state_only(recorded_reference):
    result = pipeline.Judge(CheckRunner(['["T",1]'])).check(SOLVE_ADD, "def x := 1", owner="u1")
    assert result.status is CheckStatus.OK and result.truncated and result.steps == []


def test_refusals_limits_and_crashes(recorded_reference):
    refused = pipeline.Judge(CheckRunner([])).check(SOLVE_ADD, "prelude\n", owner="u1")
    assert refused.status is CheckStatus.REFUSED and refused.refusal
    limit = pipeline.Judge(CheckRunner([], limit_hit="wall")).check(SOLVE_ADD, "def x := 1", owner="u1")
    assert limit.status is CheckStatus.LIMIT
    crashed = pipeline.Judge(CheckRunner([], stdout="", stderr="RangeError: Maximum call stack size exceeded"))
    result = crashed.check(SOLVE_ADD, "def x := 1", owner="u1")
    assert result.status is CheckStatus.ERROR and "crashed" in result.refusal
    forged = pipeline.Judge(CheckRunner([], stdout=sign(ExportKey.new(), ACCEPTED.removesuffix('["END"]\n'))))
    assert forged.check(SOLVE_ADD, "def x := 1", owner="u1").status is CheckStatus.REFUSED
