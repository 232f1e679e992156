"""Reading submissions: the list queries the site makes (see the indexes on Submission)."""

from __future__ import annotations

from django.db.models import QuerySet

from judge.results import Verdict
from submissions.models import Submission


def submission_list_for_user(*, user) -> QuerySet[Submission]:
    return Submission.objects.filter(user=user).select_related("problem_version__problem").order_by("-created_at")


def submission_get_visible(*, submission_id: int, user) -> Submission:
    """The submission if user may see it (its author or staff); else Submission.DoesNotExist."""
    queryset = Submission.objects.select_related("problem_version__problem", "user")
    if not user.is_staff:
        queryset = queryset.filter(user=user)
    return queryset.get(pk=submission_id)


def submission_list_outdated_accepted(*, checker_version: str) -> QuerySet[Submission]:
    """ACCEPTED submissions judged by another checker version than the current one."""
    return (
        Submission.objects.filter(verdict=Verdict.ACCEPTED)
        .exclude(checker_version=checker_version)
        .select_related("problem_version__problem", "user")
        .order_by("id")
    )
