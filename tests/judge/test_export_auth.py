"""The export's authentication and the parser's defences against exports the exporter never
writes (a forged one), each refused as an invalid export with no exception escaping."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from judge import pipeline
from judge.checker import check, replay_plan
from judge.export_auth import ExportKey, ExportMissing, ExportTampered, authenticate, sign
from judge.export_format import ExportError, Interner, parse_export
from judge.results import Verdict
from tests.judge.test_exports import (
    ACCEPTED,
    REFERENCE,
    SOLVE_ADD,
    SOLVE_ADD_TARGETS,
    RecordedExportRunner,
    rows,
    unrows,
)

HERE = Path(__file__).resolve().parent


def test_signed_export_authenticates_and_chatter_around_it_is_ignored():
    key = ExportKey.new()
    body = ACCEPTED.removesuffix('["END"]\n')
    stdout = "[DEBUG:A] lean_main entered\nsome warning\n" + sign(key, body) + "[DEBUG:X] exit\n"
    assert authenticate(stdout, key) == ACCEPTED


@pytest.mark.parametrize(
    "tamper",
    [
        lambda out: out.replace('"safe"', '"unsafe"', 1),  # a changed row
        lambda out: out + '["M",{"severity":"information","data":"late"}]\n',  # bytes after the end
        lambda out: out.replace('["BEGIN"]\n', '["BEGIN"]\n["I",0]\n', 1),  # a row slipped in
    ],
)
def test_tampered_export_is_refused(tamper):
    key = ExportKey.new()
    with pytest.raises(ExportTampered):
        authenticate(tamper(sign(key, ACCEPTED.removesuffix('["END"]\n'))), key)


def test_export_signed_with_another_key_is_refused():
    with pytest.raises(ExportTampered):
        authenticate(sign(ExportKey.new(), '["I",0]\n'), ExportKey.new())


def test_export_without_its_end_line_is_missing():
    key = ExportKey.new()
    truncated = sign(key, ACCEPTED.removesuffix('["END"]\n')).rsplit('["END"', 1)[0]
    with pytest.raises(ExportMissing):
        authenticate(truncated, key)


@pytest.fixture
def recorded_reference(monkeypatch):
    monkeypatch.setattr(pipeline.Judge, "reference_export", lambda judge, problem: REFERENCE)


def test_forged_export_is_the_submissions_forbidden_construct(recorded_reference):
    """An honest export written by the file itself, without the job's key: never ACCEPTED."""
    runner = RecordedExportRunner(ACCEPTED, signed=False)
    result = pipeline.judge_submission(SOLVE_ADD, "def x := 1", runner=runner)
    assert result.verdict is Verdict.FORBIDDEN_CONSTRUCT
    assert result.reasons[0].code == "EXPORT_TAMPERED"
    assert result.max_attempts is None  # final, never retried


def test_export_begun_and_never_ended_is_tampered(recorded_reference):
    runner = RecordedExportRunner(None, stdout='["BEGIN"]\n["I",0]\n')
    result = pipeline.judge_submission(SOLVE_ADD, "def x := 1", runner=runner)
    assert result.verdict is Verdict.FORBIDDEN_CONSTRUCT and result.reasons[0].code == "EXPORT_TAMPERED"


@pytest.mark.parametrize(
    "panic", ["INTERNAL PANIC: Nat.shiftLeft exponent is too big", "RuntimeError: table index is out of bounds"]
)
def test_panic_where_the_export_stops_is_a_crash_verdict(recorded_reference, panic):
    runner = RecordedExportRunner(None, stdout='["BEGIN"]\n["N",1,0,"s","a"]\n', stderr=panic, exit_code=1)
    result = pipeline.judge_submission(SOLVE_ADD, "def x := 1", runner=runner)
    assert result.verdict is Verdict.COMPILE_ERROR and result.reasons[0].code == "LEAN_CRASHED"


