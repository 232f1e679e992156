"""The trusted comparisons: the submission's export against the reference's.

Everything here runs on validated exports (`export_format`). It decides what the kernel must
replay and which reasons apply; it never trusts a message or a flag to grant anything.
The checker is its list of properties, one function each, each returning its findings:

- `check_imports`: nothing imported beyond the problem's imports;
- `check_targets`: every target exists exactly once, with the reference's kind, universe
  parameters and type, and every definition to implement is safe;
- `check_statement_dependencies`: every constant the target statements use, transitively, is
  identical to the reference's (values included), except the bodies of the definitions;
- `check_redefinitions`: nothing the problem declares is declared again by the submission;
- `check_reachability`: what each target reaches in the submission: axioms by origin (the
  submission's own and Lean's that trust compiled code are forbidden, `sorryAx` makes the proof
  incomplete: `judge.axioms`), and no unsafe, partial or opaque constant;
- `check_definitions_are_code`: a definition to implement computes (no `Classical.choose` value);
- `check_native_reduction`: no term anywhere that the kernel would evaluate by compiled code;
- `check_attributes`: no `implemented_by`, `extern` or `export` attribute on any constant.

`check()` joins them, in that order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterator
from typing import NamedTuple, TypeVar

from judge.axioms import axiom_verdict
from judge.export_format import (
    Constant,
    ConstructorInfo,
    Export,
    InductiveInfo,
    Interner,
    Name,
    expr_children,
    name_to_str,
    parse_name,
)
from judge.results import Reason, ReasonCode, TheoremStatus, Verdict

_N = TypeVar("_N", bound=Hashable)
# a node of the replay plan's graph: a term id, or ("group", the group's name)
_PlanNode = int | tuple[str, Name]

# Terms the kernel reduces by running compiled code.
NATIVE_REDUCTION = {("Lean", "reduceBool"), ("Lean", "reduceNat")}


@dataclasses.dataclass
class CheckOutcome:
    reasons: list[tuple[Verdict, Reason]]
    theorem_status: dict[str, TheoremStatus]
    replay_plan: list[list[Constant]]  # dependency-ordered groups (an inductive block is one group)


class Target(NamedTuple):
    name: Name
    kind: str  # "def" (a definition to implement) or "thm"
    theorem: str | None  # the theorem's name as the problem spells it; None for a definition


@dataclasses.dataclass(frozen=True)
class Finding:
    verdict: Verdict
    reason: Reason
    # theorems this finding marks; a theorem shows the first finding that marks it
    marks: tuple[tuple[str, TheoremStatus], ...] = ()


def _finding(
    verdict: Verdict,
    code: ReasonCode,
    declaration: str | None,
    detail: str,
    target: Target | None = None,
    status: TheoremStatus | None = None,
) -> Finding:
    """A finding; it marks `target`'s theorem with `status` when the target is a theorem."""
    marks = ((target.theorem, status),) if target is not None and target.theorem and status else ()
    return Finding(verdict, Reason(code=code, declaration=declaration, detail=detail), marks)


def check(
    *,
    interner: Interner,
    reference: Export,
    submission: Export,
    definitions: list[str],
    theorems: list[str],
    allowed_imports: list[str],
) -> CheckOutcome:
    targets = [Target(parse_name(d), "def", None) for d in definitions] + [
        Target(parse_name(t), "thm", t) for t in theorems
    ]
    findings = [
        *check_imports(submission, allowed_imports),
        *check_targets(interner, reference, submission, targets),
        *check_statement_dependencies(interner, reference, submission, targets, theorems),
        *check_redefinitions(interner, reference, submission, targets, theorems),
        *check_reachability(interner, reference, submission, targets),
        *check_definitions_are_code(interner, submission, targets),
        *check_native_reduction(interner, submission),
        *check_attributes(submission),
    ]
    status: dict[str, TheoremStatus] = {t: TheoremStatus.PROVED for t in theorems}
    for finding in findings:
        for theorem, new in finding.marks:
            if status.get(theorem) is TheoremStatus.PROVED:
                status[theorem] = new
    return CheckOutcome(
        reasons=_dedupe([(f.verdict, f.reason) for f in findings]),
        theorem_status=status,
        replay_plan=replay_plan(submission, interner),
    )


