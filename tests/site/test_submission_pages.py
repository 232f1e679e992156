"""Submitting through the form, the submission page (polled while pending), my submissions."""

from django.urls import reverse

from submissions.models import Submission
from submissions.services import submission_create, submission_judge
from tests.site.conftest import GOOD_CODE


def test_submitting_the_form_creates_a_submission_and_shows_it(signed_in, problem, enqueued):
    response = signed_in.post(reverse("submission-create", args=[problem.slug]), {"code": GOOD_CODE})
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == submission.get_absolute_url()
    html = signed_in.get(submission.get_absolute_url()).content.decode()
    assert "Queued" in html and 'hx-trigger="every 2s"' in html
    assert '<meta http-equiv="refresh"' in html  # for browsers without JavaScript


def test_too_large_code_shows_an_error_and_stores_nothing(signed_in, problem, enqueued):
    code = "-" * (64 * 1024 + 1)
    response = signed_in.post(reverse("submission-create", args=[problem.slug]), {"code": code})
    assert response.status_code == 400
    assert "the limit is 65,536 bytes (64 KiB)" in response.content.decode()
    assert Submission.objects.count() == 0


def test_finished_submission_shows_verdict_theorems_and_messages(signed_in, user, problem, enqueued, judge_double):
    submission = submission_create(user=user, problem=problem, code=GOOD_CODE + "-- oops\n")
    submission_judge(submission_id=submission.pk, worker="w")
    html = signed_in.get(submission.get_absolute_url()).content.decode()
    assert 'data-verdict="COMPILE_ERROR">COMPILE_ERROR</strong>' in html
    assert '<code>solveAdd_spec</code></td><td class="theorem-error">not proved (Lean stopped at an error)</td>' in html
    assert "line 4, column 2" in html and "unknown identifier &#x27;oops&#x27;" in html
    assert "hx-trigger" not in html  # no more polling


def test_the_polled_fragment_is_the_status_block_only(signed_in, user, problem, enqueued):
    submission = submission_create(user=user, problem=problem, code=GOOD_CODE)
    html = signed_in.get(submission.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<section id="submission-status"') and "<html" not in html


def test_another_users_submission_is_not_shown(client, other_user, user, problem, enqueued):
    submission = submission_create(user=user, problem=problem, code=GOOD_CODE)
    client.force_login(other_user)
    response = client.get(submission.get_absolute_url())
    assert response.status_code == 403 and GOOD_CODE not in response.content.decode()  # why: test_error_pages


def test_my_submissions_lists_mine_only(signed_in, user, other_user, problem, enqueued):
    mine = submission_create(user=user, problem=problem, code=GOOD_CODE)
    theirs = submission_create(user=other_user, problem=problem, code=GOOD_CODE)
    html = signed_in.get(reverse("my-submissions")).content.decode()
    assert mine.get_absolute_url() in html and theirs.get_absolute_url() not in html
