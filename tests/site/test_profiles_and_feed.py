"""A profile per user (solved problems, recent submissions, human or bot) and the feed of
everyone's recent submissions, whose code opens only where the viewer may see it."""

from __future__ import annotations

from django.urls import reverse

from judge.results import Verdict
from submissions.models import AuthorKind, Submission, SubmissionStatus


def finished(user, problem, verdict, kind=AuthorKind.HUMAN):
    return Submission.objects.create(
        user=user,
        problem_version=problem.versions.get(),
        code="-- x",
        status=SubmissionStatus.FINISHED,
        verdict=verdict,
        author_kind=kind,
    )


def test_a_profile_shows_solved_problems_and_recent_submissions(client, user, problem):
    finished(user, problem, Verdict.COMPILE_ERROR)
    finished(user, problem, Verdict.ACCEPTED)
    html = client.get(reverse("profile", args=[user.username])).content.decode()
    assert 'class="solved-list"><li><a href="/problems/solve-add/">Solve an addition</a>' in html
    assert html.count("verdict-compile_error") == 1 and html.count("verdict-accepted") == 1
    assert "badge-human" in html and "Change your password" not in html  # not signed in as alice


def test_a_machine_user_is_shown_as_a_bot(client, other_user, problem):
    finished(other_user, problem, Verdict.ACCEPTED, kind=AuthorKind.MACHINE)
    assert "badge-bot" in client.get(reverse("profile", args=[other_user.username])).content.decode()


def test_an_unknown_user_is_a_styled_404(client, db):
    response = client.get(reverse("profile", args=["nobody"]))
    assert response.status_code == 404 and "Back to the problems" in response.content.decode()


def test_the_feed_lists_everyone_and_links_only_what_the_viewer_may_open(signed_in, user, other_user, problem):
    mine = finished(user, problem, Verdict.COMPILE_ERROR)
    theirs = finished(other_user, problem, Verdict.ACCEPTED)
    html = signed_in.get(reverse("recent-submissions")).content.decode()
    assert ">bob</a>" in html and ">alice</a>" in html
    assert f'href="{mine.get_absolute_url()}"' in html
    assert f'href="{theirs.get_absolute_url()}"' not in html  # alice has not solved it
    finished(user, problem, Verdict.ACCEPTED)
    assert f'href="{theirs.get_absolute_url()}"' in signed_in.get(reverse("recent-submissions")).content.decode()
