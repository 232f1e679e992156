"""The seam between the site and the judge: what the site may ask of a judge, and the one place
where the judge is chosen.

`SiteJudge` is the whole interface. The real judge (`judge.pipeline.judge_submission`, a
`LeanJudge`) and the test doubles (tests/site/judge_doubles.py) implement it; mypy checks both
against it (pyproject's mypy `files`). `site_judge()` imports the object `settings.ARENA_JUDGE`
names: the only `import_string` of a judge in the project. The site imports from the judge only
this module, `judge.results` and `judge.problem_format` (the data both sides speak),
`judge.source_checks`' text helpers and `judge.lean_text` (the importers' splitter, on the
one tokenizer `judge.lean_lexer`);
pyproject's import-linter contract "The site reaches the judge through its seam" keeps it so.

What validation reads from a template's export comes as a summary (`judge.template_facts`: the
constants, their kinds, what the preamble leaves unproved; the export's structures stay inside the
judge), and a proposal's text as Lean's tokens (`judge.lean_lexer`): both re-exported here, so
that they too come through this one door.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from judge.lean_lexer import code_tokens, identifier
from judge.template_facts import TemplateExportError, TemplateFacts, template_facts

if TYPE_CHECKING:
    from judge.problem_format import ProblemSpec
    from judge.results import CheckResult, JudgeResult
    from judge.sandbox import Limits
    from judge.spec_consistency import TestCheck

__all__ = [
    "InvalidReference",
    "SiteJudge",
    "TemplateExportError",
    "TemplateFacts",
    "code_tokens",
    "exporter_identity",
    "identifier",
    "site_judge",
    "template_facts",
]


class InvalidReference(RuntimeError):
    """The problem's own template does not elaborate: the problem is broken, not the submission."""


@runtime_checkable
class SiteJudge(Protocol):
    """What the site asks of a judge."""

    @property
    def checker_version(self) -> str:
        """The checker's version, stored with every verdict; a change marks old verdicts outdated
        (rejudge_outdated) and is written into each dump."""
        ...

    @property
    def runs_lean(self) -> bool:
        """True for the real judge: the worker sizes itself and warms Lean up (arena/celery.py)."""
        ...

    def judge(
        self, problem: ProblemSpec, code: str | bytes, *, limits: Limits | None = None, owner: str | None = None
    ) -> JudgeResult:
        """The verdict on `code`. `owner` (the submitter) lets one exporter process judge that
        owner's next submission; never shared between owners."""
        ...

    @property
    def reference_export(self) -> Callable[[ProblemSpec], str] | None:
        """The export of the problem's template (its bodies `sorry`), which validation reads with
        `parse_export`; raises InvalidReference if the template does not elaborate. None: this
        judge cannot (validation then says "not checked")."""
        ...

    @property
    def check_tests(self) -> Callable[[ProblemSpec], list[TestCheck]] | None:
        """Each of the problem's tests decided consistent, inconsistent or undecided with its
        specification (judge.spec_consistency); raises InvalidReference. None: this judge cannot."""
        ...

    def check(self, problem: ProblemSpec, code: str | bytes, *, owner: str) -> CheckResult:
        """The solving loop (issue 27): Lean's messages and proof state for `code` (each `sorry`
        with its goal, the goals before and after each tactic step, the theorems still open),
        elaborated as a submission would be (same policy, gate, sandbox, limits) but with no
        verdict, no probes and nothing of the problem's tests. `owner` (who asked) lets the
        exporter that checked go on to that owner's next check or submission."""
        ...


def site_judge() -> SiteJudge:
    """The judge the settings name (ARENA_JUDGE, a dotted path to a SiteJudge object)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.utils.module_loading import import_string

    judge = import_string(settings.ARENA_JUDGE)
    if not isinstance(judge, SiteJudge):
        raise ImproperlyConfigured(f"ARENA_JUDGE={settings.ARENA_JUDGE!r} is not a judge.seam.SiteJudge")
    return judge


@functools.cache
def exporter_identity() -> str:
    """The exporter and the toolchain a check is made with, as one SHA-256: with the problem
    version's fingerprint, the checker version and the code's digest it keys what the site keeps
    of a check (submissions/checks.py), so a new exporter or Lean never answers from an old one."""
    import hashlib
    from pathlib import Path

    from judge.exporter_program import exporter_source

    toolchain = (Path(__file__).resolve().parent.parent / "lean-toolchain").read_bytes()
    return hashlib.sha256(toolchain + b"\0" + exporter_source()).hexdigest()
