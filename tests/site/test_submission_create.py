"""submission_create: validates, stores, and enqueues the judging only once committed."""

import pytest
from django.core.exceptions import ValidationError

from problems.models import ProblemStatus
from submissions.models import Submission, SubmissionStatus
from submissions.services import submission_create
from tests.site.conftest import GOOD_CODE

LIMIT = 64 * 1024


def test_creates_a_queued_submission_on_the_latest_version(problem, user, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_create(user=user, problem=problem, code=GOOD_CODE)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.QUEUED
    assert submission.problem_version == problem.versions.get(number=1)
    assert submission.attempts == 0 and submission.verdict == ""
    assert enqueued == [(submission.pk, None)]


def test_nothing_is_enqueued_before_the_commit(problem, user, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission_create(user=user, problem=problem, code=GOOD_CODE)
    assert enqueued == []
    assert len(callbacks) == 1


def test_code_of_exactly_64_kib_is_accepted(problem, user, enqueued):
    code = GOOD_CODE + "-" * (LIMIT - len(GOOD_CODE))
    assert len(code.encode()) == LIMIT
    submission_create(user=user, problem=problem, code=code)
    assert Submission.objects.count() == 1


def test_one_byte_over_64_kib_is_refused_and_nothing_stored(
    problem, user, enqueued, django_capture_on_commit_callbacks
):
    code = GOOD_CODE + "-" * (LIMIT + 1 - len(GOOD_CODE))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
        submission_create(user=user, problem=problem, code=code)
    assert exc.value.code == "too_large"
    assert "65,537 bytes" in exc.value.message and "64 KiB" in exc.value.message
    assert Submission.objects.count() == 0
    assert enqueued == []


def test_the_limit_counts_utf8_bytes_not_characters(problem, user, enqueued):
    # 30,000 characters of "→" are 90,000 bytes.
    code = GOOD_CODE + "-- " + "→" * 30_000
    assert len(code) < LIMIT < len(code.encode())
    with pytest.raises(ValidationError):
        submission_create(user=user, problem=problem, code=code)
    assert Submission.objects.count() == 0


def test_empty_code_is_refused(problem, user, enqueued):
    with pytest.raises(ValidationError) as exc:
        submission_create(user=user, problem=problem, code="  \n")
    assert exc.value.code == "empty"
    assert Submission.objects.count() == 0


@pytest.mark.parametrize("status", [ProblemStatus.DRAFT, ProblemStatus.RETIRED])
def test_unpublished_problems_take_no_submissions(problem, user, enqueued, status):
    problem.status = status
    problem.save()
    with pytest.raises(ValidationError) as exc:
        submission_create(user=user, problem=problem, code=GOOD_CODE)
    assert exc.value.code == "not_published"
    assert Submission.objects.count() == 0


def test_crlf_and_lone_cr_are_stored_as_lf(problem, user, enqueued):
    crlf = submission_create(user=user, problem=problem, code=GOOD_CODE.replace("\n", "\r\n"))
    lone_cr = submission_create(user=user, problem=problem, code=GOOD_CODE.replace("\n", "\r"))
    assert crlf.code == GOOD_CODE
    assert lone_cr.code == GOOD_CODE
