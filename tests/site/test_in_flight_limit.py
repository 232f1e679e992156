"""The in-flight limit on the form: an owner with ARENA_MAX_IN_FLIGHT_PER_OWNER submissions
queued or running is refused another, with the reason shown on the page and the code kept."""

from submissions.models import Submission, SubmissionStatus
from submissions.services import submission_create
from tests.site.conftest import GOOD_CODE


def fill(owner, problem, n):
    for i in range(n):
        submission_create(user=owner, problem=problem, code=f"{GOOD_CODE}-- {i}\n")


def test_the_form_refuses_a_submission_past_the_limit_with_a_form_error(problem, user, signed_in, enqueued, settings):
    settings.ARENA_MAX_IN_FLIGHT_PER_OWNER = 3
    fill(user, problem, 3)

    refused = signed_in.post("/problems/solve-add/submit/", {"code": GOOD_CODE + "-- mine\n"})

    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'id="form-errors"' in page
    assert "You have 3 submissions waiting for a verdict, and the limit is 3 per account." in page
    assert "-- mine" in page  # what they typed is kept
    assert Submission.objects.count() == 3


def test_running_submissions_count_and_finished_ones_free_a_place(problem, user, signed_in, enqueued, settings):
    settings.ARENA_MAX_IN_FLIGHT_PER_OWNER = 2
    fill(user, problem, 2)
    first = Submission.objects.earliest("pk")
    Submission.objects.filter(pk=first.pk).update(status=SubmissionStatus.RUNNING)
    assert signed_in.post("/problems/solve-add/submit/", {"code": GOOD_CODE}).status_code == 400

    Submission.objects.filter(pk=first.pk).update(status=SubmissionStatus.FINISHED)

    assert signed_in.post("/problems/solve-add/submit/", {"code": GOOD_CODE}).status_code == 302


def test_the_limit_is_per_owner(problem, user, other_user, client, enqueued, settings):
    settings.ARENA_MAX_IN_FLIGHT_PER_OWNER = 2
    fill(user, problem, 2)
    client.force_login(other_user)

    assert client.post("/problems/solve-add/submit/", {"code": GOOD_CODE}).status_code == 302


def test_the_default_limit_is_100(settings):
    assert settings.ARENA_MAX_IN_FLIGHT_PER_OWNER == 100
