"""The trusted comparisons: the submission's export against the reference's.

Everything here runs on validated exports (`export_format`). It decides what the kernel must
replay and which reasons apply; it never trusts a message or a flag to grant anything.
Checks, each a named reason:
- every target exists exactly once, with the reference's kind, universe parameters and type;
- every constant the target statements use, transitively, is identical to the reference's
  (values included), except the bodies of the definitions to implement;
- axioms by origin: the submission's own axioms and Lean's non-standard ones are forbidden,
  `sorryAx` makes the proof incomplete;
- no unsafe, partial or opaque constant of the submission is reachable from the targets;
- no `implemented_by`, `extern` or `export` attribute on the submission's constants.
"""

from __future__ import annotations

import dataclasses

from judge.export_format import Constant, Export, Interner, Name, expr_children, name_to_str
from judge.results import Reason, TheoremStatus, Verdict

SORRY = ("sorryAx",)
# Toolchain axioms that would let compiled code, not the kernel, decide a proof.
FORBIDDEN_TOOLCHAIN_AXIOMS = {
    ("Lean", "ofReduceBool"),
    ("Lean", "ofReduceNat"),
    ("Lean", "trustCompiler"),
}
STANDARD_AXIOMS = {("propext",), ("Classical", "choice"), ("Quot", "sound")}
# Terms the kernel reduces by running compiled code.
NATIVE_REDUCTION = {("Lean", "reduceBool"), ("Lean", "reduceNat")}


@dataclasses.dataclass
class CheckOutcome:
    reasons: list[tuple[Verdict, Reason]]
    theorem_status: dict[str, TheoremStatus]
    replay_plan: list[list[Constant]]  # dependency-ordered groups (an inductive block is one group)


def parse_target_name(text: str) -> Name:
    return tuple(text.split("."))


def check(
    *,
    interner: Interner,
    reference: Export,
    submission: Export,
    definitions: list[str],
    theorems: list[str],
    allowed_imports: list[str],
) -> CheckOutcome:
    reasons: list[tuple[Verdict, Reason]] = []
    status: dict[str, TheoremStatus] = {t: TheoremStatus.PROVED for t in theorems}
    subs = submission.constants
    refs = reference.constants

    def add(verdict: Verdict, code: str, declaration: str | None, detail: str) -> None:
        reasons.append((verdict, Reason(code=code, declaration=declaration, detail=detail)))

    def mark(theorem: str, new: TheoremStatus) -> None:
        # the first problem found for a theorem is the one shown
        if status.get(theorem) is TheoremStatus.PROVED:
            status[theorem] = new

    allowed = {parse_target_name(m) for m in allowed_imports} | {("Init",)}
    for module in submission.imports:
        if module not in allowed:
            add(Verdict.FORBIDDEN_CONSTRUCT, "FORBIDDEN_IMPORT", name_to_str(module),
                "imports beyond the problem's are not allowed")

    def_names = {parse_target_name(d) for d in definitions}
    targets = [(parse_target_name(d), "def", None) for d in definitions] + [
        (parse_target_name(t), "thm", t) for t in theorems
    ]

    # 1. the targets themselves
    for name, kind, theorem in targets:
        shown = name_to_str(name)
        ref = refs.get(name)
        if ref is None:
            raise ValueError(f"the reference does not declare {shown}")
        sub = subs.get(name)
        problem = None
        if sub is None:
            problem = ("missing", f"{shown} is not declared")
        elif name in submission.duplicates:
            problem = ("mismatch", f"{shown} is declared more than once")
        elif sub.kind != ref.kind:
            problem = ("mismatch", f"{shown} must be a {_kind_word(ref.kind)}, not a {_kind_word(sub.kind)}")
        elif sub.level_params != ref.level_params:
            problem = ("mismatch", f"{shown} has other universe parameters than the problem's")
        elif interner.erased(sub.type) != interner.erased(ref.type):
            problem = ("mismatch", f"the statement of {shown} differs from the problem's")
        elif kind == "def" and sub.safety != "safe":
            problem = ("forbidden", f"{shown} must be a safe definition (not {sub.safety})")
        if problem is None:
            continue
        code, detail = problem
        if code == "forbidden":
            add(Verdict.FORBIDDEN_CONSTRUCT, "UNSAFE_DEFINITION", shown, detail)
        else:
            add(Verdict.STATEMENT_MISMATCH, "MISSING" if code == "missing" else "MISMATCH", shown, detail)
        if theorem:
            mark(theorem, TheoremStatus.MISSING if code == "missing" else TheoremStatus.MISMATCH)

    # 2. what the statements use must be the reference's own, values included
    seen: set[Name] = set()
    visited: set[int] = set()
    frontier = set()
    for name, _, _ in targets:
        frontier |= interner.constants_in([refs[name].type], visited)
    while frontier:
        name = frontier.pop()
        if name in seen or name not in refs or name in def_names:
            continue
        seen.add(name)
        ref = refs[name]
        sub = subs.get(name)
        if sub is None or not _identical(interner, ref, sub) or name in submission.duplicates:
            add(Verdict.STATEMENT_MISMATCH, "CHANGED_DEPENDENCY", name_to_str(name),
                "the problem's statement depends on this declaration, which the submission changed or removed")
            for theorem in theorems:
                mark(theorem, TheoremStatus.MISMATCH)
            continue
        frontier |= interner.constants_in(ref.term_roots(), visited)
        frontier |= _related_names(ref)

    # 3. what each target reaches in the submission: axioms, sorry, unsafe code, attributes
    problem_owned = _problem_owned(interner, reference, submission, {n for n, _, _ in targets})
    for name, _, theorem in targets:
        if name not in subs:
            continue
        for reached_name, reached in _reachable(name, subs, interner, problem_owned):
            shown = name_to_str(reached_name)
            if reached is None:
                if reached_name == SORRY:
                    add(Verdict.INCOMPLETE_PROOF, "SORRY", name_to_str(name), "uses `sorry`")
                    if theorem:
                        mark(theorem, TheoremStatus.SORRY)
                elif reached_name in FORBIDDEN_TOOLCHAIN_AXIOMS:
                    add(Verdict.FORBIDDEN_AXIOM, "FORBIDDEN_AXIOM", shown,
                        f"{name_to_str(name)} depends on {shown}, which trusts compiled code")
                    if theorem:
                        mark(theorem, TheoremStatus.FORBIDDEN_AXIOM)
                continue
            if reached.kind == "axiom":
                add(Verdict.FORBIDDEN_AXIOM, "FORBIDDEN_AXIOM", shown,
                    f"{name_to_str(name)} depends on the axiom {shown}, declared by the submission")
                if theorem:
                    mark(theorem, TheoremStatus.FORBIDDEN_AXIOM)
            if reached.safety != "safe" or reached.kind == "opaque":
                what = "partial" if reached.safety == "partial" or _is_partial(reached_name, subs) else (
                    "opaque" if reached.kind == "opaque" else "unsafe")
                add(Verdict.FORBIDDEN_CONSTRUCT, "UNSAFE_OR_PARTIAL", shown,
                    f"{name_to_str(name)} depends on the {what} declaration {shown}")

    # native evaluation anywhere in what the kernel will replay: the replay evaluates nothing
    for native in sorted(interner.constants_in([r for c in subs.values() for r in c.term_roots()], set())
                         & NATIVE_REDUCTION, key=name_to_str):
        add(Verdict.FORBIDDEN_CONSTRUCT, "NATIVE_REDUCTION", name_to_str(native),
            "the kernel would have to run compiled code; prove it instead")

    # every submitted constant carrying a forbidden attribute, reachable or not
    for name, const in subs.items():
        for attribute, present in const.attributes.items():
            if present:
                add(Verdict.FORBIDDEN_CONSTRUCT, "FORBIDDEN_ATTRIBUTE", name_to_str(name),
                    f"the attribute `{attribute}` is not allowed")

    return CheckOutcome(
        reasons=_dedupe(reasons),
        theorem_status=status,
        replay_plan=replay_plan(submission, interner),
    )


