"""Leaderboards: humans and bots apart (by Submission.author_kind), problems solved first, then
who reached that count earliest."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from judge.problem_format import ProblemSpec
from judge.results import Verdict
from problems.services import problem_upsert_from_spec
from submissions.models import AuthorKind, Submission, SubmissionStatus
from submissions.selectors import leaderboard
from tests.site.conftest import SOLVE_ADD


def solve(user, problem, minutes_ago: int, kind=AuthorKind.HUMAN, verdict=Verdict.ACCEPTED):
    submission = Submission.objects.create(
        user=user,
        problem_version=problem.versions.get(),
        code="-- x",
        status=SubmissionStatus.FINISHED,
        verdict=verdict,
        author_kind=kind,
    )
    Submission.objects.filter(pk=submission.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))


def test_ranked_by_count_then_by_the_time_the_count_was_reached(db, django_user_model, problem):
    second = problem_upsert_from_spec(spec=ProblemSpec.from_dict(dict(SOLVE_ADD, slug="second"))).problem
    early, late, both = (django_user_model.objects.create_user(username=n) for n in ["early", "late", "both"])
    solve(late, problem, minutes_ago=10)
    solve(early, problem, minutes_ago=20)
    solve(early, problem, minutes_ago=5)  # solving again changes nothing
    solve(both, problem, minutes_ago=30)
    solve(both, second, minutes_ago=1)
    solve(late, second, minutes_ago=0, verdict=Verdict.COMPILE_ERROR)
    rows = leaderboard(author_kind=AuthorKind.HUMAN)
    assert [(r.rank, r.username, r.solved) for r in rows] == [(1, "both", 2), (2, "early", 1), (3, "late", 1)]


def test_humans_and_bots_are_ranked_apart(client, db, django_user_model, problem):
    person = django_user_model.objects.create_user(username="person")
    robot = django_user_model.objects.create_user(username="robot")
    solve(person, problem, minutes_ago=3)
    solve(robot, problem, minutes_ago=2, kind=AuthorKind.MACHINE)
    assert [r.username for r in leaderboard(author_kind=AuthorKind.HUMAN)] == ["person"]
    assert [r.username for r in leaderboard(author_kind=AuthorKind.MACHINE)] == ["robot"]
    html = client.get(reverse("leaderboards")).content.decode()
    humans, bots = html.split('data-board="humans"')[1].split('data-board="bots"')
    assert "person" in humans and "robot" not in humans and "robot" in bots
