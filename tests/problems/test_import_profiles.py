"""A problem whose modules this site's workers lack is listed as needing them and refuses
submissions with that message; judging goes to its profile's queue."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from judge.problem_format import ProblemSpec
from problems.models import Problem
from problems.profiles import profile_for_imports, profile_get
from problems.services import problem_upsert_from_spec
from submissions.services import submission_create
from tests.site.conftest import GOOD_CODE, SOLVE_ADD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mathlib_problem():
    problem = problem_upsert_from_spec(spec=ProblemSpec.from_dict(SOLVE_ADD | {"imports": ["Mathlib"]})).problem
    Problem.objects.filter(pk=problem.pk).update(import_profile="mathlib")
    problem.refresh_from_db()
    return problem


def test_profiles_cover_submodules_smallest_first():
    assert profile_for_imports([]).name == "core"
    assert profile_for_imports(["Std.Data.HashMap"]).name == "std"
    assert profile_for_imports(["Mathlib.Data.List.Basic", "Std"]).name == "mathlib"
    assert profile_get("mathlib").missing_modules == ["Mathlib"]


def test_submission_to_a_mathlib_problem_is_refused_here(author, mathlib_problem):
    with pytest.raises(ValidationError, match="needs Mathlib, and no judge worker of this site has it"):
        submission_create(user=author, problem=mathlib_problem, code=GOOD_CODE)
    assert not mathlib_problem.versions.first().submissions.exists()


def test_a_site_serving_mathlib_takes_it_on_the_mathlib_queue(author, mathlib_problem, settings, monkeypatch):
    settings.ARENA_SERVED_PROFILES = ["core", "std", "mathlib"]
    sent = []

    class Task:
        @staticmethod
        def apply_async(args, countdown, queue):
            sent.append((args, queue))

    monkeypatch.setattr("submissions.tasks.judge_submission_task", Task)

    submission = submission_create(user=author, problem=mathlib_problem, code=GOOD_CODE)

    assert sent == [([submission.pk], "judge-mathlib")]


def test_core_problem_is_judged_on_the_judge_queue(author, monkeypatch):
    problem = problem_upsert_from_spec(spec=ProblemSpec.from_dict(SOLVE_ADD)).problem
    sent = []
    monkeypatch.setattr(
        "submissions.tasks.judge_submission_task.apply_async", lambda args, countdown, queue: sent.append(queue)
    )

    submission_create(user=author, problem=problem, code=GOOD_CODE)

    assert sent == ["judge"]


def test_list_and_page_say_needs_mathlib(client, mathlib_problem):
    listing = client.get(reverse("problem-list")).content.decode()
    page = client.get(reverse("problem-detail", args=[mathlib_problem.slug])).content.decode()

    assert "(needs Mathlib)" in listing
    assert "This problem needs Mathlib, and no judge worker of this site has it" in page
