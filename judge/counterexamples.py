"""Counterexamples: a spec theorem refuted on concrete inputs, decided by Lean, checked by us.

The trusted half of the search. `plan_search` chooses the inputs (the problem's tests first,
then values generated from the binders' types: `judge.probe_inputs`) and writes the request
the exporter runs after the file (`judge/lean/export/60-Probes.lean`). The exporter is untrusted: a probe
it reports proved counts only when

1. its statement is `¬ S` where `S` is the *reference* statement with its first binders
   replaced by closed terms (`match_instance`: a structural comparison, so a decoy `Foo.f` in
   an open namespace proves nothing about `f`);
2. what its proof reaches of the submission holds no axiom, `sorry`, or unsafe/partial code;
3. the trusted kernel replays it (with what it reaches), and reports no forbidden axiom.

Then the theorem is false: the verdict may become WRONG_ANSWER (the pipeline decides which
verdicts it replaces). The value the implementation returned is shown when the exporter proved
`f inputs = v` too and that replays.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from judge import probe_inputs
from judge.axioms import axiom_verdict
from judge.checker import problem_owned, related_names, replay_plan
from judge.export_auth import ExportKey
from judge.export_format import Constant, Export, Interner, Name, expr_children, name_to_str, parse_name
from judge.problem_format import ProblemSpec

MAX_PROBES = 48
AUDITED_TESTS = 3  # an ACCEPTED file's outputs compared with this many tests (spec audit)
TESTS_PER_THEOREM = 10
GENERATED_PER_THEOREM = 16
BUDGET_MS = 10_000
HEARTBEATS = 20_000  # thousands, as Lean's `maxHeartbeats` counts them (its default: 200,000)
# `decide` only: its evaluation counts heartbeats; `decide +kernel` hands it to the kernel, which
# does not, so a slow implementation would hold the exporter until its wall limit
TACTICS = ("decide",)
NOT: Name = ("Not",)


@dataclasses.dataclass(frozen=True)
class Probe:
    theorem: str
    definition: str | None  # the implementation applied to the inputs (for its value, or a test's output)
    args: tuple[str, ...]
    origin: str  # "test 2", "generated"
    negate: bool = True
    output: str | None = None
    value: bool = False
    when_clean: bool = False  # run only on a file that leaves nothing unproved (a spec audit)

    def to_json(self) -> dict[str, Any]:
        return {
            "thm": self.theorem,
            "defn": self.definition or "",
            "args": list(self.args),
            "out": self.output,
            "neg": self.negate,
            "value": self.value,
            "when_clean": self.when_clean,
        }


@dataclasses.dataclass(frozen=True)
class ProbeRequest:
    probes: tuple[Probe, ...]
    key: ExportKey = dataclasses.field(default_factory=ExportKey.new)
    nonce: str = dataclasses.field(default_factory=lambda: secrets.token_hex(8))
    only_if_unclean: bool = True
    stop_at_first: bool = True
    budget_ms: int = BUDGET_MS
    heartbeats: int = HEARTBEATS

    def line(self) -> bytes:
        """The exporter's second stdin line."""
        body = {
            "r": str(self.key.r),
            "s": str(self.key.s),
            "nonce": self.nonce,
            "only_if_unclean": self.only_if_unclean,
            "stop_at_first": self.stop_at_first,
            "budget_ms": self.budget_ms,
            "heartbeats": self.heartbeats,
            "tactics": list(TACTICS),
            "probes": [p.to_json() for p in self.probes],
        }
        return b"probes " + json.dumps(body, ensure_ascii=False).encode() + b"\n"

    @property
    def namespace(self) -> str:
        return f"ArenaProbe_{self.nonce}"


NO_PROBES_LINE = b"probes {}\n"


@dataclasses.dataclass(frozen=True)
class Binders:
    """A statement's leading binders of supported types: names, types and shapes."""

    names: list[str]
    types: list[int]
    shapes: list[probe_inputs.Shape]
    body: int  # the statement under those binders


