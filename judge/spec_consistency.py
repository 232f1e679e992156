"""Is each of a problem's tests consistent with its specification? Decided by Lean.

For a theorem whose inputs are the implementation's parameters (the `prop inputs output` shape,
`theorem f_spec (x) : P x (f x)`, or the theorem shape, `theorem f_spec (x) : f x = …`), a test
`(inputs, output)` is put in: the theorem's instance on the inputs with `f inputs` replaced by
the output. The exporter tries to prove it, and its negation, on the problem's template (the
implementation is `sorry` there: only the output can make the statement decidable). Each
listed wrong output (`wrong_outputs`, VERINA's `unexpected`) is put in the same way. A test is

- consistent: every such theorem holds on the expected output, and each wrong output breaks one;
- inconsistent: one fails on the expected output, or a wrong output satisfies them all;
- undecided: neither could be shown (a statement Lean cannot decide);
- invalid: the test cannot be put into the problem's terms (not a value of the signature: a term,
  a lone surrogate), refused at validation.

Every proof counted is replayed by the trusted kernel (the pipeline does it).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from judge import probe_inputs
from judge.counterexamples import (
    Probe,
    ProbeRequest,
    closure,
    replay_group,
    shaped_theorems,
    tactics_for,
)
from judge.export_format import Constant, Export, Interner, Name
from judge.problem_format import ProblemSpec

CONSISTENT = "consistent"
INCONSISTENT = "inconsistent"
UNDECIDED = "undecided"
INVALID = "invalid"  # the test cannot be put into the problem's terms: refused at validation
MAX_TESTS = 40
BUDGET_MS = 60_000


@dataclasses.dataclass(frozen=True)
class TestCheck:
    number: int  # the test's place in the problem's list, from 1
    status: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class _Planned:
    """What probe `index` asks: test `number`, theorem, `output` (None: the expected one), and
    whether it is the negation."""

    number: int
    theorem: str
    output: str | None
    negate: bool


@dataclasses.dataclass
class TestPlan:
    request: ProbeRequest
    planned: list[_Planned]
    unreadable: dict[int, str]  # tests that cannot be put in, and why
    theorems: list[str]  # the theorems in a shape tests can be put into


def plan(problem: ProblemSpec, reference: Export, interner: Interner) -> TestPlan:
    probes: list[Probe] = []
    planned: list[_Planned] = []
    unreadable: dict[int, str] = {}
    shaped = shaped_theorems(problem, reference, interner)
    for number, test in enumerate(problem.tests[:MAX_TESTS], start=1):
        if not isinstance(test, dict) or "input" not in test or "output" not in test:
            unreadable[number] = "a test needs an input and an output"
            continue
        for theorem, definition, parameter_names, shapes, result in shaped:
            args = probe_inputs.test_arguments(test["input"], parameter_names, shapes)
            expected = probe_inputs.lean_text(test["output"], result)
            if args is None or expected is None:
                unreadable[number] = (
                    "its input or output is not a value of the implementation's signature (numbers, strings,"
                    " characters, booleans, lists, arrays, options and pairs of them)"
                )
                break
            wrong = [probe_inputs.lean_text(w, result) for w in _wrong_outputs(test)]
            for output in [None, *wrong]:
                text = expected if output is None else output
                if text is None:
                    continue
                for negate in (False, True):
                    probes.append(Probe(theorem, definition, tuple(args), f"test {number}", negate, text))
                    planned.append(_Planned(number, theorem, output, negate))
    request = ProbeRequest(
        probes=tuple(probes),
        only_if_unclean=False,
        stop_at_first=False,
        budget_ms=BUDGET_MS,
        tactics=tactics_for(reference, interner),
    )
    return TestPlan(request, planned, unreadable, [t for t, *_ in shaped])


def _wrong_outputs(test: dict[str, Any]) -> list[Any]:
    wrong = test.get("wrong_outputs", test.get("unexpected", []))
    return list(wrong) if isinstance(wrong, list) else []


def proved_probes(interner: Interner, export: Export, request: ProbeRequest) -> dict[int, dict[Name, Constant]]:
    """Probe index → what its proof reaches, for each probe the exporter proved under the
    request's nonce whose proof reaches nothing unproved."""
    section = export.probes
    if section is None:
        return {}
    known = {**export.constants, **section.constants}
    found = {}
    for outcome in section.outcomes:
        if outcome.status != "proved" or outcome.proved != (request.namespace, "p", outcome.index):
            continue
        const = section.constants.get(outcome.proved)
        if const is None or const.kind != "thm":
            continue
        reached = closure([const.name], known, interner)
        if reached is not None:
            found[outcome.index] = reached
    return found


def replay_plan_of(proved: dict[int, dict[Name, Constant]], interner: Interner) -> list[list[Constant]]:
    merged: dict[Name, Constant] = {}
    for reached in proved.values():
        merged.update(reached)
    return replay_group(merged, interner)


def decide(test_plan: TestPlan, proved: set[int], problem: ProblemSpec) -> list[TestCheck]:
    """Each test's status from the probes the kernel confirmed."""
    results = []
    for number in range(1, min(len(problem.tests), MAX_TESTS) + 1):
        if number in test_plan.unreadable:
            results.append(TestCheck(number, INVALID, test_plan.unreadable[number]))
            continue
        if not test_plan.theorems:
            results.append(
                TestCheck(number, UNDECIDED, "no theorem takes the implementation's inputs: tests cannot be put in")
            )
            continue
        results.append(_decide_one(number, test_plan, proved))
    return results


def _decide_one(number: int, test_plan: TestPlan, proved: set[int]) -> TestCheck:
    shown: dict[tuple[str, str | None, bool], bool] = {}
    outputs: set[str | None] = set()
    for index, p in enumerate(test_plan.planned):
        if p.number == number:
            shown[(p.theorem, p.output, p.negate)] = index in proved
            outputs.add(p.output)
    theorems = test_plan.theorems
    failing = [t for t in theorems if shown.get((t, None, True))]
    if failing:
        return TestCheck(number, INCONSISTENT, f"the expected output fails {', '.join(failing)}")
    accepted_wrong = [w for w in outputs if w is not None and all(shown.get((t, w, False)) for t in theorems)]
    if accepted_wrong:
        return TestCheck(number, INCONSISTENT, f"the wrong output {accepted_wrong[0]} satisfies the specification")
    holds = all(shown.get((t, None, False)) for t in theorems)
    wrong_rejected = all(any(shown.get((t, w, True)) for t in theorems) for w in outputs if w is not None)
    if holds and wrong_rejected:
        return TestCheck(
            number,
            CONSISTENT,
            "the specification holds on the expected output"
            + (" and fails on each wrong output" if len(outputs) > 1 else ""),
        )
    return TestCheck(number, UNDECIDED, "Lean could not decide the specification on this test")