def check_imports(submission: Export, allowed_imports: list[str]) -> list[Finding]:
    allowed = {parse_name(m) for m in allowed_imports} | {("Init",)}
    return [
        _finding(
            Verdict.FORBIDDEN_CONSTRUCT,
            ReasonCode.FORBIDDEN_IMPORT,
            name_to_str(module),
            "imports beyond the problem's are not allowed",
        )
        for module in submission.imports
        if module not in allowed
    ]


def check_targets(interner: Interner, reference: Export, submission: Export, targets: list[Target]) -> list[Finding]:
    found = (_target_finding(interner, reference, submission, target) for target in targets)
    return [finding for finding in found if finding is not None]


def _target_finding(interner: Interner, reference: Export, submission: Export, target: Target) -> Finding | None:
    shown = name_to_str(target.name)
    ref = reference.constants.get(target.name)
    if ref is None:
        raise ValueError(f"the reference does not declare {shown}")
    sub = submission.constants.get(target.name)
    if sub is None:
        return _finding(
            Verdict.STATEMENT_MISMATCH,
            ReasonCode.MISSING,
            shown,
            f"{shown} is not declared",
            target,
            TheoremStatus.MISSING,
        )
    mismatch = None
    if target.name in submission.duplicates:
        mismatch = f"{shown} is declared more than once"
    elif sub.kind != ref.kind:
        mismatch = f"{shown} must be a {_kind_word(ref.kind)}, not a {_kind_word(sub.kind)}"
    elif sub.level_params != ref.level_params:
        mismatch = f"{shown} has other universe parameters than the problem's"
    elif interner.erased(sub.type) != interner.erased(ref.type):
        mismatch = f"the statement of {shown} differs from the problem's"
    if mismatch is not None:
        return _finding(
            Verdict.STATEMENT_MISMATCH, ReasonCode.MISMATCH, shown, mismatch, target, TheoremStatus.MISMATCH
        )
    if target.kind == "def" and sub.safety != "safe":
        return _finding(
            Verdict.FORBIDDEN_CONSTRUCT,
            ReasonCode.UNSAFE_DEFINITION,
            shown,
            f"{shown} must be a safe definition (not {sub.safety})",
        )
    return None


def check_statement_dependencies(
    interner: Interner, reference: Export, submission: Export, targets: list[Target], theorems: list[str]
) -> list[Finding]:
    """What the statements use must be the reference's own, values included."""
    refs, subs = reference.constants, submission.constants
    definitions = {t.name for t in targets if t.kind == "def"}
    found: list[Finding] = []
    seen: set[Name] = set()
    visited: set[int] = set()
    frontier: set[Name] = set()
    for target in targets:
        frontier |= interner.constants_in([refs[target.name].type], visited)
    while frontier:
        name = frontier.pop()
        if name in seen or name not in refs or name in definitions:
            continue
        seen.add(name)
        ref = refs[name]
        sub = subs.get(name)
        if sub is None or not _identical(interner, ref, sub) or name in submission.duplicates:
            found.append(
                Finding(
                    Verdict.STATEMENT_MISMATCH,
                    Reason(
                        ReasonCode.CHANGED_DEPENDENCY,
                        name_to_str(name),
                        "the problem's statement depends on this declaration, which the submission changed or removed",
                    ),
                    tuple((theorem, TheoremStatus.MISMATCH) for theorem in theorems),
                )
            )
            continue
        frontier |= interner.constants_in(ref.term_roots(), visited)
        frontier |= related_names(ref)
    return found


def check_reachability(
    interner: Interner, reference: Export, submission: Export, targets: list[Target]
) -> list[Finding]:
    """What each target reaches in the submission: axioms, sorry, unsafe code."""
    subs = submission.constants
    owned = problem_owned(interner, reference, submission, {t.name for t in targets})
    found: list[Finding] = []
    for target in targets:
        if target.name not in subs:
            continue
        for reached_name, reached in _reachable(target.name, subs, interner, owned):
            if reached is None:
                found += _imported_axiom(target, reached_name)
            else:
                found += _submitted_constant(target, reached_name, reached, subs)
    return found