def leading_binders(interner: Interner, type_id: int) -> Binders:
    names: list[str] = []
    types: list[int] = []
    shapes: list[probe_inputs.Shape] = []
    node = interner.exprs[type_id]
    while node[0] == "pi":
        shape = probe_inputs.shape_of(interner, node[2])
        if shape is None:
            break
        names.append(name_to_str(node[1]) if node[1] else "_")
        types.append(interner.erased(node[2]))
        shapes.append(shape)
        type_id = node[3]
        node = interner.exprs[type_id]
    return Binders(names, types, shapes, type_id)


def plan_search(problem: ProblemSpec, reference: Export, interner: Interner, *, seed: str) -> ProbeRequest:
    """The refutations to try for a submission: each theorem on the tests' inputs, then on
    generated ones, round-robin between theorems, at most MAX_PROBES in all."""
    per_theorem: list[list[Probe]] = []
    for theorem in problem.theorem_names:
        const = reference.constants.get(parse_name(theorem))
        if const is None:
            continue
        binders = leading_binders(interner, const.type)
        definition = implementation_of(problem, reference, interner, binders)
        probes = [
            Probe(theorem, definition, tuple(args), f"test {number}", value=definition is not None)
            for number, args in _test_inputs(problem, reference, interner, binders, definition)
        ]
        probes += [
            Probe(theorem, definition, tuple(args), "generated", value=definition is not None)
            for args in probe_inputs.generated_inputs(binders.shapes, f"{seed}:{theorem}", GENERATED_PER_THEOREM)
        ]
        if not binders.shapes:
            probes = [Probe(theorem, None, (), "closed statement")]
        per_theorem.append(_dedupe(probes))
    tests_first = sorted(
        (p for probes in per_theorem for p in probes if p.origin.startswith("test")),
        key=lambda p: int(p.origin.split()[1]),
    )
    generated = [p for group in _round_robin(per_theorem) for p in group if not p.origin.startswith("test")]
    audits = audit_probes(problem, reference, interner)
    return ProbeRequest(probes=tuple((audits + tests_first + generated)[:MAX_PROBES]))


def audit_probes(problem: ProblemSpec, reference: Export, interner: Interner) -> list[Probe]:
    """For a file that proves everything: does its implementation return each test's expected
    output? A probe `f inputs ≠ expected` that Lean proves shows the spec too weak (the file is
    ACCEPTED, so it meets the spec, yet disagrees with the test)."""
    audits: list[Probe] = []
    shaped = shaped_theorems(problem, reference, interner)
    if not shaped:
        return []
    _theorem, definition, parameter_names, shapes, result = shaped[0]
    for number, test in enumerate(problem.tests, start=1):
        if len(audits) >= AUDITED_TESTS:
            break
        if not isinstance(test, dict) or "input" not in test or "output" not in test:
            continue
        args = probe_inputs.test_arguments(test["input"], parameter_names, shapes)
        expected = probe_inputs.lean_text(test["output"], result)
        if args is not None and expected is not None:
            audits.append(
                Probe("", definition, tuple(args), f"test {number}", output=expected, value=True, when_clean=True)
            )
    return audits


def implementation_of(problem: ProblemSpec, reference: Export, interner: Interner, binders: Binders) -> str | None:
    """The definition to implement whose parameters are the theorem's inputs, in order."""
    for name in problem.definition_names:
        const = reference.constants.get(parse_name(name))
        if const is not None and leading_binders(interner, const.type).types == binders.types and binders.types:
            return name
    return None


def shaped_theorems(
    problem: ProblemSpec, reference: Export, interner: Interner
) -> list[tuple[str, str, list[str], list[probe_inputs.Shape], probe_inputs.Shape | None]]:
    """(theorem, implementation, its parameter names, their shapes, its result's shape) for each
    theorem whose inputs are the implementation's parameters."""
    found = []
    for theorem in problem.theorem_names:
        const = reference.constants.get(parse_name(theorem))
        if const is None:
            continue
        binders = leading_binders(interner, const.type)
        definition = implementation_of(problem, reference, interner, binders)
        if definition is None:
            continue
        own = leading_binders(interner, reference.constants[parse_name(definition)].type)
        result = probe_inputs.shape_of(interner, own.body)
        found.append((theorem, definition, own.names, binders.shapes, result))
    return found


