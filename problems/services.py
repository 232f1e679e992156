"""Changing problems: creation from the problem format, publishing, versions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from judge.problem_format import ProblemSpec
from problems.models import Problem, ProblemStatus, ProblemVersion
from problems.selectors import problem_latest_version


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


def problem_upsert_from_spec(*, spec: ProblemSpec, status: str = ProblemStatus.PUBLISHED, author=None) -> UpsertOutcome:
    """Create or update the problem with spec's slug; idempotent for an unchanged spec.

    status applies to a new problem only: a maintainer's draft or retirement stays.
    """
    data = spec.to_dict()
    fields = {key: value for key, value in data.items() if key != "slug"}
    fields["reference_solution"] = fields["reference_solution"] or ""
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