def _kind_word(kind: str) -> str:
    return {"def": "definition", "thm": "theorem", "axiom": "axiom", "opaque": "opaque constant",
            "induct": "inductive type", "ctor": "constructor", "rec": "recursor"}.get(kind, kind)


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


def _related_names(const: Constant) -> set[Name]:
    """Constructors and recursors belong to their inductive (and back)."""
    if const.kind == "induct":
        return set(const.extra[3]) | set(const.all)
    if const.kind == "ctor":
        return {const.extra[0]}
    if const.kind == "rec":
        return set(const.all)
    return set()


def _is_partial(name: Name, subs: dict[Name, Constant]) -> bool:
    return name + ("_unsafe_rec",) in subs


def _problem_owned(interner: Interner, reference: Export, submission: Export, targets: set[Name]) -> set[Name]:
    """The problem's own declarations (its preamble's), unchanged in the submission: an axiom or
    an `opaque` there is the problem's, flagged when the problem is validated, never the
    submission's. Targets are never the problem's: their bodies are the submission's."""
    return {
        name
        for name, ref in reference.constants.items()
        if name not in targets
        and name not in submission.duplicates
        and (sub := submission.constants.get(name)) is not None
        and _identical(interner, ref, sub)
    }


def _reachable(root: Name, subs: dict[Name, Constant], interner: Interner, stop: set[Name]):
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
        for used in interner.constants_in(const.term_roots(), visited) | _related_names(const):
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


def replay_plan(submission: Export, interner: Interner) -> list[list[Constant]]:
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
            for member in (name, *const.extra[3]):
                group_of[member] = block
    for name, const in subs.items():
        if const.kind == "rec" and const.all:
            group_of[name] = min(const.all)
        group_of.setdefault(name, name)
    groups: dict[Name, list[Constant]] = {}
    for name in sorted(subs, key=lambda n: tuple(str(c) for c in n)):
        groups.setdefault(group_of[name], []).append(subs[name])
    exprs = interner.exprs

    def successors(node) -> list:
        if isinstance(node, int):
            expr = exprs[node]
            if expr[0] == "const":
                target = group_of.get(expr[1])
                return [("group", target)] if target is not None else []
            return list(expr_children(expr))
        return [root for const in groups[node[1]] for root in const.term_roots()]

    plan: list[list[Constant]] = []
    for component in _components_in_order([("group", g) for g in groups], successors):
        members: list[Constant] = []
        for node in component:
            if not isinstance(node, int):
                members.extend(groups[node[1]])
        if members:
            plan.append(members)
    return plan


def _components_in_order(starts: list, successors) -> list[list]:
    """Strongly connected components reachable from `starts`, dependencies first (Tarjan,
    iterative: hostile terms are deep)."""
    index: dict = {}
    low: dict = {}
    on_stack: set = set()
    stack: list = []
    result: list[list] = []
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