def _test_inputs(
    problem: ProblemSpec, reference: Export, interner: Interner, binders: Binders, definition: str | None
) -> list[tuple[int, list[str]]]:
    if definition is None:
        return []
    parameter_names = leading_binders(interner, reference.constants[parse_name(definition)].type).names
    found = []
    for number, test in enumerate(problem.tests, start=1):
        if not isinstance(test, dict) or "input" not in test:
            continue
        args = probe_inputs.test_arguments(test["input"], parameter_names, binders.shapes)
        if args is None:
            args = probe_inputs.test_arguments(test["input"], binders.names, binders.shapes)
        if args is not None:
            found.append((number, args))
        if len(found) >= TESTS_PER_THEOREM:
            break
    return found


def _dedupe(probes: list[Probe]) -> list[Probe]:
    seen: set[tuple[str, ...]] = set()
    kept = []
    for probe in probes:
        if probe.args not in seen:
            seen.add(probe.args)
            kept.append(probe)
    return kept


def _round_robin(groups: list[list[Probe]]) -> list[list[Probe]]:
    longest = max((len(g) for g in groups), default=0)
    return [[g[i] for g in groups if i < len(g)] for i in range(longest)]


# --- what the exporter proved, checked ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Counterexample:
    theorem: str
    inputs: list[tuple[str, str]]  # (binder name, value as Lean writes it)
    statement: str  # what was refuted, readable
    returned: str | None  # what the implementation returned on the inputs, when shown
    definition: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "theorem": self.theorem,
            "inputs": [{"name": n, "value": v} for n, v in self.inputs],
            "statement": self.statement,
            "definition": self.definition,
            "returned": self.returned,
        }

    def summary(self) -> str:
        inputs = ", ".join(f"{n} = {v}" for n, v in self.inputs) or "its statement"
        shown = f"; {self.definition} returns {self.returned} there" if self.returned and self.definition else ""
        return f"{self.theorem} is false for {inputs}{shown} (proved by evaluation, checked by the kernel)"


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A refutation that passed the structural checks: the kernel decides the rest."""

    counterexample: Counterexample
    plan: list[list[Constant]]  # what the replay must check: the probe's theorems and what they reach
    checked_names: tuple[Name, ...]  # the theorems whose axioms the replay reports


def candidates(
    problem: ProblemSpec, interner: Interner, reference: Export, submission: Export, request: ProbeRequest
) -> Iterator[Candidate]:
    """The refutations the exporter reports proved, in its order, that state the negation of a
    reference statement's instance and reach nothing unproved."""
    section = submission.probes
    if section is None:
        return
    known = {**submission.constants, **section.constants}
    foreign = _file_meanings(problem, interner, reference, submission)
    for outcome in section.outcomes:
        if outcome.status != "proved" or not 0 <= outcome.index < len(request.probes):
            continue
        probe = request.probes[outcome.index]
        if probe.when_clean or probe.output is not None or outcome.proved != (request.namespace, "p", outcome.index):
            continue
        const = section.constants.get(outcome.proved)
        reference_const = reference.constants.get(parse_name(probe.theorem))
        if const is None or const.kind != "thm" or const.level_params or reference_const is None:
            continue
        negated = _negated(interner, const.type)
        args = match_instance(interner, reference_const.type, negated, len(probe.args)) if negated is not None else None
        reached = closure([const.name], known, interner) if args is not None else None
        if args is None or reached is None or foreign(a for a in args if a != -1):
            continue
        checked = [const.name]
        returned = None
        value = section.constants.get(outcome.value) if outcome.value is not None else None
        if value is not None and probe.definition and -1 not in args:
            returned = _returned(interner, value, parse_name(probe.definition), args, foreign)
            value_reach = closure([value.name], known, interner) if returned is not None else None
            if value_reach is None:
                returned = None
            else:
                reached.update(value_reach)
                checked.append(value.name)
        names = leading_binders(interner, reference_const.type).names
        shown = [
            (names[i] if i < len(names) else f"x{i + 1}", render(interner, arg) or probe.args[i])
            for i, arg in enumerate(args)
        ]
        found = Counterexample(
            theorem=probe.theorem,
            inputs=shown,
            statement=f"¬ {probe.theorem} " + " ".join(f"({v})" for _, v in shown),
            returned=returned,
            definition=probe.definition if returned is not None else None,
        )
        yield Candidate(found, replay_group(reached, interner), tuple(checked))


