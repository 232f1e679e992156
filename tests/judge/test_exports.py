"""The checker on exports: recorded real ones, and hostile ones made from them.

`exports/solve_add_reference.jsonl` and `exports/solve_add_accepted.jsonl` are real outputs of
judge/lean/Export.lean (offline Lean 4.28.0-pre), for the solve-add template and for
`def solveAdd (a b : Int) : Int := b - a` with `by simp [solveAdd]; omega`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judge import pipeline
from judge.checker import check
from judge.export_auth import ExportKey, sign
from judge.export_format import ExportError, Interner, parse_export
from judge.lean_runner import RunResult, SessionError
from judge.problem_format import load_problem_set
from judge.results import TheoremStatus, Verdict
from judge.sandbox import Limits

HERE = Path(__file__).resolve().parent
REFERENCE = (HERE / "exports" / "solve_add_reference.jsonl").read_text()
ACCEPTED = (HERE / "exports" / "solve_add_accepted.jsonl").read_text()
SAMPLES = HERE.parents[1] / "problems" / "samples" / "problems.jsonl"
SOLVE_ADD = next(p for p in load_problem_set(SAMPLES.read_text()) if p.slug == "solve-add")
SOLVE_ADD_TARGETS = {"definitions": ["solveAdd"], "theorems": ["solveAdd_spec"], "allowed_imports": []}


def run_check(submission_text: str):
    interner = Interner()
    reference = parse_export(REFERENCE, interner)
    submission = parse_export(submission_text, interner)
    return check(
        interner=interner,
        reference=reference,
        submission=submission,
        **SOLVE_ADD_TARGETS,
    )


def rows(text: str) -> list[list]:
    return [json.loads(line) for line in text.splitlines()]


def unrows(items: list[list]) -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in items) + "\n"


def name_id(items: list[list], component: str) -> int:
    return next(r[1] for r in items if r[0] == "N" and r[3] == "s" and r[4] == component)


def test_recorded_solution_passes_every_check():
    outcome = run_check(ACCEPTED)
    assert outcome.reasons == []
    assert outcome.theorem_status == {"solveAdd_spec": TheoremStatus.PROVED}
    order = [c.name for group in outcome.replay_plan for c in group]
    assert order.index(("solveAdd",)) < order.index(("solveAdd_spec",))


def test_reference_uses_sorry():
    interner = Interner()
    reference = parse_export(REFERENCE, interner)
    outcome = check(
        interner=interner,
        reference=reference,
        submission=parse_export(REFERENCE, interner),
        **SOLVE_ADD_TARGETS,
    )
    assert {r.code for _, r in outcome.reasons} == {"SORRY"}


def test_non_module_naming_judges_alike():
    """Native Lean names a non-module file's `solveAdd` plainly; the module build makes it
    `_private.Sol.0.solveAdd`. Re-parent every name under `_private.Sol.0` to the root."""
    items = rows(ACCEPTED)
    private = name_id(items, "_private")
    sol = next(r[1] for r in items if r[0] == "N" and r[2] == private)
    zero = next(r[1] for r in items if r[0] == "N" and r[2] == sol)
    plain = [[*r[:2], 0, *r[3:]] if r[0] == "N" and r[2] == zero else r for r in items]
    assert unrows(plain) != ACCEPTED
    interner = Interner()
    module = parse_export(ACCEPTED, interner)
    non_module = parse_export(unrows(plain), interner)
    assert set(module.constants) == set(non_module.constants)
    assert module.constants[("solveAdd_spec",)].type == non_module.constants[("solveAdd_spec",)].type
    assert run_check(unrows(plain)).reasons == []


@pytest.mark.parametrize(
    "mangle",
    [
        lambda text: "garbage\n",
        lambda text: text.replace('["END"]\n', ""),  # truncated
        lambda text: text + '["N",99999,0,"s","late"]\n',  # after the end marker
        lambda text: text.replace('["E",0,', '["E",7,', 1),  # ids not dense
        lambda text: text.replace('"app",', '"fvar",', 1),  # a free variable in a declaration
        lambda text: '["E",0,"app",5,6]\n' + text,  # dangling reference
        lambda text: text.replace('"default"', '"sideways"', 1),  # bad binder
        lambda text: '["N",1,0,"s",{"x":1}]\n' + text,
        lambda text: "[" * 100000 + "\n",  # deep JSON
    ],
    ids=["garbage", "truncated", "after-end", "not-dense", "fvar", "dangling", "binder", "type", "deep"],
)
def test_malformed_export_is_refused(mangle):
    with pytest.raises(ExportError):
        parse_export(mangle(ACCEPTED), Interner())


def test_changed_theorem_type_is_a_mismatch():
    items = rows(ACCEPTED)
    spec = name_id(items, "solveAdd_spec")
    thm = next(r for r in items if r[0] == "thm" and r[1] == spec)
    thm[3] = thm[4]  # claim the proof term as the statement: certainly another type
    outcome = run_check(unrows(items))
    assert [(v, r.code) for v, r in outcome.reasons] == [(Verdict.STATEMENT_MISMATCH, "MISMATCH")]
    assert outcome.theorem_status["solveAdd_spec"] is TheoremStatus.MISMATCH


def test_missing_and_duplicated_targets():
    items = rows(ACCEPTED)
    spec = name_id(items, "solveAdd_spec")
    without = [r for r in items if not (r[0] == "thm" and r[1] == spec)]
    assert run_check(unrows(without)).theorem_status["solveAdd_spec"] is TheoremStatus.MISSING
    thm = next(r for r in items if r[0] == "thm" and r[1] == spec)
    twice = items[:-1] + [thm, items[-1]]
    codes = {r.code for _, r in run_check(unrows(twice)).reasons}
    assert "MISMATCH" in codes


def test_theorem_submitted_as_axiom_is_caught():
    items = rows(ACCEPTED)
    spec = name_id(items, "solveAdd_spec")
    faked = [["axiom", r[1], r[2], r[3], False, r[6]] if r[0] == "thm" and r[1] == spec else r for r in items]
    outcome = run_check(unrows(faked))
    assert (Verdict.STATEMENT_MISMATCH, "MISMATCH") in [(v, r.code) for v, r in outcome.reasons]


def test_forbidden_attribute_in_the_elaborated_environment():
    items = rows(ACCEPTED)
    for r in items:
        if r[0] == "def":
            r[-1] = {"implemented_by": False, "extern": True, "export": False}
    outcome = run_check(unrows(items))
    assert (Verdict.FORBIDDEN_CONSTRUCT, "FORBIDDEN_ATTRIBUTE") in [(v, r.code) for v, r in outcome.reasons]


class RecordedExportRunner:
    """Test double of the Lean runner: answers every job with a recorded export, signed with the
    job's own key as the exporter would (unless `signed=False`), so the judge's orchestration
    around the exporter can be tested without starting Lean."""

    kind = "offline"
    default_limits = Limits(wall_seconds=5, memory_bytes=1 << 30, output_bytes=1 << 20, processes=8)

    def __init__(self, export_text: str | None, signed: bool = True, **result) -> None:
        self.export_text = export_text
        self.signed = signed
        self.result = result

    def version(self) -> str:
        return "recorded"

    def open_session(self, *args, **kwargs):
        raise SessionError("the recorded-export double has no replay")

    def run(self, job):
        assert job.args == ("--run", "Export.lean") and job.early_start
        go, r, s, *_ = job.stdin.decode().split()
        assert go == "go"
        stdout = ""
        if self.export_text is not None:
            rows = self.export_text.removesuffix('["END"]\n')
            stdout = sign(ExportKey(int(r), int(s)) if self.signed else ExportKey.new(), rows)
        defaults = dict(
            stdout=stdout, stderr="", exit_code=0, signal=None, wall_seconds=0.1, peak_memory_kb=1000, limit_hit=None
        )
        return RunResult(**{**defaults, **self.result})


@pytest.fixture
def recorded_reference(monkeypatch):
    monkeypatch.setattr(pipeline.Judge, "reference_export", lambda judge, problem: REFERENCE)


def test_garbage_export_is_a_judge_error(recorded_reference):
    result = pipeline.judge_submission(SOLVE_ADD, "def x := 1", runner=RecordedExportRunner("garbage"))
    assert result.verdict is Verdict.JUDGE_ERROR
    assert result.reasons[0].code == "EXPORT_INVALID"


@pytest.mark.parametrize(
    ("limit", "verdict"),
    [("wall", Verdict.TIME_LIMIT), ("memory", Verdict.MEMORY_LIMIT), ("output", Verdict.OUTPUT_LIMIT)],
)
def test_limits_map_to_their_verdicts(recorded_reference, limit, verdict):
    runner = RecordedExportRunner(None, limit_hit=limit)
    result = pipeline.judge_submission(SOLVE_ADD, "def x := 1", runner=runner)
    assert result.verdict is verdict


def test_crash_of_lean_is_the_submissions_verdict(recorded_reference):
    runner = RecordedExportRunner(None, exit_code=1, stderr="RangeError: Maximum call stack size exceeded")
    result = pipeline.judge_submission(SOLVE_ADD, "def x := 1", runner=runner)
    assert result.verdict is Verdict.COMPILE_ERROR
    assert result.reasons[0].code == "LEAN_CRASHED"


def test_source_checks_come_first(recorded_reference):
    result = pipeline.judge_submission(SOLVE_ADD, "prelude\n", runner=RecordedExportRunner(ACCEPTED))
    assert result.verdict is Verdict.FORBIDDEN_CONSTRUCT
    assert json.loads(json.dumps(result.to_json()))["verdict"] == "FORBIDDEN_CONSTRUCT"


@pytest.mark.lean
def test_lying_export_is_rejected_by_the_kernel(real_runner):
    """A well-formed export whose theorem claims `a + solveAdd a b = b` with `solveAdd := a`
    still carries the real proof of the real statement: the kernel must refuse it."""
    items = rows(ACCEPTED)
    # make solveAdd's body `a` (bvar 1 under two lambdas) instead of `b - a`
    solve_add = name_id(items, "solveAdd")
    definition = next(r for r in items if r[0] == "def" and r[1] == solve_add)
    body = max(r[1] for r in items if r[0] == "E") + 1
    bvar = ["E", body, "bvar", 1]
    inner = ["E", body + 1, "lam", name_id(items, "b"), 0, body, "default"]
    outer = ["E", body + 2, "lam", name_id(items, "a"), 0, body + 1, "default"]
    definition[4] = body + 2
    items.remove(definition)
    end = items.pop()
    lying = unrows(items + [bvar, inner, outer, definition, end])
    interner = Interner()
    reference = parse_export(REFERENCE, interner)
    submission = parse_export(lying, interner)
    result = pipeline.judge_for(real_runner).decide(SOLVE_ADD, interner, reference, submission)
    pipeline.judge_for(real_runner).close()
    assert result.verdict is Verdict.KERNEL_REJECTED, result.to_json()


def test_binder_names_do_not_matter():
    """`def solveAdd (x y : Int)` states the same as `(a b : Int)`: pattern-matching definitions
    get other binder names than the header's. Here every binder `a` becomes `x`."""
    items = rows(ACCEPTED)
    renamed = [[*r[:4], "x"] if r[0] == "N" and r[3:] == ["s", "a"] else r for r in items]
    assert unrows(renamed) != ACCEPTED
    assert run_check(unrows(renamed)).reasons == []


