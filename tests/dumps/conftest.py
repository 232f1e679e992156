"""Fixtures for dataset dumps: problems published long enough ago, judged submissions (through
the real pipeline with the recording judge double), and a dump folder of the test's own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bots.models import SubmissionOrigin
from bots.services import run_create
from judge.problem_format import ProblemSpec
from problems.models import ProblemVersion
from problems.services import problem_upsert_from_spec
from submissions.models import Submission
from submissions.services import submission_create, submission_judge
from tests.site.conftest import GOOD_CODE, SOLVE_ADD, enqueued, judge_double  # noqa: F401  (fixtures)

REFERENCE_MARKER = "reference_only_marker_9f3c"


@pytest.fixture(autouse=True)
def dump_dir(settings, tmp_path):
    settings.ARENA_DATASET_DIR = str(tmp_path / "dumps")
    return tmp_path / "dumps"


def make_problem(slug: str, *, licence: str = "CC-BY-4.0", published_days_ago: int = 60, status: str = "published"):
    spec = ProblemSpec.from_dict(
        SOLVE_ADD
        | {
            "slug": slug,
            "title": f"Problem {slug}",
            "licence": licence,
            "reference_solution": f"-- {REFERENCE_MARKER}\n" + SOLVE_ADD["reference_solution"],
        }
    )
    problem = problem_upsert_from_spec(spec=spec, status=status).problem
    ProblemVersion.objects.filter(problem=problem).update(
        created_at=timezone.now() - timedelta(days=published_days_ago)
    )
    return problem


def judged(*, user, problem, code: str = GOOD_CODE, **fields) -> Submission:
    """A submission made and judged as the site does (the judge double answers)."""
    submission = submission_create(user=user, problem=problem, code=code)
    if fields:
        Submission.objects.filter(pk=submission.pk).update(**fields)
    submission_judge(submission_id=submission.pk, worker="test")
    return Submission.objects.get(pk=submission.pk)


@pytest.fixture
def make(db, judge_double, enqueued):  # noqa: F811
    """The two helpers above, with the judge double and the queue stand-in in place."""

    class Make:
        problem = staticmethod(make_problem)
        submission = staticmethod(judged)

    return Make


SECRET_EMAIL = "alice.secret.mail@example.org"


@pytest.fixture
def scenario(make, django_user_model):
    """A small site: what a dump must hold and, beside it, everything it must leave out."""
    from rest_framework.authtoken.models import Token

    from accounts.services import dataset_preference_set

    alice = django_user_model.objects.create_user(username="alice", email=SECRET_EMAIL, password="alice-pass-123")
    bob = django_user_model.objects.create_user(username="bob", password="bob-pass-123")
    dataset_preference_set(user=bob, anonymous=True)
    robot = django_user_model.objects.create_user(username="robot-lab", password="robot-pass-123")
    token = Token.objects.create(user=alice)

    open_problem = make.problem("open-problem")
    recent = make.problem("recent-problem", published_days_ago=2)
    unlicensed = make.problem("unlicensed-problem", licence="")
    proprietary = make.problem("proprietary-problem", licence="LicenseRef-proprietary")
    retired = make.problem("retired-problem")

    included_solutions = [
        make.submission(user=alice, problem=open_problem),
        make.submission(user=bob, problem=open_problem, code="-- bob's\n" + GOOD_CODE),
        make.submission(
            user=robot,
            problem=open_problem,
            code="-- by a model\n" + GOOD_CODE,
            author_kind="machine",
            model_name="prover-7b",
        ),
    ]
    # the model's solution is an attempt of its run (the runs config, issue 32 item 18)
    run = run_create(user=robot, token=None, model_name="prover-7b", k=1, problems=[open_problem])
    SubmissionOrigin.objects.create(submission=included_solutions[2], run=run)
    duplicate = make.submission(user=alice, problem=open_problem, code=GOOD_CODE.replace("\n", "   \n") + "\n\n")
    failure = make.submission(user=alice, problem=open_problem, code=GOOD_CODE + "\n-- oops\n")
    old_checker = make.submission(user=alice, problem=open_problem, code="-- old\n" + GOOD_CODE)
    Submission.objects.filter(pk=old_checker.pk).update(checker_version="old-checker-1")
    unlicensed_submission = make.submission(user=alice, problem=open_problem, code="-- before\n" + GOOD_CODE)
    Submission.objects.filter(pk=unlicensed_submission.pk).update(licence="", licence_version="")
    hidden = [make.submission(user=alice, problem=p) for p in (recent, unlicensed, proprietary, retired)]
    retired.status = "retired"
    retired.save()
    return {
        "alice": alice,
        "bob": bob,
        "robot": robot,
        "token": token.key,
        "run": run,
        "problems": [open_problem, recent],
        "solutions": included_solutions,
        "submissions": [*included_solutions, duplicate, failure],
        "excluded": [old_checker, unlicensed_submission, *hidden],
    }


@pytest.fixture
def solver(django_user_model):
    return django_user_model.objects.create_user(username="sol", password="sol-pass-123")
