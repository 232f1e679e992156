"""Others' accepted solutions open only once you have solved the problem (Codeforces' rule)."""

from __future__ import annotations

from django.urls import reverse

from judge.results import Verdict
from submissions.models import Submission, SubmissionStatus


def finished(user, problem, verdict, code):
    return Submission.objects.create(
        user=user, problem_version=problem.versions.get(), code=code, status=SubmissionStatus.FINISHED, verdict=verdict
    )


def test_others_solutions_are_closed_until_you_solve_it(signed_in, user, other_user, problem):
    theirs = finished(other_user, problem, Verdict.ACCEPTED, "-- bob's proof")
    failed = finished(other_user, problem, Verdict.COMPILE_ERROR, "-- bob's failure")
    page = signed_in.get(reverse("problem-solutions", args=[problem.slug]))
    assert page.status_code == 403 and "bob&#x27;s proof" not in page.content.decode()
    assert signed_in.get(theirs.get_absolute_url()).status_code == 403  # with why: test_error_pages

    finished(user, problem, Verdict.ACCEPTED, "-- alice's proof")
    html = signed_in.get(reverse("problem-solutions", args=[problem.slug])).content.decode()
    assert "bob&#x27;s proof" in html and "alice&#x27;s proof" not in html and "failure" not in html
    assert signed_in.get(theirs.get_absolute_url()).status_code == 200
    assert signed_in.get(failed.get_absolute_url()).status_code == 403  # only accepted ones open


def test_a_failed_attempt_opens_nothing(signed_in, user, other_user, problem):
    theirs = finished(other_user, problem, Verdict.ACCEPTED, "-- bob's proof")
    finished(user, problem, Verdict.INCOMPLETE_PROOF, "-- sorry")
    assert signed_in.get(reverse("problem-solutions", args=[problem.slug])).status_code == 403
    assert signed_in.get(theirs.get_absolute_url()).status_code == 403  # with why: test_error_pages
