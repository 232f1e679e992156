"""What a dump may contain, as queries: the licence, retirement, embargo and checker filters
live here once, for the export, the beat task's watermark and the tests' independent counts."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from bots.models import Run
from dumps.models import DatasetDump
from judge.results import Verdict
from problems.models import Problem, ProblemStatus, ProblemVersion
from submissions.models import Submission, SubmissionStatus

# Read from the database for each submission row, in this order (one tuple per row); times come
# as ISO 8601 text from the database, which costs less than datetimes made and formatted again.
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
    "finished_iso",
    "created_iso",
    "origin__run_id",
    "origin__batch_id",
)


class _IsoUtc(Func):
    """A time as ISO 8601 text in UTC with microseconds, made by the database (as the rows stream,
    no per-row conversion here): to_char on PostgreSQL; on SQLite, Django stores UTC text
    ("YYYY-MM-DD HH:MM:SS[.ffffff]"), which needs the T, the offset and, when whole, the fraction."""

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="""to_char((%(expressions)s AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')""",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        template = (
            "CASE WHEN %(expressions)s IS NULL THEN NULL ELSE replace(substr(%(expressions)s, 1, 19), ' ', 'T') || '.' "
            "|| substr(substr(%(expressions)s, 21) || '000000', 1, 6) || '+00:00' END"
        )
        return self.as_sql(compiler, connection, template=template, **extra)


def _iso_utc(field: str) -> Func:
    return _IsoUtc(F(field))


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


def dataset_submissions(*, version_ids, checker_version: str, accepted_only: bool) -> QuerySet[Submission]:
    """Finished submissions judged by the current checker and contributed under an allowed
    licence (earlier verdicts may be forged; JUDGE_ERROR is our fault, not data)."""
    queryset = Submission.objects.filter(
        # by version ids, not through the join: the (problem_version, verdict) index serves it
        problem_version_id__in=list(version_ids),
        status=SubmissionStatus.FINISHED,
        checker_version=checker_version,
        licence__in=allowed_licences(),
    ).exclude(verdict__in=["", Verdict.JUDGE_ERROR])
    if accepted_only:
        queryset = queryset.filter(verdict=Verdict.ACCEPTED)
    return queryset


def dataset_submission_rows_sql(*, version_ids, checker_version: str) -> tuple[str, tuple]:
    """SQL and parameters for every row of submissions.jsonl in id order, each with a last
    column `is_solution`: ACCEPTED and the first (lowest id) of its exact duplicates (same
    normalised code, by the stored digest) on its problem, i.e. a row of solutions.jsonl too."""
    version_ids = list(version_ids)
    queryset = dataset_submissions(version_ids=version_ids, checker_version=checker_version, accepted_only=False)
    # An index probe per accepted row (submission_accepted_digest): the database drops the
    # duplicates as the rows stream, and the export's memory stays flat whatever the row count.
    earlier_twins = dataset_submissions(version_ids=version_ids, checker_version=checker_version, accepted_only=True)
    earlier_twins = earlier_twins.filter(
        code_digest=OuterRef("code_digest"),
        id__lt=OuterRef("id"),
        problem_version__problem_id=OuterRef("problem_version__problem_id"),
    )
    first_of_each = Case(
        When(verdict=Verdict.ACCEPTED, then=~Exists(earlier_twins)), default=Value(False), output_field=BooleanField()
    )
    rows = (
        queryset.annotate(
            finished_iso=_iso_utc("finished_at"), created_iso=_iso_utc("created_at"), is_solution=first_of_each
        )
        .order_by("id")
        .values_list(*SUBMISSION_COLUMNS, "is_solution")
    )
    return rows.query.sql_with_params()


def dataset_runs() -> list[Run]:
    """Every bot run (the runs page is public), oldest first, with its owner's dump preference."""
    return list(Run.objects.select_related("user__dataset_preference").order_by("id"))


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


PREVIEW_ROWS = 3
_PREVIEW_BYTES = 256 * 1024  # a few rows, never the file


def dataset_dump_preview(*, folder, name: str, rows: int = PREVIEW_ROWS) -> list[dict]:
    """The first rows of one file of a dump (its JSONL), read in a bounded slice of the file."""
    import json

    path = folder / f"{name}.jsonl"
    if not path.is_file():
        return []
    found = []
    with path.open(encoding="utf-8") as f:
        for line in f.read(_PREVIEW_BYTES).splitlines()[:rows]:
            try:
                found.append(json.loads(line))
            except ValueError:
                break  # the slice cut a long row: show what came whole
    return found
