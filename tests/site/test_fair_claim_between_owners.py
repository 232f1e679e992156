"""Round-robin between owners: a judging message claims the queued submission of the owner the
judge served longest ago (fewest running first), so one owner's backlog never holds the judge
while another owner waits. Messages are delivered in the order the site sent them (one per
submission, as the broker would); the judge is the recording double."""

import pytest

from judge.problem_format import ProblemSpec
from problems.models import Problem
from problems.services import problem_upsert_from_spec
from submissions.models import JudgeRun, Submission, SubmissionStatus
from submissions.services import submission_claim_next, submission_create
from submissions.tasks import judge_submission_task
from tests.site.conftest import GOOD_CODE, SOLVE_ADD


@pytest.fixture
def carol(django_user_model):
    return django_user_model.objects.create_user(username="carol", password="carol-pass-123")


def submit(owner, problem, n=1):
    return [submission_create(user=owner, problem=problem, code=f"{GOOD_CODE}-- {i}\n") for i in range(n)]


def judge_next():
    """Deliver the oldest message not yet delivered (one per submission, in the order sent);
    the name of the owner whose submission it judged."""
    delivered = JudgeRun.objects.count()
    message = Submission.objects.order_by("pk").values_list("pk", flat=True)[delivered]
    judge_submission_task.apply(args=[message])
    latest = JudgeRun.objects.select_related("submission__user").latest("pk")
    assert JudgeRun.objects.count() == delivered + 1, "the message judged nothing"
    return latest.submission.user.username


def test_a_second_owners_submission_is_claimed_before_the_first_owners_backlog(
    problem, user, other_user, enqueued, judge_double
):
    submit(user, problem, 35)  # alice floods the queue first
    (bobs,) = submit(other_user, problem)

    assert judge_next() == "alice"  # the oldest, while nobody has been served
    assert judge_next() == "bob"  # then bob's, ahead of alice's 34 older ones
    bobs.refresh_from_db()
    assert bobs.status == SubmissionStatus.FINISHED
    assert Submission.objects.filter(user=user, status=SubmissionStatus.QUEUED).count() == 34


def test_owners_with_backlogs_take_turns(problem, user, other_user, carol, enqueued, judge_double):
    submit(user, problem, 3)
    submit(other_user, problem, 3)
    submit(carol, problem, 1)

    order = [judge_next() for _ in range(7)]

    assert order == ["alice", "bob", "carol", "alice", "bob", "alice", "bob"]


def test_an_owner_with_a_submission_running_waits_behind_one_with_none(problem, user, other_user, enqueued):
    submit(user, problem, 2)
    first = submission_claim_next(hint_id=Submission.objects.order_by("pk").first().pk, worker="w1")
    assert first.submission.user == user
    (bobs,) = submit(other_user, problem)

    second = submission_claim_next(hint_id=bobs.pk, worker="w2")  # a second worker, alice's still running

    assert second.submission_id == bobs.pk


def test_within_one_owner_the_oldest_goes_first(problem, user, enqueued, judge_double):
    made = submit(user, problem, 3)

    claimed = [submission_claim_next(hint_id=made[-1].pk, worker="w").submission_id for _ in made]

    assert claimed == [s.pk for s in made]


def test_a_message_claims_only_from_its_own_queue(problem, user, other_user, enqueued, settings):
    settings.ARENA_SERVED_PROFILES = ["core", "std", "mathlib"]
    spec = ProblemSpec.from_dict({**SOLVE_ADD, "slug": "solve-add-mathlib"})
    on_mathlib = problem_upsert_from_spec(spec=spec).problem
    Problem.objects.filter(pk=on_mathlib.pk).update(import_profile="mathlib")  # the "judge-mathlib" queue
    on_mathlib.refresh_from_db()
    (bobs,) = submit(other_user, on_mathlib)  # the oldest, of an owner never served
    (alices,) = submit(user, problem)

    run = submission_claim_next(hint_id=alices.pk, worker="judge-worker")  # a message of the "judge" queue

    assert run.submission_id == alices.pk
    assert Submission.objects.get(pk=bobs.pk).status == SubmissionStatus.QUEUED