def _imported_axiom(target: Target, reached: Name) -> list[Finding]:
    verdict = axiom_verdict(reached, closure_complete=False)
    if verdict is Verdict.INCOMPLETE_PROOF:
        return [
            _finding(verdict, ReasonCode.SORRY, name_to_str(target.name), "uses `sorry`", target, TheoremStatus.SORRY)
        ]
    if verdict is Verdict.FORBIDDEN_AXIOM:
        shown = name_to_str(reached)
        return [
            _finding(
                verdict,
                ReasonCode.FORBIDDEN_AXIOM,
                shown,
                f"{name_to_str(target.name)} depends on {shown}, which trusts compiled code",
                target,
                TheoremStatus.FORBIDDEN_AXIOM,
            )
        ]
    return []


def _submitted_constant(target: Target, name: Name, const: Constant, subs: dict[Name, Constant]) -> list[Finding]:
    shown, root = name_to_str(name), name_to_str(target.name)
    found: list[Finding] = []
    if const.kind == "axiom":
        found.append(
            _finding(
                Verdict.FORBIDDEN_AXIOM,
                ReasonCode.FORBIDDEN_AXIOM,
                shown,
                f"{root} depends on the axiom {shown}, declared by the submission",
                target,
                TheoremStatus.FORBIDDEN_AXIOM,
            )
        )
    if const.safety != "safe" or const.kind == "opaque":
        if const.safety == "partial" or _is_partial(name, subs):
            what = "partial"
        else:
            what = "opaque" if const.kind == "opaque" else "unsafe"
        found.append(
            _finding(
                Verdict.FORBIDDEN_CONSTRUCT,
                ReasonCode.UNSAFE_OR_PARTIAL,
                shown,
                f"{root} depends on the {what} declaration {shown}",
            )
        )
    return found


# Imported constants that choose a value no algorithm computes: data built on them is not code.
NONCOMPUTABLE = frozenset(
    {
        ("Classical", "choice"),
        ("Classical", "choose"),
        ("Classical", "indefiniteDescription"),
        ("Classical", "epsilon"),
        ("Classical", "propDecidable"),
        ("Classical", "decEq"),
        ("Classical", "decRel"),
        ("Classical", "decPred"),
        ("Classical", "dec"),
        ("Classical", "inhabited_of_nonempty"),
        ("Classical", "ofNonempty"),
        ("Exists", "choose"),
        ("Nonempty", "some"),
    }
)


def check_definitions_are_code(interner: Interner, submission: Export, targets: list[Target]) -> list[Finding]:
    """A definition to implement must compute: nothing is compiled, so this is read from the
    terms. The walk goes through the definitions the target's value uses, never into theorems:
    Lean puts a definition's proofs (termination, `have`) in auxiliary theorems (`f.proof_1`),
    so classical reasoning there stays allowed; a `Classical.choose` (or a classical `Decidable`)
    in the data itself is a value no algorithm computes."""
    subs = submission.constants
    found: list[Finding] = []
    for target in targets:
        if target.kind != "def" or target.name not in subs:
            continue
        seen, order, visited = {target.name}, [target.name], set[int]()
        while order:
            const = subs.get(order.pop())
            if const is None or const.kind not in ("def", "opaque"):
                continue
            roots = [const.value] if const.value is not None else []
            for used in interner.constants_in(roots, visited):
                if used in NONCOMPUTABLE:
                    shown = name_to_str(target.name)
                    found.append(
                        _finding(
                            Verdict.FORBIDDEN_CONSTRUCT,
                            ReasonCode.NONCOMPUTABLE,
                            shown,
                            f"{shown} must compute its result: it uses {name_to_str(used)}, which no algorithm runs",
                        )
                    )
                    order = []
                    break
                if used not in seen:
                    seen.add(used)
                    order.append(used)
    return found


def check_native_reduction(interner: Interner, submission: Export) -> list[Finding]:
    """Native evaluation anywhere in what the kernel will replay: the replay evaluates nothing."""
    roots = [r for c in submission.constants.values() for r in c.term_roots()]
    used = interner.constants_in(roots, set()) & NATIVE_REDUCTION
    return [
        _finding(
            Verdict.FORBIDDEN_CONSTRUCT,
            ReasonCode.NATIVE_REDUCTION,
            name_to_str(native),
            "the kernel would have to run compiled code; prove it instead",
        )
        for native in sorted(used, key=name_to_str)
    ]