def test_a_garbled_export_is_judged_again_once_at_most(recorded_reference):
    garbled = pipeline.judge_submission(SOLVE_ADD, "def x := 1", runner=RecordedExportRunner("garbage"))
    assert garbled.max_attempts == 2
    nothing = pipeline.judge_submission(SOLVE_ADD, "def x := 1", runner=RecordedExportRunner(None))
    assert nothing.verdict is Verdict.JUDGE_ERROR and nothing.max_attempts == 2


def test_replay_request_numbers_everything_densely_children_first():
    from judge.replay_request import build_request

    interner = Interner()
    reference = parse_export(REFERENCE, interner)
    submission = parse_export(ACCEPTED, interner)
    plan = check(
        interner=interner,
        reference=reference,
        submission=submission,
        **SOLVE_ADD_TARGETS,
    ).replay_plan
    request = build_request("r7", [], plan, interner, [("solveAdd_spec",)]).decode()
    lines = [json.loads(line) for line in request.splitlines()]
    assert lines[0] == ["BEGIN", "r7", ["Init"]] and lines[-1] == ["DONE"]
    seen = {"N": 1, "L": 1, "E": 0}
    for row in lines[1:-1]:
        if row[0] in seen:
            assert row[1] == seen[row[0]]
            seen[row[0]] += 1
            if row[0] == "E" and row[2] == "app":
                assert row[3] < row[1] and row[4] < row[1]
    declared = [row for row in lines if row[0] in ("def", "thm")]
    assert len(declared) == len([c for c in submission.constants.values() if c.kind in ("def", "thm")])


