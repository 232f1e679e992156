"""What a dump may contain, as queries: the licence, retirement, embargo and checker filters
live here once, for the export, the beat task's watermark and the tests' independent counts."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet

from datasets.models import DatasetDump
from judge.results import Verdict
from problems.models import Problem, ProblemStatus, ProblemVersion
from submissions.models import Submission, SubmissionStatus

# Read from the database for each submission row, in this order (one tuple per row).
SUBMISSION_COLUMNS = (
    "id",
    "problem_version_id",
    "code",
    "verdict",
    "user_id",
    "user__username",
    "user__dataset_preference__anonymous",
    "author_kind",
    "model_name",
    "licence",
    "licence_version",
    "lean_version",
    "checker_version",
    "result",
    "finished_at",
    "created_at",
)


def allowed_licences() -> list[str]:
    return list(settings.ARENA_DATASET_PROBLEM_LICENCES)


def embargo_cutoff(*, now: datetime) -> datetime:
    """Solutions of problems first published after this are still hidden by the site."""
    return now - timedelta(days=settings.ARENA_DATASET_EMBARGO_DAYS)


def dataset_problems() -> QuerySet[Problem]:
    """Published (not draft, not retired) problems under a licence a dump may carry, with the
    time of their first published version as `first_published_at`."""
    return (
        Problem.objects.filter(status=ProblemStatus.PUBLISHED, licence__in=allowed_licences())
        .annotate(first_published_at=Min("versions__created_at"))
        .filter(first_published_at__isnull=False)
        .order_by("slug")
    )


def dataset_problem_versions(*, problem: Problem) -> dict[int, ProblemVersion]:
    return {version.pk: version for version in problem.versions.all()}


def dataset_submissions(*, problem_ids, checker_version: str, accepted_only: bool) -> QuerySet[Submission]:
    """Finished submissions judged by the current checker and contributed under an allowed
    licence (earlier verdicts may be forged; JUDGE_ERROR is our fault, not data)."""
    queryset = Submission.objects.filter(
        problem_version__problem_id__in=problem_ids,
        status=SubmissionStatus.FINISHED,
        checker_version=checker_version,
        licence__in=allowed_licences(),
    ).exclude(verdict__in=["", Verdict.JUDGE_ERROR])
    if accepted_only:
        queryset = queryset.filter(verdict=Verdict.ACCEPTED)
    return queryset


def dataset_submission_rows(*, problem_id: int, checker_version: str, accepted_only: bool):
    """One problem's rows, oldest first, streamed from a server-side cursor."""
    return (
        dataset_submissions(problem_ids=[problem_id], checker_version=checker_version, accepted_only=accepted_only)
        .order_by("id")
        .values_list(*SUBMISSION_COLUMNS)
        .iterator(chunk_size=2000)
    )


def dataset_watermark(*, now: datetime, checker_version: str) -> str:
    """Changes whenever a new dump could differ from the last one."""
    problems = dataset_problems()
    past_embargo = problems.filter(first_published_at__lte=embargo_cutoff(now=now)).count()
    problem_state = Problem.objects.aggregate(changed=Max("updated_at"), n=Count("id"))
    submission_state = Submission.objects.filter(Q(status=SubmissionStatus.FINISHED)).aggregate(
        finished=Max("finished_at"), n=Count("id")
    )
    state = "|".join(
        str(part)
        for part in (
            checker_version,
            settings.ARENA_LICENCE_VERSION,
            ",".join(sorted(allowed_licences())),
            settings.ARENA_DATASET_EMBARGO_DAYS,
            past_embargo,
            problem_state["changed"],
            problem_state["n"],
            submission_state["finished"],
            submission_state["n"],
        )
    )
    return hashlib.sha256(state.encode()).hexdigest()


def dataset_dump_list() -> QuerySet[DatasetDump]:
    return DatasetDump.objects.order_by("-created_at", "-id")


def dataset_dump_latest() -> DatasetDump | None:
    return dataset_dump_list().first()


def dataset_dump_get(*, name: str) -> DatasetDump:
    """Raises DatasetDump.DoesNotExist."""
    return DatasetDump.objects.get(name=name)