@dataclasses.dataclass(frozen=True)
class AuditFinding:
    """An ACCEPTED file whose implementation does not return a test's expected output."""

    test: int
    definition: str
    inputs: list[str]
    expected: str
    returned: str | None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def audit_candidates(
    problem: ProblemSpec, interner: Interner, reference: Export, submission: Export, request: ProbeRequest
) -> Iterator[tuple[AuditFinding, list[list[Constant]], tuple[Name, ...]]]:
    """The audit probes the exporter proved whose statement is `¬ f inputs = out` for the
    implementation `f` and closed terms that mean what the problem says (`_file_meanings`),
    reaching nothing unproved."""
    section = submission.probes
    if section is None:
        return
    known = {**submission.constants, **section.constants}
    foreign = _file_meanings(problem, interner, reference, submission)
    for outcome in section.outcomes:
        if outcome.status != "proved" or not 0 <= outcome.index < len(request.probes):
            continue
        probe = request.probes[outcome.index]
        const = section.constants.get(outcome.proved) if outcome.proved is not None else None
        if not probe.when_clean or probe.definition is None or const is None or const.kind != "thm":
            continue
        if outcome.proved != (request.namespace, "p", outcome.index):
            continue
        negated = _negated(interner, const.type)
        equation = _equation(interner, negated, parse_name(probe.definition)) if negated is not None else None
        reached = closure([const.name], known, interner) if equation is not None else None
        if equation is None or reached is None or foreign([equation[1], *equation[0]]):
            continue
        args, _output = equation
        checked = [const.name]
        value = section.constants.get(outcome.value) if outcome.value is not None else None
        returned = (
            _returned(interner, value, parse_name(probe.definition), args, foreign) if value is not None else None
        )
        value_reach = closure([value.name], known, interner) if value is not None and returned is not None else None
        if value is not None and value_reach is not None:
            reached.update(value_reach)
            checked.append(value.name)
        else:
            returned = None
        finding = AuditFinding(
            test=int(probe.origin.split()[1]),
            definition=probe.definition,
            inputs=list(probe.args),
            expected=probe.output or "",
            returned=returned,
        )
        yield finding, replay_group(reached, interner), tuple(checked)


def _equation(interner: Interner, type_id: int, definition: Name) -> tuple[list[int], int] | None:
    """(args, out) when the term is `definition args = out` with closed args and out."""
    head, eq_args = probe_inputs._spine(interner, type_id)
    if head != ("Eq",) or len(eq_args) != 3:
        return None
    applied, args = probe_inputs._spine(interner, eq_args[1])
    loose = _LooseBvars(interner)
    if applied != definition or any(loose.range(a) for a in [*args, eq_args[2]]):
        return None
    return args, eq_args[2]


def _negated(interner: Interner, type_id: int) -> int | None:
    """`X` when the term is `Not X`."""
    node = interner.exprs[type_id]
    if node[0] != "app":
        return None
    head = interner.exprs[node[1]]
    return node[2] if head[0] == "const" and head[1] == NOT and head[2] == () else None


def _file_meanings(
    problem: ProblemSpec, interner: Interner, reference: Export, submission: Export
) -> Callable[[Iterable[int]], bool]:
    """Whether terms use a constant of the file that is not the problem's (`checker.problem_owned`).

    The probes' inputs and outputs are elaborated in the file's environment, so the file's own
    `instance : OfNat Int n := ⟨n + 1⟩` can make a probe's `1` mean 2; the kernel-checked term
    then holds that instance. A term that uses only imported constants and the problem's own
    means what its rendering says; any other is not shown, and its probe is not used."""
    targets = {parse_name(n) for n in problem.definition_names + problem.theorem_names}
    allowed = problem_owned(interner, reference, submission, targets)
    file_names = set(submission.constants) - allowed
    if submission.probes is not None:
        file_names |= set(submission.probes.constants)

    def uses_the_file(terms: Iterable[int]) -> bool:
        return bool(interner.constants_in(list(terms), set()) & file_names)

    return uses_the_file


