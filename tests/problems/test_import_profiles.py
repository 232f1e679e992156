"""A problem whose modules this site's workers lack is listed as needing them (the list, its page
and the API say so, and filter on it) and refuses submissions with that message; judging goes to
its profile's queue."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

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

    assert "(needs Mathlib: import profile mathlib, not judged here)" in listing
    assert "This problem needs Mathlib, and no judge worker of this site has it" in page
    assert "it needs the import profile <code>mathlib</code>" in page


@pytest.fixture
def core_problem():
    return problem_upsert_from_spec(spec=ProblemSpec.from_dict(SOLVE_ADD | {"slug": "add-core"})).problem


def listed(client, **query) -> list[str]:
    return [p.slug for p in client.get(reverse("problem-list"), query).context["page"].object_list]


def test_the_list_filters_on_what_this_site_can_judge(client, mathlib_problem, core_problem, settings):
    assert listed(client, judgeable="yes") == ["add-core"]
    assert listed(client, judgeable="no") == [mathlib_problem.slug]
    assert listed(client, judgeable="junk") == sorted(["add-core", mathlib_problem.slug])
    settings.ARENA_SERVED_PROFILES = ["core", "std", "mathlib"]  # a site with Mathlib workers
    assert listed(client, judgeable="no") == []


def test_the_api_says_whether_and_what_it_needs_and_filters(mathlib_problem, core_problem):
    api = APIClient()
    rows = {row["slug"]: row for row in api.get("/api/v1/problems/").json()["results"]}
    assert rows[mathlib_problem.slug] | {"url": ""} == rows[mathlib_problem.slug] | {
        "import_profile": "mathlib",
        "judgeable": False,
        "needs": ["Mathlib"],
        "url": "",
    }
    assert (rows["add-core"]["judgeable"], rows["add-core"]["needs"]) == (True, [])
    only = api.get("/api/v1/problems/", {"judgeable": "false"}).json()["results"]
    assert [row["slug"] for row in only] == [mathlib_problem.slug]
    detail = api.get(f"/api/v1/problems/{mathlib_problem.slug}/").json()
    assert (detail["import_profile"], detail["judgeable"], detail["needs"]) == ("mathlib", False, ["Mathlib"])
    legacy = APIClient().get(f"/api/problems/{mathlib_problem.slug}/").json()
    assert (legacy["judgeable"], legacy["needs"]) == (False, ["Mathlib"])