def check_attributes(submission: Export) -> list[Finding]:
    """Every submitted constant carrying a forbidden attribute, reachable or not."""
    return [
        _finding(
            Verdict.FORBIDDEN_CONSTRUCT,
            ReasonCode.FORBIDDEN_ATTRIBUTE,
            name_to_str(name),
            f"the attribute `{attribute}` is not allowed",
        )
        for name, const in submission.constants.items()
        for attribute, present in const.attributes.items()
        if present
    ]


def _kind_word(kind: str) -> str:
    return {
        "def": "definition",
        "thm": "theorem",
        "axiom": "axiom",
        "opaque": "opaque constant",
        "induct": "inductive type",
        "ctor": "constructor",
        "rec": "recursor",
    }.get(kind, kind)


def _identical(interner: Interner, ref: Constant, sub: Constant) -> bool:
    def same(a: int | None, b: int | None) -> bool:
        return a == b or (a is not None and b is not None and interner.erased(a) == interner.erased(b))

    return (
        ref.kind == sub.kind
        and ref.level_params == sub.level_params
        and same(ref.type, sub.type)
        and same(ref.value, sub.value)
        and ref.safety == sub.safety
        and ref.extra == sub.extra
    )


def related_names(const: Constant) -> set[Name]:
    """Constructors and recursors belong to their inductive (and back)."""
    if isinstance(const.extra, InductiveInfo):
        return set(const.extra.ctors) | set(const.all)
    if isinstance(const.extra, ConstructorInfo):
        return {const.extra.induct}
    if const.kind == "rec":
        return set(const.all)
    return set()


def _is_partial(name: Name, subs: dict[Name, Constant]) -> bool:
    return name + ("_unsafe_rec",) in subs


def problem_owned(interner: Interner, reference: Export, submission: Export, targets: set[Name]) -> set[Name]:
    """The problem's own declarations, decided from the problem: a constant of the reference,
    not a target, whose submitted copy is identical and declared once, and *everything it
    references* is the problem's too or imported (transitively: a greatest fixed point). Only
    checked code is the problem's: never an axiom, an `opaque` or an unsafe or partial constant
    (a problem's preamble may declare none, `problems.validation`), so the reachability walk
    meets every one of them. An identical copy that uses a redefined constant, or a name the
    submission declares that the reference imported, is the submission's and is walked; so are
    the targets' auxiliaries (`solveAdd.match_1`: the submission's body makes its own)."""
    subs, refs = submission.constants, reference.constants
    owned = {
        name
        for name, ref in refs.items()
        if name not in targets
        and not any(name[: len(t)] == t for t in targets)
        and name not in submission.duplicates
        and ref.kind not in ("axiom", "opaque")
        and ref.safety == "safe"
        and (sub := subs.get(name)) is not None
        and _identical(interner, ref, sub)
    }
    uses: dict[Name, set[Name]] = {
        name: interner.constants_in(refs[name].term_roots(), set()) | related_names(refs[name]) for name in owned
    }
    users: dict[Name, list[Name]] = {}
    for name, used in uses.items():
        for dependency in used:
            users.setdefault(dependency, []).append(name)
    # drop what uses a name the submission declares and does not own, or an imported axiom the
    # policy counts (`sorryAx`…), and so on up (a worklist)
    dropped = [
        name
        for name, used in uses.items()
        if any(
            (u not in owned and u in subs) or (u not in subs and axiom_verdict(u, closure_complete=False) is not None)
            for u in used
        )
    ]
    while dropped:
        name = dropped.pop()
        if name not in owned:
            continue
        owned.discard(name)
        dropped.extend(user for user in users.get(name, ()) if user in owned)
    return owned