def _returned(
    interner: Interner,
    value: Constant,
    definition: Name,
    args: list[int],
    foreign: Callable[[Iterable[int]], bool] = lambda _terms: False,
) -> str | None:
    """`v`, shown, when the theorem states `definition args = v` and `v` means what it shows."""
    if value.kind != "thm" or value.level_params:
        return None
    head, eq_args = probe_inputs._spine(interner, value.type)
    if head != ("Eq",) or len(eq_args) != 3:
        return None
    applied, applied_args = probe_inputs._spine(interner, eq_args[1])
    if applied != definition or [interner.erased(a) for a in applied_args] != [interner.erased(a) for a in args]:
        return None
    if foreign([eq_args[2]]):
        return None
    return render(interner, eq_args[2])


def match_instance(interner: Interner, statement: int, instance: int, count: int) -> list[int] | None:  # noqa: C901 - one structural walk
    """The closed terms `t₁…tₙ` (n = count) such that `instance` is `statement` with its first
    `count` binders instantiated by them (up to binder names and infos), or None. A binder the
    body never uses gets -1."""
    body = interner.erased(statement)
    for _ in range(count):
        node = interner.exprs[body]
        if node[0] != "pi":
            return None
        body = node[3]
    target = interner.erased(instance)
    loose = _LooseBvars(interner)
    assigned: dict[int, int] = {}
    stack = [(body, target, 0)]
    seen: set[tuple[int, int, int]] = set()
    while stack:
        item = stack.pop()
        if item in seen:
            continue
        seen.add(item)
        pattern, term, depth = item
        if pattern == term and loose.range(pattern) <= depth:
            continue
        p, t = interner.exprs[pattern], interner.exprs[term]
        if p[0] == "bvar" and p[1] >= depth:
            var = p[1] - depth
            if var >= count or loose.range(term) != 0 or assigned.setdefault(var, term) != term:
                return None
            continue
        if p[0] != t[0] or _fields(p) != _fields(t):
            return None
        binder_kind = p[0] in ("lam", "pi")
        for index, (pc, tc) in enumerate(zip(expr_children(p), expr_children(t), strict=True)):
            inner = depth + 1 if (binder_kind and index == 1) or (p[0] == "let" and index == 2) else depth
            stack.append((pc, tc, inner))
    return [assigned.get(count - 1 - i, -1) for i in range(count)]


def _fields(node: tuple[Any, ...]) -> tuple[Any, ...]:
    """What two nodes of a kind must share besides their children."""
    kind = node[0]
    if kind in ("app", "lam", "pi"):
        return (kind,)
    if kind == "let":
        return (kind, node[5])
    if kind == "proj":
        return (kind, node[1], node[2])
    return node


class _LooseBvars:
    """1 + the largest loose de Bruijn index of a term (0: closed), memoised."""

    def __init__(self, interner: Interner) -> None:
        self.interner = interner
        self.memo: dict[int, int] = {}

    def range(self, root: int) -> int:
        from judge.export_format import children_first

        exprs, memo = self.interner.exprs, self.memo
        for expr_id in children_first(exprs, root, memo):
            node = exprs[expr_id]
            kind = node[0]
            if kind == "bvar":
                memo[expr_id] = node[1] + 1
            elif kind in ("lam", "pi"):
                memo[expr_id] = max(memo[node[2]], memo[node[3]] - 1, 0)
            elif kind == "let":
                memo[expr_id] = max(memo[node[2]], memo[node[3]], memo[node[4]] - 1, 0)
            else:
                memo[expr_id] = max((memo[c] for c in expr_children(node)), default=0)
        return memo[root]


