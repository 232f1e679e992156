"""The queue position a pending submission's page shows follows the fair claim: form submissions
first, then turns between owners, not the order of arrival."""

from submissions.selectors import submission_queue_position
from submissions.services import submission_create
from tests.site.conftest import GOOD_CODE


def submit(owner, problem, n, interactive=False):
    return [
        submission_create(user=owner, problem=problem, code=f"{GOOD_CODE}-- {i}\n", interactive=interactive)
        for i in range(n)
    ]


def test_a_second_owners_only_submission_is_second_behind_a_backlog(problem, user, other_user, enqueued):
    backlog = submit(user, problem, 30)
    (mine,) = submit(other_user, problem, 1)

    assert submission_queue_position(submission=mine) == 2
    assert submission_queue_position(submission=backlog[-1]) == 31


def test_a_form_submission_is_ahead_of_every_bulk_one(problem, user, other_user, enqueued):
    bulk = submit(user, problem, 5)
    (waiting,) = submit(other_user, problem, 1, interactive=True)

    assert submission_queue_position(submission=waiting) == 1
    assert submission_queue_position(submission=bulk[0]) == 2
