"""Interactive before bulk: a submission from the browser form, whose author is waiting for the
page to show its verdict, is claimed ahead of bulk ones (the API, batches), however old they are.
Only an owner's first few form submissions in flight are interactive, so a script posting the
form cannot jump the queue. The broker is a list; the judge is the recording double."""

from rest_framework.test import APIClient

from bots.services import token_create
from submissions.models import Submission, SubmissionStatus
from submissions.services import submission_claim_next, submission_create
from tests.site.conftest import GOOD_CODE


def post_form(client, i=0):
    response = client.post("/problems/solve-add/submit/", {"code": f"{GOOD_CODE}-- form {i}\n"})
    assert response.status_code == 302, response.content[:300]
    return Submission.objects.latest("pk")


def bulk(owner, problem, n):
    return [submission_create(user=owner, problem=problem, code=f"{GOOD_CODE}-- bulk {i}\n") for i in range(n)]


def test_an_interactive_submission_is_claimed_before_older_bulk_ones(problem, user, other_user, client, enqueued):
    backlog = bulk(user, problem, 10)
    client.force_login(other_user)
    waiting = post_form(client)

    run = submission_claim_next(hint_id=backlog[1].pk, worker="w")  # the message of a bulk one

    assert run.submission_id == waiting.pk
    assert Submission.objects.filter(pk__in=[s.pk for s in backlog], status=SubmissionStatus.QUEUED).count() == 10


def test_interactive_ones_of_two_owners_take_turns_ahead_of_bulk(problem, user, other_user, client, enqueued):
    bulk(other_user, problem, 3)
    client.force_login(user)
    alices = [post_form(client, i) for i in range(2)]
    client.force_login(other_user)
    bobs = post_form(client)

    claimed = [submission_claim_next(hint_id=bobs.pk, worker="w").submission_id for _ in range(3)]

    assert claimed == [alices[0].pk, bobs.pk, alices[1].pk]


def test_the_form_makes_interactive_submissions_and_the_apis_bulk_ones(problem, signed_in, user, enqueued):
    assert post_form(signed_in).interactive is True

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user, name='laptop').key}")
    one = api.post("/api/v1/submissions/", {"problem": "solve-add", "code": GOOD_CODE}, format="json")
    batch = api.post(
        "/api/v1/submissions/batch/", {"submissions": [{"problem": "solve-add", "code": GOOD_CODE}] * 2}, format="json"
    )
    old_api = api.post("/api/submissions/", {"problem": "solve-add", "code": GOOD_CODE}, format="json")

    assert (one.status_code, batch.status_code, old_api.status_code) == (202, 202, 201)
    assert list(Submission.objects.filter(interactive=True)) == [Submission.objects.earliest("pk")]
    assert Submission.objects.filter(interactive=False).count() == 4


def test_past_the_first_few_in_flight_form_submissions_wait_with_the_bulk_ones(problem, signed_in, enqueued, settings):
    in_flight = settings.ARENA_INTERACTIVE_IN_FLIGHT = 3

    made = [post_form(signed_in, i) for i in range(in_flight + 2)]

    assert [s.interactive for s in made] == [True] * in_flight + [False, False]
    # once one is judged, the next form submission is interactive again
    Submission.objects.filter(pk=made[0].pk).update(status=SubmissionStatus.FINISHED)
    assert post_form(signed_in, 99).interactive is True