def test_an_axiom_the_file_declares_is_forbidden_whatever_the_closure_knows():
    """Offline, the replay's axiom list also holds imported theorems (exported oleans make them
    axioms), so only named ones count there; an axiom the file declares counts on both Leans."""
    for native in (False, True):
        status = {"t": TheoremStatus.PROVED}
        found = pipeline._axiom_found("t", "maxLen_eq", native, status, frozenset({"maxLen_eq"}))
        assert [v for v, _ in found] == [Verdict.FORBIDDEN_AXIOM]
        assert status["t"] is TheoremStatus.FORBIDDEN_AXIOM
    assert pipeline._axiom_found("t", "Nat.add_comm", False, {"t": TheoremStatus.PROVED}, frozenset()) == []


def test_a_deep_universe_level_is_renumbered_without_recursion():
    """Issue 26: a level ~600 `succ`s deep broke the request's recursive renumbering."""
    from judge.export_format import Constant
    from judge.replay_request import build_request

    interner = Interner()
    level = 0
    for _ in range(5000):
        level = interner.level(("succ", level))
    sort = interner.expr(("sort", level))
    const = Constant(kind="axiom", name=("deep",), level_params=(), type=sort)
    request = build_request("r1", [], [[const]], interner, []).decode()
    rows = [json.loads(line) for line in request.splitlines()]
    levels = [row for row in rows if row[0] == "L"]
    assert len(levels) == 5000 and all(row[2:] == ["succ", row[1] - 1] for row in levels)


