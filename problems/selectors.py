"""Reading problems: the queries the pages, the API and the commands share."""

from __future__ import annotations

from django.db.models import QuerySet

from problems.models import Problem, ProblemStatus, ProblemVersion


def problem_list_published() -> QuerySet[Problem]:
    return Problem.objects.filter(status=ProblemStatus.PUBLISHED).order_by("slug")


def problem_get_published(*, slug: str) -> Problem:
    """Raises Problem.DoesNotExist for a draft, retired or unknown slug."""
    return problem_list_published().get(slug=slug)


def problem_latest_version(*, problem: Problem) -> ProblemVersion | None:
    return problem.versions.order_by("-number").first()
