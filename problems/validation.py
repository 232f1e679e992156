"""Validating a problem with the judge, point by point, before it may be published.

The only module of the site that calls into the judge for problems (the judge's internals are
being rewritten: adapt here, in one place). Checks, in order:

1. imports: within the problem's import profile;
2. preamble: leaves nothing unproved (no axiom, opaque, partial/unsafe definition, sorry):
   read from the text's tokens (`judge.lean_lexer`: what Lean reads as code, whatever literal or
   comment surrounds it), and from the template's export once Lean has elaborated it: every
   constant the template declares but the targets themselves (no name is skipped);
   headers: each `definitions`/`theorems` field is exactly one declaration header;
3. template: every body `sorry`, it elaborates with the problem's imports only and yields exactly
   the declared targets (each definition a `def`, each theorem a `theorem`, once);
4. reference solution: if given, ACCEPTED by the real judge;
5. tests: each consistent with the spec, decided by Lean (`judge.spec_consistency`): one
   inconsistent test fails the point; a test Lean cannot decide leaves it "not checked" (listed),
   never "passed".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from judge.problem_format import ProblemSpec
from judge.results import Verdict
from judge.seam import site_judge
from problems.profiles import ImportProfile

PASSED = "passed"
FAILED = "failed"
NOT_CHECKED = "not_checked"
SKIPPED = "skipped"
ERROR = "error"  # the judge failed (our fault): nothing is known about this point

# What a preamble must not contain: each leaves something unproved or unchecked by the kernel.
# No axiom at all, not even one the statement never uses: the judge treats every axiom in a file
# as the file's own (FORBIDDEN_AXIOM on both Leans), so a problem with one could not be solved.
UNPROVED_WORDS = frozenset(
    {"axiom", "opaque", "sorry", "admit", "partial", "unsafe", "implemented_by", "extern", "native_decide"}
)
# Tokens that start a command (or end a header): a header field holding one is not one header.
COMMAND_WORDS = frozenset(
    {
        "def", "theorem", "lemma", "abbrev", "instance", "example", "axiom", "opaque", "structure",
        "class", "inductive", "coinductive", "mutual", "namespace", "section", "end", "open", "export",
        "universe", "variable", "set_option", "attribute", "macro", "macro_rules", "syntax", "notation",
        "infix", "infixl", "infixr", "prefix", "postfix", "elab", "elab_rules", "declare_syntax_cat",
        "initialize", "builtin_initialize", "deriving", "private", "protected", "public", "noncomputable",
        "partial", "unsafe", "nonrec", "local", "scoped", "omit", "include", "where", "termination_by",
        "decreasing_by", "unseal", "seal", "import", "prelude", "module", "meta", "add_decl_doc",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Check:
    check: str
    status: str
    detail: str = ""


@dataclass(frozen=True)
class ValidationReport:
    checks: list[Check]

    @property
    def passed(self) -> bool:
        return not any(c.status in (FAILED, ERROR) for c in self.checks)

    @property
    def judge_failed(self) -> bool:
        return any(c.status == ERROR for c in self.checks) and not any(c.status == FAILED for c in self.checks)

    def to_json(self) -> list[dict[str, Any]]:
        return [asdict(c) for c in self.checks]


def validate_problem(*, spec: ProblemSpec, profile: ImportProfile) -> ValidationReport:
    checks = [_check_imports(spec, profile), _check_preamble_text(spec), _check_headers(spec)]
    template = _check_template(spec)
    checks.append(template.check)
    if template.export_text is not None:
        checks.append(_check_preamble_export(spec, template.export_text))
    checks.append(_check_reference_solution(spec))
    checks.append(_check_tests(spec))
    return ValidationReport(checks=checks)


def _check_imports(spec: ProblemSpec, profile: ImportProfile) -> Check:
    if profile.covers(spec.imports):
        modules = ", ".join(spec.imports) or "none beyond Init"
        return Check("imports", PASSED, f"imports {modules}: within the profile {profile.name!r}")
    return Check("imports", FAILED, f"imports {', '.join(spec.imports)} go beyond the profile {profile.name!r}")


def _check_preamble_text(spec: ProblemSpec) -> Check:
    from judge.seam import code_tokens, identifier

    words = (identifier(t) for t in code_tokens(spec.preamble) if t.kind == "ident")
    found = sorted({w for w in words if w in UNPROVED_WORDS})
    if found:
        return Check(
            "preamble",
            FAILED,
            f"the preamble uses {', '.join(found)}: the statement could depend on something left unproved",
        )
    return Check("preamble", PASSED, "no axiom, opaque, partial, unsafe or sorry in the preamble's text")


def _check_headers(spec: ProblemSpec) -> Check:
    """Each field is one header, `def`/`theorem` first: the template appends ` := sorry` to it, so
    a second command hidden in a field would be the problem's, unseen by the preamble's checks."""
    from judge.seam import code_tokens, identifier

    problems = []
    fields = [("def", h) for h in spec.definitions] + [("theorem", t.signature) for t in spec.theorems]
    for keyword, header in fields:
        found = list(code_tokens(header))
        if not found or identifier(found[0]) != keyword or found[0].kind != "ident":
            problems.append(f"{header[:80]!r} must start with `{keyword}`")
            continue
        extra = {identifier(t) for t in found[1:] if t.kind == "ident" and identifier(t) in COMMAND_WORDS}
        for a, b in zip(found, found[1:], strict=False):
            # `#eval`, `#print`… and `@[attr]` start commands; `#[1, 2]` and `@f` are terms
            if a.end == b.start and (a.text, b.kind) == ("#", "ident") or (a.text, b.text) == ("@", "["):
                extra.add(a.text + b.text)
        if extra:
            problems.append(f"{header[:80]!r} must be one declaration header: it also has {', '.join(sorted(extra))}")
    if problems:
        return Check("headers", FAILED, "; ".join(problems)[:2000])
    return Check("headers", PASSED, "each definition and theorem is one declaration header")


@dataclass(frozen=True)
class _TemplateOutcome:
    check: Check
    export_text: str | None


def _check_template(spec: ProblemSpec) -> _TemplateOutcome:
    from judge.seam import InvalidReference

    exporter = _template_exporter()
    if exporter is None:
        return _TemplateOutcome(Check("template", NOT_CHECKED, "the configured judge cannot export templates"), None)
    try:
        text = exporter(spec)
    except InvalidReference as exc:
        return _TemplateOutcome(Check("template", FAILED, str(exc)), None)
    problems = _target_problems(spec, text)
    if problems:
        return _TemplateOutcome(Check("template", FAILED, "; ".join(problems)), text)
    names = ", ".join(spec.definition_names + spec.theorem_names)
    return _TemplateOutcome(
        Check("template", PASSED, f"elaborates with the problem's imports only and declares {names}"), text
    )


def _target_problems(spec: ProblemSpec, text: str) -> list[str]:
    from judge.seam import TemplateExportError, template_facts

    try:
        facts = template_facts(spec, text)
    except TemplateExportError as exc:
        return [f"the template's export is malformed: {exc}"]
    problems = []
    for name, kind in [(n, "def") for n in spec.definition_names] + [(n, "thm") for n in spec.theorem_names]:
        if name not in facts.kinds:
            problems.append(f"the template does not declare {name}")
        elif facts.kinds[name] != kind:
            problems.append(f"{name} is a {facts.kinds[name]}, not a {kind}")
        elif name in facts.duplicated:
            problems.append(f"{name} is declared more than once")
    return problems


def _check_preamble_export(spec: ProblemSpec, text: str) -> Check:
    """Every constant of the template but the targets, as Lean elaborated it: no axiom, opaque,
    partial or unsafe one, whatever its name (`solveAdd.cheat` is checked too); no sorry, except
    in the targets' own auxiliaries (`solveAdd.match_1`: their bodies are `sorry` on purpose)."""
    from judge.seam import TemplateExportError, template_facts

    try:
        facts = template_facts(spec, text)
    except TemplateExportError as exc:
        return Check("preamble_export", FAILED, f"the template's export is malformed: {exc}")
    if facts.preamble_faults:
        faults = ", ".join(facts.preamble_faults[:20])
        return Check("preamble_export", FAILED, "the preamble leaves unproved: " + faults)
    return Check("preamble_export", PASSED, "every constant of the preamble is a checked definition or theorem")