def check_redefinitions(
    interner: Interner, reference: Export, submission: Export, targets: list[Target], theorems: list[str]
) -> list[Finding]:
    """What the problem declares is the problem's: a submission that declares one of its names
    again (a different copy, or more than once) changes the problem, used by the statement or
    not. Names under a target (`solveAdd.match_1`) are the target's auxiliaries, made anew by the
    submission's body; they are never the problem's either (`problem_owned` walks them)."""
    target_names = {t.name for t in targets}
    found: list[Finding] = []
    for name, ref in reference.constants.items():
        if name in target_names or any(name[: len(t)] == t for t in target_names):
            continue
        sub = submission.constants.get(name)
        if sub is None or (_identical(interner, ref, sub) and name not in submission.duplicates):
            continue
        shown = name_to_str(name)
        found.append(
            Finding(
                Verdict.STATEMENT_MISMATCH,
                Reason(
                    ReasonCode.REDEFINED,
                    shown,
                    f"{shown} is the problem's declaration: the submission may use it, not declare it again",
                ),
                tuple((theorem, TheoremStatus.MISMATCH) for theorem in theorems),
            )
        )
    return found


def _reachable(
    root: Name, subs: dict[Name, Constant], interner: Interner, stop: set[Name]
) -> Iterator[tuple[Name, Constant | None]]:
    """The submission's constants reachable from `root` (with None for imported ones), not
    looking inside the `stop` ones. Linear in the size of what is reached."""
    seen = {root}
    order = [root]
    visited: set[int] = set()
    index = 0
    while index < len(order):
        name = order[index]
        index += 1
        if name in stop:
            continue
        const = subs.get(name)
        yield name, const
        if const is None:
            continue
        for used in interner.constants_in(const.term_roots(), visited) | related_names(const):
            if used not in seen:
                seen.add(used)
                order.append(used)


def _dedupe(reasons: list[tuple[Verdict, Reason]]) -> list[tuple[Verdict, Reason]]:
    seen = set()
    result = []
    for verdict, reason in reasons:
        key = (verdict, reason.code, reason.declaration)
        if key not in seen:
            seen.add(key)
            result.append((verdict, reason))
    return result


def replay_plan(submission: Export, interner: Interner) -> list[list[Constant]]:  # noqa: C901 - one linear pass; its steps share the group map
    """Every submitted constant, dependencies first. Constructors and recursors are made by
    the kernel with their inductive block; they travel in that block's group to be compared.
    Mutually recursive definitions (unsafe or partial ones) form one group.

    The order comes from one pass of strongly connected components over the graph of groups
    and term nodes together (a group points at its terms, a `const` node at its group), so it is
    linear in the export's size however the constants share their terms."""
    subs = submission.constants
    group_of: dict[Name, Name] = {}
    for name, const in subs.items():
        if const.kind == "induct":
            block = min(const.all) if const.all else name
            ctors = const.extra.ctors if isinstance(const.extra, InductiveInfo) else ()
            for member in (name, *ctors):
                group_of[member] = block
    for name, const in subs.items():
        if const.kind == "rec" and const.all:
            group_of[name] = min(const.all)
        group_of.setdefault(name, name)
    groups: dict[Name, list[Constant]] = {}
    for name in sorted(subs, key=lambda n: tuple(str(c) for c in n)):
        groups.setdefault(group_of[name], []).append(subs[name])
    exprs = interner.exprs

    def successors(node: _PlanNode) -> list[_PlanNode]:
        if isinstance(node, int):
            expr = exprs[node]
            if expr[0] == "const":
                target = group_of.get(expr[1])
                return [("group", target)] if target is not None else []
            return list(expr_children(expr))
        return [root for const in groups[node[1]] for root in const.term_roots()]

    plan: list[list[Constant]] = []
    starts: list[_PlanNode] = [("group", g) for g in groups]
    for component in _components_in_order(starts, successors):
        members: list[Constant] = []
        for node in component:
            if not isinstance(node, int):
                members.extend(groups[node[1]])
        if members:
            plan.append(members)
    return plan


def _components_in_order(starts: list[_N], successors: Callable[[_N], list[_N]]) -> list[list[_N]]:  # noqa: C901 - iterative Tarjan reads best whole
    """Strongly connected components reachable from `starts`, dependencies first (Tarjan,
    iterative: hostile terms are deep)."""
    index: dict[_N, int] = {}
    low: dict[_N, int] = {}
    on_stack: set[_N] = set()
    stack: list[_N] = []
    result: list[list[_N]] = []
    counter = 0
    for start in starts:
        if start in index:
            continue
        work = [(start, iter(successors(start)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors(child))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(component)
    return result