def closure(start: list[Name], constants: dict[Name, Constant], interner: Interner) -> dict[Name, Constant] | None:
    """The submitted constants `start` reaches (with themselves), or None when it reaches an
    axiom, `sorry`, a native evaluation or unsafe, partial or opaque code."""
    reached: dict[Name, Constant] = {}
    order = list(start)
    seen = set(order)
    visited: set[int] = set()
    while order:
        name = order.pop()
        const = constants.get(name)
        if const is None:
            if axiom_verdict(name, closure_complete=False) is not None:
                return None
            continue
        if const.kind in ("axiom", "opaque") or const.safety != "safe":
            return None
        reached[name] = const
        for used in interner.constants_in(const.term_roots(), visited) | related_names(const):
            if used not in seen:
                seen.add(used)
                order.append(used)
    return reached


def replay_group(constants: dict[Name, Constant], interner: Interner) -> list[list[Constant]]:
    """The replay plan of exactly these constants, dependencies first."""
    return replay_plan(Export(imports=[], constants=constants, duplicates=set(), messages=[]), interner)


# --- showing terms ----------------------------------------------------------------------------


def render(interner: Interner, expr_id: int, budget: int = 200) -> str | None:  # noqa: C901 - one case per literal form
    """A value term as Lean would print it (numerals, lists, arrays, options, pairs, booleans,
    characters, strings), or None when it is not one of those."""
    if expr_id < 0 or budget <= 0:
        return None
    node = interner.exprs[expr_id]
    if node[0] == "nat":
        return _numeral(node[1])
    if node[0] == "str":
        return json.dumps(node[1], ensure_ascii=False)
    head, args = probe_inputs._spine(interner, expr_id)
    if head is None:
        return None

    def sub(i: int) -> str | None:
        return render(interner, args[i], budget // 2)

    simple = {("Bool", "true"): "true", ("Bool", "false"): "false", ("Option", "none"): "none"}
    if head in simple:
        return simple[head]
    if head == ("OfNat", "ofNat") and len(args) == 3:
        return sub(1)
    if head in (("Int", "ofNat"), ("Nat", "cast"), ("Int", "toNat")) and len(args) >= 1:
        return render(interner, args[-1], budget // 2)
    if head == ("Int", "negSucc") and len(args) == 1:
        inner = sub(0)
        # a rendered numeral is all digits only up to SHOWN_DIGITS: int() stays bounded
        return f"-{int(inner) + 1}" if inner is not None and inner.isdigit() else None
    if head == ("Neg", "neg") and len(args) == 3:
        inner = sub(2)
        return f"-{inner}" if inner is not None else None
    if head == ("Option", "some") and len(args) == 2:
        inner = sub(1)
        return f"some {inner}" if inner is not None else None
    if head == ("Prod", "mk") and len(args) == 4:
        first, second = sub(2), sub(3)
        return f"({first}, {second})" if first is not None and second is not None else None
    if head == ("Char", "ofNat") and len(args) == 1:
        code = sub(0)
        if code is None or not code.isdigit() or len(code) > 7 or int(code) >= 0x110000:
            return None
        return repr(chr(int(code)))
    if head in (("List", "nil"), ("List", "cons")):
        items = _list_items(interner, expr_id, budget)
        return "[" + ", ".join(items) + "]" if items is not None else None
    if head in (("List", "toArray"), ("Array", "mk")) and len(args) == 2:
        items = _list_items(interner, args[1], budget)
        return "#[" + ", ".join(items) + "]" if items is not None else None
    if head == ("Fin", "mk") and len(args) == 3:
        return sub(1)
    return None


# a numeral longer than this is shown by its ends and its length (the text stays true)
SHOWN_DIGITS = 40


def _numeral(digits: str) -> str:
    if len(digits) <= SHOWN_DIGITS:
        return digits
    return f"{digits[:12]}…{digits[-12:]} ({len(digits)} digits)"


def _list_items(interner: Interner, expr_id: int, budget: int) -> list[str] | None:
    items: list[str] = []
    while True:
        head, args = probe_inputs._spine(interner, expr_id)
        if head == ("List", "nil"):
            return items
        if head != ("List", "cons") or len(args) != 3 or len(items) >= 50:
            return None
        item = render(interner, args[1], budget // 2)
        if item is None:
            return None
        items.append(item)
        expr_id = args[2]