def _check_reference_solution(spec: ProblemSpec) -> Check:
    if not spec.reference_solution:
        return Check("reference_solution", SKIPPED, "no reference solution given")
    result = site_judge().judge(spec, spec.reference_solution)
    if result.verdict is Verdict.ACCEPTED:
        return Check("reference_solution", PASSED, "ACCEPTED by the judge")
    reasons = "; ".join(f"{r.code}: {r.detail}" for r in result.reasons)[:2000]
    if result.verdict is Verdict.JUDGE_ERROR:
        return Check("reference_solution", ERROR, f"the judge failed ({reasons}): validate again")
    reasons = "; ".join(f"{r.code}: {r.detail}" for r in result.reasons)[:2000]
    return Check("reference_solution", FAILED, f"{result.verdict}: {reasons}")


def _check_tests(spec: ProblemSpec) -> Check:
    from judge.seam import InvalidReference

    if not spec.tests:
        return Check("tests", SKIPPED, "no tests given")
    checker = _test_checker()
    if checker is None:
        return Check("tests", NOT_CHECKED, "the configured judge cannot check tests")
    try:
        checks = checker(spec)
    except InvalidReference as exc:
        return Check("tests", FAILED, str(exc))
    lines = "; ".join(f"test {c.number}: {c.status} ({c.detail})" for c in checks)[:4000]
    statuses = ("consistent", "inconsistent", "invalid", "undecided")
    counts = {status: sum(c.status == status for c in checks) for status in statuses}
    summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    if counts["inconsistent"] or counts["invalid"]:
        return Check("tests", FAILED, f"{summary}: {lines}")
    if counts["undecided"] or len(checks) < len(spec.tests):
        return Check("tests", NOT_CHECKED, f"{summary}; Lean could not decide every test: {lines}")
    return Check("tests", PASSED, f"{summary}: {lines}")


def _test_checker():
    """The configured judge's test check (None: it has none)."""
    return site_judge().check_tests


def _template_exporter():
    """The configured judge's template export (None: it has none)."""
    return site_judge().reference_export


def template_error(spec: ProblemSpec) -> str | None:
    """Lean's message if the template does not elaborate (or misses its targets), else None.
    For importers: one Lean run per problem, so only on request (import_problems --lean)."""
    outcome = _check_template(spec)
    return outcome.check.detail if outcome.check.status == FAILED else None
