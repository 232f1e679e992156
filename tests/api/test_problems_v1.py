"""Problems: pagination, filters, search, ordering; detail with statistics, never the reference."""

from rest_framework.test import APIClient

from judge.problem_format import ProblemSpec
from problems.services import problem_upsert_from_spec
from submissions.services import submission_create, submission_judge
from tests.site.conftest import GOOD_CODE, SOLVE_ADD


def _more_problems():
    for slug, tag, difficulty, imports in [("pow-two", "powers", "hard", []), ("list-sum", "lists", "easy", [])]:
        spec = dict(SOLVE_ADD, slug=slug, title=f"About {slug}", tags=[tag], difficulty=difficulty, imports=imports)
        problem_upsert_from_spec(spec=ProblemSpec.from_dict(spec))


def test_the_list_is_paginated(problem):
    _more_problems()
    page = APIClient().get("/api/v1/problems/?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    second = APIClient().get(page["next"]).json()
    assert [p["slug"] for p in second["results"]] == ["solve-add"]


def test_filters_search_and_ordering(problem):
    _more_problems()
    get = lambda query: [p["slug"] for p in APIClient().get(f"/api/v1/problems/?{query}").json()["results"]]  # noqa: E731
    assert get("tag=powers") == ["pow-two"]
    assert get("difficulty=easy") == ["list-sum", "solve-add"]
    assert get("search=addition") == ["solve-add"]
    assert get("ordering=-slug") == ["solve-add", "pow-two", "list-sum"]
    assert get("imports=none") == ["list-sum", "pow-two", "solve-add"]
    assert get("imports=Mathlib") == []
    assert APIClient().get("/api/v1/problems/?ordering=reference_solution").status_code == 400


def test_solved_and_unsolved_by_me(api, user, problem, enqueued, judge_double):
    _more_problems()
    submission_judge(submission_id=submission_create(user=user, problem=problem, code=GOOD_CODE).pk, worker="w")
    assert [p["slug"] for p in api.get("/api/v1/problems/?solved=true").json()["results"]] == ["solve-add"]
    assert [p["slug"] for p in api.get("/api/v1/problems/?solved=false").json()["results"]] == ["list-sum", "pow-two"]


def test_detail_has_statement_template_version_statistics_and_no_reference(user, problem, enqueued, judge_double):
    submission_judge(submission_id=submission_create(user=user, problem=problem, code=GOOD_CODE).pk, worker="w")
    submission_judge(submission_id=submission_create(user=user, problem=problem, code="oops").pk, worker="w")
    detail = APIClient().get("/api/v1/problems/solve-add/").json()
    assert detail["template"] == problem.to_spec().template() and detail["version"] == 1
    assert detail["statistics"] == {"submissions": 2, "accepted": 1, "solvers": 1}
    assert "reference_solution" not in detail and "tests" not in detail
    assert "b - a" not in str(detail)  # the reference solution's body


def test_an_unknown_problem_is_a_json_404(problem):
    missing = APIClient().get("/api/v1/problems/nope/")
    assert missing.status_code == 404 and missing.json() == {"code": "not_found", "detail": "No such problem."}
