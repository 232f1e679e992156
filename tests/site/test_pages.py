"""The pages: sign in and up, problem list, problem page and its form, submission pages."""

import pytest
from django.urls import reverse

from problems.models import ProblemStatus
from submissions.models import Submission
from submissions.services import submission_create, submission_judge
from tests.site.conftest import GOOD_CODE


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_sign_in_page_has_labelled_fields(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html


def test_signing_in_with_the_form_works(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-pass-123"})
    assert response.status_code == 302
    assert client.get(reverse("my-submissions")).status_code == 200


def test_sign_up_creates_the_account_and_signs_in(client, db, django_user_model):
    response = client.post(
        reverse("signup"),
        {"username": "carol", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
    )
    assert response.status_code == 302
    assert django_user_model.objects.filter(username="carol").exists()
    assert client.get(reverse("my-submissions")).status_code == 200


def test_problem_list_shows_published_problems_only(client, problem):
    html = client.get(reverse("problem-list")).content.decode()
    assert "Solve an addition" in html and problem.get_absolute_url() in html
    problem.status = ProblemStatus.DRAFT
    problem.save()
    assert "Solve an addition" not in client.get(reverse("problem-list")).content.decode()
    assert client.get(problem.get_absolute_url()).status_code == 404


def test_problem_page_has_statement_and_the_template_in_a_form(signed_in, problem):
    html = signed_in.get(problem.get_absolute_url()).content.decode()
    assert "<h1>Solve an addition</h1>" in html
    assert "<code>x</code>" in html  # the description's Markdown, rendered
    assert '<pre class="lean"><code>def solveAdd (a b : Int) : Int :=\n  sorry' in html
    assert '<textarea name="code"' in html and "theorem solveAdd_spec" in html
    assert '<label for="id_code">' in html


def test_description_html_is_sanitised(client, problem):
    problem.description = "Hi <script>alert(1)</script> <a href='javascript:alert(2)'>x</a>"
    problem.save()
    html = client.get(problem.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html and "javascript:alert" not in html


def test_anonymous_visitors_are_asked_to_sign_in(client, problem):
    assert "Sign in</a> to submit" in client.get(problem.get_absolute_url()).content.decode()
    response = client.post(reverse("submission-create", args=[problem.slug]), {"code": GOOD_CODE})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert Submission.objects.count() == 0


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
    assert "<strong>COMPILE_ERROR</strong>" in html
    assert "<code>solveAdd_spec</code></td><td>error</td>" in html
    assert "line 4, column 2" in html and "unknown identifier &#x27;oops&#x27;" in html
    assert "hx-trigger" not in html  # no more polling


def test_the_polled_fragment_is_the_status_block_only(signed_in, user, problem, enqueued):
    submission = submission_create(user=user, problem=problem, code=GOOD_CODE)
    html = signed_in.get(submission.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<section id="submission-status"') and "<html" not in html


def test_another_users_submission_is_not_found(client, other_user, user, problem, enqueued):
    submission = submission_create(user=user, problem=problem, code=GOOD_CODE)
    client.force_login(other_user)
    assert client.get(submission.get_absolute_url()).status_code == 404


def test_my_submissions_lists_mine_only(signed_in, user, other_user, problem, enqueued):
    mine = submission_create(user=user, problem=problem, code=GOOD_CODE)
    theirs = submission_create(user=other_user, problem=problem, code=GOOD_CODE)
    html = signed_in.get(reverse("my-submissions")).content.decode()
    assert mine.get_absolute_url() in html and theirs.get_absolute_url() not in html


def test_health(client, db):
    assert client.get(reverse("health")).json() == {"database": "ok"}