def test_the_problems_own_constants_are_decided_from_the_problem():
    """Identical on its own is not enough: a copy that uses a redefined constant, or a name the
    submission declares that the reference did not, is the submission's; an axiom never is."""
    from judge.checker import problem_owned
    from judge.export_format import Constant, Export

    interner = Interner()
    nat = interner.expr(("const", ("Nat",), ()))

    def const(name, kind="def", value=None, uses=()):
        body = value
        for used in uses:
            body = interner.expr(("app", interner.expr(("const", (used,), ())), body if body is not None else nat))
        return Constant(kind=kind, name=(name,), level_params=(), type=nat, value=body)

    def export(*consts):
        return Export(imports=[], constants={c.name: c for c in consts}, duplicates=set(), messages=[])

    reference = export(
        const("maxLen", value=nat), const("maxLen_eq", "thm", uses=["maxLen"]), const("pos", "thm", uses=["maxLen_eq"])
    )
    changed = export(const("maxLen", value=interner.expr(("nat", "0"))), const("maxLen_eq", "axiom", uses=["maxLen"]),
                     const("pos", "thm", uses=["maxLen_eq"]))  # fmt: skip
    assert problem_owned(interner, reference, changed, set()) == set()
    assert problem_owned(interner, reference, reference, set()) == {("maxLen",), ("maxLen_eq",), ("pos",)}
    axiomatic = export(const("ax", "axiom"), const("user", "thm", uses=["ax"]))
    assert problem_owned(interner, axiomatic, axiomatic, set()) == set()
