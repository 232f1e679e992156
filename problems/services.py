"""Changing problems: creation from the problem format, publishing, versions."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from judge.problem_format import NAME_RE, InvalidProblem, ProblemSpec
from judge.source_checks import normalise_line_endings
from problems.lean_options import preamble_option_problems
from problems.models import (
    Problem,
    ProblemChange,
    ProblemStatus,
    ProblemValidation,
    ProblemVersion,
    ValidationStatus,
)
from problems.profiles import UnknownProfile, profile_for_imports, profile_get
from problems.selectors import problem_latest_version, problem_validation_current


def problem_version_sync(*, problem: Problem) -> ProblemVersion | None:
    """Freeze the statement of a published problem as a new version if it changed.

    Only imports, preamble, definitions and theorems count (the statement fingerprint): a new
    title or description keeps the version, so earlier verdicts stay comparable.
    """
    if problem.status != ProblemStatus.PUBLISHED:
        return problem_latest_version(problem=problem)
    spec = problem.to_spec()
    with transaction.atomic():
        # Serialise concurrent saves of one problem so two equal versions are never made.
        Problem.objects.select_for_update().filter(pk=problem.pk).first()
        latest = problem_latest_version(problem=problem)
        if latest is not None and latest.fingerprint == spec.statement_fingerprint:
            return latest
        return ProblemVersion.objects.create(
            problem=problem,
            number=(latest.number + 1) if latest else 1,
            imports=list(spec.imports),
            preamble=spec.preamble,
            definitions=list(spec.definitions),
            theorems=[{"name": t.name, "signature": t.signature} for t in spec.theorems],
            fingerprint=spec.statement_fingerprint,
        )


@dataclass(frozen=True)
class UpsertOutcome:
    problem: Problem
    created: bool
    new_version: bool


def problem_upsert_from_spec(
    *, spec: ProblemSpec, status: str = ProblemStatus.PUBLISHED, author=None, level: int | None = None
) -> UpsertOutcome:
    """Create or update the problem with spec's slug; idempotent for an unchanged spec.

    status applies to a new problem only: a maintainer's draft or retirement stays. level (a
    curriculum level) is set when given, kept otherwise.
    """
    data = spec.to_dict()
    fields = {key: value for key, value in data.items() if key != "slug"}
    fields["reference_solution"] = fields["reference_solution"] or ""
    if level is not None:
        fields["level"] = level
    with transaction.atomic():
        problem = Problem.objects.select_for_update().filter(slug=spec.slug).first()
        created = problem is None
        if created:
            problem = Problem(slug=spec.slug, author=author, status=status)
        changed = created or any(getattr(problem, k) != v for k, v in fields.items())
        for key, value in fields.items():
            setattr(problem, key, value)
        if changed:
            problem.full_clean()
            problem.save()
        before = problem_latest_version(problem=problem)
        after = problem_version_sync(problem=problem)
    new_version = after is not None and (before is None or after.pk != before.pk)
    return UpsertOutcome(problem=problem, created=created, new_version=new_version)


def problem_save(*, problem: Problem) -> Problem:
    """Validate and save an edited problem (the admin's path), freezing a new version."""
    problem.full_clean()
    with transaction.atomic():
        problem.save()
        problem_version_sync(problem=problem)
    return problem


logger = logging.getLogger(__name__)

# --- Authoring, validation and moderation --------------------------------------------------
#
#   proposed (draft) --validation passed--> publishable --publish--> published --retire--> retired
#
# Every change is recorded as a ProblemChange (who, when, what). A validation vouches for one
# subject fingerprint (statement, reference solution, tests): an edit needs a new one.

TEXT_FIELDS = ("title", "description", "preamble", "reference_solution", "difficulty", "licence", "source")
EDITABLE_FIELDS = (
    "title",
    "description",
    "imports",
    "preamble",
    "definitions",
    "theorems",
    "reference_solution",
    "tests",
    "difficulty",
    "tags",
    "licence",
    "source",
    "import_profile",
)
# Paths under /problems/ that are pages, not problems.
RESERVED_SLUGS = {"new", "mine", "moderation"}
# Not part of ProblemSpec: kept on the problem for imports and profiles.
EXTRA_FIELDS = ("import_profile", "declared_imports", "upstream_id", "lean_version")


def problem_data_clean(*, data: dict[str, Any], user_proposal: bool) -> tuple[ProblemSpec, dict[str, Any]]:
    """Normalise and check proposal data; returns the spec and the extra fields, or raises
    ValidationError listing every defect found, each with a message an author can act on."""
    data = dict(data)
    extra = {key: data.pop(key) for key in EXTRA_FIELDS if key in data}
    _normalise_text(data)
    errors = [*_theorem_name_errors(data), *_description_errors(data)]
    profile = None
    try:
        profile = profile_get(extra["import_profile"]) if extra.get("import_profile") else None
        if profile is None:
            profile = profile_for_imports(data.get("imports") or [])
    except UnknownProfile as exc:
        errors.append(ValidationError(str(exc), code="profile"))
    if profile is not None and data.get("imports") is None:
        data["imports"] = list(profile.modules)
    spec = None
    try:
        spec = ProblemSpec.from_dict(data)
    except InvalidProblem as exc:
        errors.extend(ValidationError(message, code="format") for message in exc.messages)
    preamble = data.get("preamble")
    refused = preamble_option_problems(preamble) if isinstance(preamble, str) else []
    if refused:
        errors.append(
            ValidationError(f"the preamble sets an option a problem may not: {'; '.join(refused)}", code="option")
        )
    if spec is not None and profile is not None and not profile.covers(spec.imports):
        errors.append(
            ValidationError(
                f"imports {', '.join(spec.imports)} go beyond the import profile {profile.name!r} "
                f"({', '.join(profile.modules) or 'Init only'})",
                code="imports",
            )
        )
    if len(errors) == 1:
        raise errors[0]  # one defect keeps its own code (callers read it)
    if errors or spec is None or profile is None:
        raise ValidationError(errors)
    extra["import_profile"] = profile.name
    return spec, extra


def _normalise_text(data: dict[str, Any]) -> None:
    for key in TEXT_FIELDS:
        if isinstance(data.get(key), str):
            data[key] = normalise_line_endings(data[key])
    if isinstance(data.get("definitions"), list):
        data["definitions"] = [normalise_line_endings(d) if isinstance(d, str) else d for d in data["definitions"]]
    if isinstance(data.get("theorems"), list):
        for theorem in data["theorems"]:
            if isinstance(theorem, dict) and isinstance(theorem.get("signature"), str):
                theorem["signature"] = normalise_line_endings(theorem["signature"])


def _theorem_name_errors(data: dict[str, Any]) -> list[ValidationError]:
    theorems = data.get("theorems")
    return [
        ValidationError(f"theorem name {theorem['name']!r} is not a Lean identifier", code="name")
        for theorem in (theorems if isinstance(theorems, list) else [])
        if isinstance(theorem, dict) and isinstance(theorem.get("name"), str) and not NAME_RE.match(theorem["name"])
    ]


def _description_errors(data: dict[str, Any]) -> list[ValidationError]:
    description = data.get("description") or ""
    limit = settings.ARENA_MAX_DESCRIPTION_BYTES
    if isinstance(description, str) and len(description.encode("utf-8", "surrogatepass")) > limit:
        size = len(description.encode("utf-8", "surrogatepass"))
        return [ValidationError(f"the description is {size:,} bytes; the limit is {limit:,}", code="too_large")]
    return []


def problem_propose(*, author, data: dict[str, Any]) -> Problem:
    """Store a proposal as a draft and request its validation (run after the commit)."""
    spec, extra = problem_data_clean(data=data, user_proposal=True)
    if spec.slug in RESERVED_SLUGS:
        raise ValidationError(f"the slug {spec.slug!r} is reserved for a page of the site", code="reserved_slug")
    with transaction.atomic():
        if Problem.objects.filter(slug=spec.slug).exists():
            raise ValidationError(f"a problem with the slug {spec.slug!r} already exists", code="duplicate_slug")
        problem = Problem(slug=spec.slug, author=author, status=ProblemStatus.DRAFT, **_spec_fields(spec), **extra)
        problem.full_clean()
        problem.save()
        ProblemChange.objects.create(problem=problem, user=author, action="proposed")
        problem_validation_request(problem=problem, user=author)
    return problem


def problem_edit(*, problem: Problem, user, data: dict[str, Any]) -> Problem:
    """Apply an edit (a maintainer's, or the author's on a draft); records what changed.

    A changed statement of a published problem freezes a new version (as in the admin), and any
    change of what validation vouches for requests a new validation.
    """
    merged = problem.to_spec_dict() | {"import_profile": problem.import_profile}
    merged |= {key: value for key, value in data.items() if key in EDITABLE_FIELDS}
    merged["slug"] = problem.slug
    spec, extra = problem_data_clean(data=merged, user_proposal=False)
    with transaction.atomic():
        problem = Problem.objects.select_for_update().get(pk=problem.pk)
        before_subject = problem.subject_fingerprint
        new_fields = _spec_fields(spec) | {"import_profile": extra["import_profile"]}
        changed = {
            key: [getattr(problem, key), value] for key, value in new_fields.items() if getattr(problem, key) != value
        }
        if not changed:
            return problem
        for key, value in new_fields.items():
            setattr(problem, key, value)
        problem.full_clean()
        problem.save()
        problem_version_sync(problem=problem)
        ProblemChange.objects.create(problem=problem, user=user, action="edited", fields=changed)
        if problem.subject_fingerprint != before_subject:
            problem_validation_request(problem=problem, user=user)
    return problem


def problem_publish(*, problem: Problem, user) -> Problem:
    """Publish a problem whose current content passed validation; freezes a version."""
    with transaction.atomic():
        problem = Problem.objects.select_for_update().get(pk=problem.pk)
        validation = problem_validation_current(problem=problem)
        if validation is None or validation.status != ValidationStatus.PASSED:
            state = "has not been validated" if validation is None else f"validation is {validation.status}"
            raise ValidationError(f"{problem.slug} cannot be published: its {state}", code="not_validated")
        if problem.status == ProblemStatus.PUBLISHED:
            return problem
        problem.status = ProblemStatus.PUBLISHED
        problem.save(update_fields=["status", "updated_at"])
        problem_version_sync(problem=problem)
        ProblemChange.objects.create(problem=problem, user=user, action="published")
    return problem


def problem_retire(*, problem: Problem, user, note: str = "") -> Problem:
    with transaction.atomic():
        problem = Problem.objects.select_for_update().get(pk=problem.pk)
        if problem.status == ProblemStatus.RETIRED:
            return problem
        problem.status = ProblemStatus.RETIRED
        problem.save(update_fields=["status", "updated_at"])
        ProblemChange.objects.create(problem=problem, user=user, action="retired", note=note[:500])
    return problem


def spec_audit_record(*, submission, findings: list[dict[str, Any]]) -> int:
    """Flag the problem of an ACCEPTED submission whose implementation disagrees with its tests
    (judge.counterexamples.AuditFinding, as JSON); once per submission and test. The count made."""
    from problems.models import SpecAuditFlag

    made = 0
    version = submission.problem_version
    for finding in findings:
        test = finding.get("test")
        if not isinstance(test, int) or test < 1:
            continue
        _flag, created = SpecAuditFlag.objects.get_or_create(
            submission=submission,
            test_number=test,
            defaults={"problem_id": version.problem_id, "problem_version": version, "evidence": finding},
        )
        made += created
    if made:
        logger.warning("spec audit: %s disagrees with %d test(s) of %s", submission, made, version)
    return made


def problem_validation_request(*, problem: Problem, user=None) -> ProblemValidation:
    """A queued validation of the problem as it is now, sent to its profile's queue on commit."""
    validation = ProblemValidation.objects.create(
        problem=problem,
        subject_fingerprint=problem.subject_fingerprint,
        import_profile=problem.import_profile,
        requested_by=user,
    )
    queue = profile_get(problem.import_profile).queue
    transaction.on_commit(partial(_enqueue_validation, validation.pk, queue), robust=True)
    return validation


def problem_validate(*, validation_id: int, worker: str = "") -> ProblemValidation | None:
    """Run one queued validation (a worker of the problem's profile calls this, outside any
    transaction: the judge takes seconds to minutes). None when another delivery holds it.

    A validation left running past the judging time limit (its worker died) may be taken again;
    a judge that fails ends it as `error` (our fault: validate again), never `failed`.
    """
    from problems.validation import ERROR, Check, ValidationReport, validate_problem

    now = timezone.now()
    abandoned = now - timedelta(seconds=settings.ARENA_JUDGE_TIME_LIMIT_SECONDS + 60)
    claimable = Q(status=ValidationStatus.QUEUED) | Q(status=ValidationStatus.RUNNING, started_at__lt=abandoned)
    claimed = ProblemValidation.objects.filter(claimable, pk=validation_id).update(
        status=ValidationStatus.RUNNING, worker=worker[:200], started_at=now
    )
    if not claimed:
        return None
    validation = ProblemValidation.objects.select_related("problem").get(pk=validation_id)
    problem = validation.problem
    try:
        report = validate_problem(spec=problem.to_spec(), profile=profile_get(validation.import_profile))
    except Exception as exc:  # the judge's failure (or a time limit): recorded, never left running
        logger.exception("validation %s failed", validation_id)
        report = ValidationReport(checks=[Check("judge", ERROR, f"the judge failed: {str(exc)[:1000]}")])
    validation.checks = report.to_json()
    if report.passed:
        validation.status = ValidationStatus.PASSED
    else:
        validation.status = ValidationStatus.ERROR if report.judge_failed else ValidationStatus.FAILED
    validation.finished_at = timezone.now()
    validation.save(update_fields=["checks", "status", "finished_at"])
    ProblemChange.objects.create(
        problem=problem, action="validated", note=f"validation {validation.pk}: {validation.status}"
    )
    return validation


def _enqueue_validation(validation_id: int, queue: str) -> None:
    from problems.tasks import validate_problem_task

    validate_problem_task.apply_async(args=[validation_id], queue=queue)


def _spec_fields(spec: ProblemSpec) -> dict[str, Any]:
    data = spec.to_dict()
    data.pop("slug")
    data["reference_solution"] = data["reference_solution"] or ""
    return data


# --- Importing problem sets ------------------------------------------------------------------


@dataclass
class ImportReport:
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    rejected: list[tuple[str, str, str]]  # origin, slug, reason
    quirks: list[tuple[str, str, str]]  # origin, slug, what was noticed
    profiles: dict[str, list[str]]  # import profile -> slugs (created, updated or unchanged)
    lean_checked: int = 0
    notes: list[str] = dataclasses.field(default_factory=list)  # the set's parts that are not rows

    def lines(self) -> list[str]:
        from problems.profiles import profile_get

        out = [
            f"created {len(self.created)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"rejected {len(self.rejected)}"
            + (f"; {self.lean_checked} template(s) checked with Lean" if self.lean_checked else "")
        ]
        for name, slugs in sorted(self.profiles.items()):
            profile = profile_get(name)
            state = "judged here" if profile.served else f"needs {', '.join(profile.missing_modules)}: no worker here"
            out.append(f"profile {name} ({state}): {len(slugs)}")
        out += [f"CREATED {slug}" for slug in self.created]
        out += [f"UPDATED {slug}" for slug in self.updated]
        out += [f"UNCHANGED {slug}" for slug in self.unchanged]
        out += [f"REJECTED {origin} {slug}: {reason}" for origin, slug, reason in self.rejected]
        out += [f"QUIRK {origin} {slug}: {text}" for origin, slug, text in self.quirks]
        out += [f"NOTE {text}" for text in self.notes]
        return out


NO_AUTO_IMPLICIT = "set_option autoImplicit false\n\n"


class ImportAborted(ValueError):
    """The set as a whole is unusable (e.g. two problems with one slug): nothing was stored."""


def problems_import(*, read, user=None, lean: bool = False, dry_run: bool = False) -> ImportReport:
    """Store the candidates of a reader's result, all or nothing.

    Idempotent: a problem whose fields are unchanged is left alone (no change recorded, no
    validation requested). New problems are drafts; each created or updated one gets a
    validation on its profile's queue. With lean, every template is elaborated first (one Lean
    run each): a template that fails on our Lean is rejected with Lean's message, and one that
    declares Mathlib but elaborates on core alone is recorded as running on core.
    """
    from problems.validation import template_error

    report = ImportReport([], [], [], [], [], {}, notes=list(read.notes))
    report.rejected = [(r.origin, r.slug, r.reason) for r in read.rejections]
    cleaned: list[tuple[Any, ProblemSpec, dict[str, Any]]] = []
    seen: dict[str, str] = {}
    for candidate in read.candidates:
        if candidate.slug in seen:
            raise ImportAborted(
                f"duplicate slug {candidate.slug!r}: {seen[candidate.slug]} and {candidate.origin}; nothing imported"
            )
        seen[candidate.slug] = candidate.origin
        report.quirks += [(candidate.origin, candidate.slug, q) for q in candidate.quirks]
        try:
            spec, extra = problem_data_clean(data=candidate.data, user_proposal=False)
        except ValidationError as exc:
            report.rejected.append((candidate.origin, candidate.slug, "; ".join(exc.messages)))
            continue
        preamble = _preamble_unproved(spec)
        if preamble:
            report.rejected.append((candidate.origin, candidate.slug, preamble))
            continue
        if lean:
            spec, extra, error = _lean_check(spec, extra, candidate, report, template_error)
            if error:
                report.rejected.append((candidate.origin, candidate.slug, error))
                continue
        cleaned.append((candidate, spec, extra))
    with transaction.atomic():
        for candidate, spec, extra in cleaned:
            outcome = _import_one(spec=spec, extra=extra, user=user, origin=candidate.origin, keep=candidate.keep)
            getattr(report, outcome).append(spec.slug)
            report.profiles.setdefault(extra["import_profile"], []).append(spec.slug)
        if dry_run:
            transaction.set_rollback(True)  # the same decisions, nothing kept, nothing enqueued
    return report


def _preamble_unproved(spec: ProblemSpec) -> str | None:
    from problems.validation import FAILED, _check_preamble_text

    check = _check_preamble_text(spec)
    return check.detail if check.status == FAILED else None


def _lean_check(spec, extra, candidate, report: ImportReport, template_error):
    """(spec, extra, error): try core first for a problem whose profile this site lacks."""
    profile = profile_get(extra["import_profile"])
    if not profile.served:
        # Without Mathlib an unknown name such as ℕ would be auto-bound as an implicit variable
        # and the template would elaborate with another meaning: forbid that for the trial.
        preamble = NO_AUTO_IMPLICIT + (spec.preamble or "")
        core_spec = ProblemSpec.from_dict(spec.to_dict() | {"imports": [], "preamble": preamble})
        report.lean_checked += 1
        if template_error(core_spec) is None:
            report.quirks.append(
                (candidate.origin, spec.slug, f"declares {', '.join(spec.imports)} but its template elaborates on core")
            )
            return core_spec, extra | {"import_profile": profile_for_imports([]).name}, None
        return spec, extra, None  # left to a worker of its profile to validate
    report.lean_checked += 1
    error = template_error(spec)
    declared = [m for m in extra.get("declared_imports") or [] if m not in spec.imports]
    if error and declared:
        # upstream judged it with more in scope (VERINA always has Mathlib): its declared profile
        wider = ProblemSpec.from_dict(spec.to_dict() | {"imports": list(spec.imports) + declared})
        needs = f"does not elaborate on its own imports, needs {', '.join(declared)}: {error}"
        report.quirks.append((candidate.origin, spec.slug, needs))
        return wider, extra | {"import_profile": profile_for_imports(wider.imports).name}, None
    if error:
        written = extra.get("lean_version") or "an unknown Lean"
        return spec, extra, f"template does not elaborate on our Lean (written for {written}): {error}"
    return spec, extra, None


def _import_one(*, spec: ProblemSpec, extra: dict[str, Any], user, origin: str, keep=frozenset()) -> str:
    fields = _spec_fields(spec) | {
        key: extra.get(key, "" if key in ("upstream_id", "lean_version") else []) for key in EXTRA_FIELDS
    }
    fields["import_profile"] = extra["import_profile"]
    problem = Problem.objects.select_for_update().filter(slug=spec.slug).first()
    if problem is not None:
        fields = {key: value for key, value in fields.items() if key not in keep}
    if problem is None:
        problem = Problem(slug=spec.slug, author=user, status=ProblemStatus.DRAFT, **fields)
        problem.full_clean()
        problem.save()
        ProblemChange.objects.create(problem=problem, user=user, action="imported", note=f"created from {origin}")
        problem_validation_request(problem=problem, user=user)
        return "created"
    changed = {key: [getattr(problem, key), value] for key, value in fields.items() if getattr(problem, key) != value}
    if not changed:
        return "unchanged"
    before_subject = problem.subject_fingerprint
    for key, value in fields.items():
        setattr(problem, key, value)
    problem.full_clean()
    problem.save()
    problem_version_sync(problem=problem)
    ProblemChange.objects.create(
        problem=problem, user=user, action="imported", fields=changed, note=f"updated from {origin}"
    )
    if problem.subject_fingerprint != before_subject:
        problem_validation_request(problem=problem, user=user)
    return "updated"
