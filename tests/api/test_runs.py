"""Runs: attempts recorded by the server, pass@k and attempts-to-first-ACCEPTED, a public leaderboard."""

import pytest
from rest_framework.test import APIClient

from bots.models import Run
from judge.problem_format import ProblemSpec
from problems.services import problem_upsert_from_spec
from submissions.models import Submission
from submissions.services import submission_judge
from tests.site import judge_doubles
from tests.site.conftest import GOOD_CODE, SOLVE_ADD


def _second_problem():
    return problem_upsert_from_spec(spec=ProblemSpec.from_dict(dict(SOLVE_ADD, slug="solve-add-2"))).problem


def _attempt(bot, run_id, code, slug="solve-add"):
    body = bot.post("/api/v1/submissions/", {"problem": slug, "code": code, "run": run_id}, format="json").json()
    submission_judge(submission_id=body["id"], worker="w")
    return body["id"]


def test_a_run_counts_pass_at_k_and_first_accepted_from_its_attempts(bot, problem, enqueued, judge_double):
    _second_problem()
    run = bot.post("/api/v1/runs/", {"model_name": "prover-7b-ft", "k": 2}, format="json").json()
    assert run["problem_count"] == 2 and run["pass_at_k"] is None and not run["complete"]
    for code in ["oops 1", GOOD_CODE, "oops 2"]:  # solve-add: n=3, c=1, first ACCEPTED at 2
        _attempt(bot, run["id"], code)
    for code in ["oops 3", "oops 4"]:  # solve-add-2: n=2, c=0
        _attempt(bot, run["id"], code, slug="solve-add-2")
    detail = APIClient().get(run["url"]).json()  # public, no sign-in
    by_slug = {p["problem"]: p for p in detail["problems"]}
    assert by_slug["solve-add"] == {
        "problem": "solve-add",
        "attempts": 3,
        "judged": 3,
        "accepted": 1,
        "first_accepted_attempt": 2,
        "pass_at_k": 2 / 3,  # 1 - C(2,2)/C(3,2)
        "pass_at": [pytest.approx(1 / 3), 2 / 3],  # pass@1 = c/n, then pass@2
        "checks": 0,  # no check asked (tests/api/test_checks.py counts them)
    }
    assert by_slug["solve-add-2"]["pass_at_k"] == 0.0
    assert detail["complete"] and detail["pass_at_k"] == pytest.approx(1 / 3) and detail["solved"] == 1
    # pass@1 … pass@k over the set (issue 32, item 15): the means of each problem's pass@j
    assert detail["pass_at"] == [{"k": 1, "value": pytest.approx(1 / 6)}, {"k": 2, "value": pytest.approx(1 / 3)}]
    page = APIClient().get(f"/runs/{run['id']}/").content.decode()
    assert '<th scope="col">pass@1</th><th scope="col">pass@2</th>' in page and 'data-k="1">0.167<' in page
    assert set(Submission.objects.values_list("model_name", flat=True)) == {"prover-7b-ft"}


def test_judge_errors_are_not_counted_as_attempts(bot, problem, enqueued, judge_double, settings):
    settings.ARENA_JUDGE_MAX_ATTEMPTS = 1
    run = bot.post("/api/v1/runs/", {"model_name": "m", "k": 1, "problems": ["solve-add"]}, format="json").json()
    judge_double.script = [judge_doubles.judge_error()]
    _attempt(bot, run["id"], GOOD_CODE)
    detail = APIClient().get(run["url"]).json()
    assert detail["problems"][0]["attempts"] == 0 and detail["pass_at_k"] is None


def test_a_run_takes_only_its_own_problems_and_only_from_its_owner(bot, other_api, problem, enqueued):
    _second_problem()
    run = bot.post("/api/v1/runs/", {"model_name": "m", "k": 1, "problems": ["solve-add"]}, format="json").json()
    outside = bot.post("/api/v1/submissions/", {"problem": "solve-add-2", "code": "x", "run": run["id"]}, format="json")
    assert outside.status_code == 400 and "problem set" in outside.json()["fields"]["run"][0]
    theirs = other_api.post(
        "/api/v1/submissions/", {"problem": "solve-add", "code": "x", "run": run["id"]}, format="json"
    )
    assert theirs.status_code == 400 and Submission.objects.count() == 0


def test_the_leaderboard_ranks_complete_runs_by_pass_at_k(bot, problem, enqueued, judge_double):
    weak = bot.post("/api/v1/runs/", {"model_name": "weak", "k": 1}, format="json").json()
    strong = bot.post("/api/v1/runs/", {"model_name": "strong", "k": 1}, format="json").json()
    unfinished = bot.post("/api/v1/runs/", {"model_name": "unfinished", "k": 1}, format="json").json()
    _attempt(bot, weak["id"], "oops")
    _attempt(bot, strong["id"], GOOD_CODE)
    board = APIClient().get("/api/v1/runs/").json()
    assert [r["model_name"] for r in board] == ["strong", "weak", "unfinished"]
    assert unfinished["id"] == board[2]["id"] and board[2]["pass_at_k"] is None
    page = APIClient().get("/runs/")
    assert page.status_code == 200 and "strong" in page.content.decode()
    assert APIClient().get(f"/runs/{strong['id']}/").status_code == 200


def test_runs_cannot_be_deleted(bot, problem, user):
    run = bot.post("/api/v1/runs/", {"model_name": "m", "k": 1}, format="json").json()
    assert bot.delete(run["url"]).status_code == 405
    assert Run.objects.filter(pk=run["id"]).exists()


def test_opening_a_run_needs_authentication_and_valid_fields(bot, problem):
    assert APIClient().post("/api/v1/runs/", {"model_name": "m", "k": 1}, format="json").status_code == 401
    assert bot.post("/api/v1/runs/", {"model_name": "m", "k": 0}, format="json").status_code == 400
    unknown = bot.post("/api/v1/runs/", {"model_name": "m", "k": 1, "problems": ["nope"]}, format="json")
    assert unknown.status_code == 400