def test_policy_refusal_is_a_forbidden_construct_naming_line_and_construct(recorded_reference):
    refused = (
        '["M",{"severity":"information","data":"x","pos":{"line":1,"column":0}}]\n'
        '["R","`#eval`",3,0,"this command is not allowed in a submission; remove it"]\n["END"]\n'
    )
    result = pipeline.judge_submission(SOLVE_ADD, "def x := 1", runner=RecordedExportRunner(refused))
    assert result.verdict is Verdict.FORBIDDEN_CONSTRUCT
    reason = result.reasons[0]
    assert reason.code == "FORBIDDEN_COMMAND" and reason.declaration == "`#eval`"
    assert "line 3" in reason.detail and "remove it" in reason.detail


def _with_row(extra: list) -> str:
    items = rows(ACCEPTED)
    return unrows(items[:-1] + [extra, items[-1]])


@pytest.mark.parametrize(
    "text",
    [
        _with_row(["M", {"severity": "error", "data": "x", "pos": [1, 2]}]),  # position not a pair
        _with_row(["M", {"severity": "error", "data": "x", "pos": {"line": 1}, "endPos": "x"}]),
        ACCEPTED.replace('["END"]', '["N",999999,0,"n",' + "9" * 5000 + ']\n["END"]'),  # > 4,300 digits
        _with_row(["N", len([r for r in rows(ACCEPTED) if r[0] == "N"]) + 1, 0, "s", "\ud800"]),  # lone surrogate
        _with_row(["E", len([r for r in rows(ACCEPTED) if r[0] == "E"]), "nat", "²"]),  # non-ASCII digits
        _with_row(["R", 5, "x", 0, "why"]),  # refusal with a non-string construct
    ],
)
def test_forged_rows_are_invalid_exports(text):
    with pytest.raises(ExportError):
        parse_export(text, Interner())


def test_line_separators_inside_strings_do_not_split_rows():
    """Python's str.splitlines() splits at U+0085, U+2028, U+2029; rows end at \\n only."""
    items = rows(ACCEPTED)
    n_exprs = len([r for r in items if r[0] == "E"])
    text = unrows(items[:-1] + [["E", n_exprs, "str", "a\u2028b\u0085c\u2029d"], items[-1]])
    export = parse_export(text, Interner())
    assert export.constants


def test_names_beyond_the_component_limit_are_refused():
    items = rows(ACCEPTED)
    first = len([r for r in items if r[0] == "N"]) + 1
    deep = [["N", first + i, first + i - 1 if i else 0, "s", "x"] for i in range(300)]
    with pytest.raises(ExportError):
        parse_export(unrows(items[:-1] + deep + [items[-1]]), Interner())


def _dag_export(n: int) -> str:
    """n theorems, the k-th mentioning every earlier one through a shared spine of terms: the
    shape that made the dependency walk quadratic."""
    lines = [["N", 1, 0, "s", "True"], ["N", 2, 0, "s", "trivial"]]
    lines += [["E", 0, "sort", 0], ["E", 1, "const", 1, []], ["E", 2, "const", 2, []]]
    expr = 3
    spine = 2
    for k in range(n):
        lines.append(["N", 3 + k, 0, "s", f"t{k}"])
    for k in range(n):
        lines.append(["E", expr, "const", 3 + k, []])
        lines.append(["E", expr + 1, "app", spine, expr])  # the spine grows: shared by later ones
        spine = expr + 1
        lines.append(["thm", 3 + k, [], 1, spine, [3 + k], {}])
        expr += 2
    lines.append(["END"])
    return unrows(lines)


def test_checking_is_linear_in_the_export_size():
    def seconds(n: int) -> float:
        text = _dag_export(n)
        interner = Interner()
        reference = parse_export(REFERENCE, interner)
        started = time.perf_counter()
        submission = parse_export(text, interner)
        check(
            interner=interner,
            reference=reference,
            submission=submission,
            **SOLVE_ADD_TARGETS,
        )
        replay_plan(submission, interner)
        return time.perf_counter() - started

    small, large = seconds(5_000), seconds(40_000)
    # linear: 8x the size costs about 8x (quadratic would be 64x); generous for a loaded machine
    assert large < small * 20, (small, large)


def test_replay_request_of_a_long_name_needs_no_recursion():
    from judge.replay_request import _Request

    request = _Request(Interner())
    name = tuple(f"c{i}" for i in range(5000))
    assert request.name(name) == 5000
    assert json.loads(request.lines[-1])[2] == 4999
