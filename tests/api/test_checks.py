"""POST /api/v1/check/ and GET /api/v1/check/<id>/ (issue 27): Lean's proof state, never a verdict.

The judge is the recording double (tests/site/judge_doubles.py: its check reads the goals from
the text, not from Lean); the real-Lean answer to the same sketch is the judge side's test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from judge.problem_format import ProblemSpec
from judge.results import CheckResult
from problems.models import ProblemStatus
from problems.services import problem_upsert_from_spec
from submissions import checks
from submissions.models import Check, Submission
from tests.site.conftest import SOLVE_ADD
from tests.site.judge_doubles import SOLVE_ADD_SKETCH

# the sketch: the doubles answer it with the recorded real check once the judge side has
# recorded it (tests/judge/exports/check_solve_add_sketch.json), else read from the text
SKETCH = SOLVE_ADD_SKETCH
# each sorry's line and what its goal must show, as Lean prints it and as the doubles read it
GOALS = {5: ["a b : Int", "⊢ solveAdd a b = b - a"], 7: ["a b : Int", "⊢ a + (b - a) = b"], 9: ["a b : Int", "= b"]}


@pytest.fixture
def run_at_once(monkeypatch, settings, judge_double):
    """Stands in for the broker and a worker: a check runs as soon as it is enqueued, and the
    request waits for it."""
    settings.ARENA_CHECK_WAIT_SECONDS = 2
    ran: list[int] = []

    def run(check_id: int, *, queue: str) -> None:
        ran.append(check_id)
        checks.check_run(check_id=check_id)

    monkeypatch.setattr(checks, "_enqueue_on_commit", run)
    return ran


@pytest.fixture
def never_run(monkeypatch, settings, judge_double):
    """The broker takes the check and no worker answers yet: the request does not wait."""
    settings.ARENA_CHECK_WAIT_SECONDS = 0
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(checks, "_enqueue_on_commit", lambda check_id, *, queue: sent.append((check_id, queue)))
    return sent


def test_the_sketch_answers_each_sorry_with_its_goal_and_no_verdict(api, problem, user, run_at_once, judge_double):
    response = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "finished" and body["problem"] == "solve-add" and body["problem_version"] == 1
    assert "only a submission gets a verdict" in body["note"]
    assert "verdict" not in body and "verdict" not in body["result"]
    result = body["result"]
    assert result["status"] == "ok" and result["open_theorems"] == ["solveAdd_spec"]
    assert [s["line"] for s in result["sorries"]] == list(GOALS)
    for sorry in result["sorries"]:
        assert all(part in sorry["goal"] for part in GOALS[sorry["line"]]), sorry
    assert {"goals_before", "goals_after", "line", "column", "end_line", "end_column"} <= result["steps"][0].keys()
    # the account's owner string, as its submissions': a kept exporter may serve both
    assert judge_double.check_owners == [f"user:{user.pk}"]
    assert not Submission.objects.exists()


def test_a_check_is_not_counted_in_the_problem_statistics(api, problem, run_at_once):
    api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json")
    statistics = api.get("/api/v1/problems/solve-add/").json()["statistics"]
    assert statistics == {"submissions": 0, "accepted": 0, "solvers": 0}


def test_signed_in_only_by_token_or_session(client, user, problem, run_at_once):
    assert (
        APIClient().post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json").status_code == 401
    )
    session = APIClient()
    session.force_login(user)
    assert session.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json").status_code == 200


def test_a_draft_is_checked_only_by_who_may_see_it(api, other_api, user, run_at_once):
    draft = problem_upsert_from_spec(spec=ProblemSpec.from_dict(SOLVE_ADD)).problem
    type(draft).objects.filter(pk=draft.pk).update(status=ProblemStatus.DRAFT, author=user)
    refused = other_api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json")
    assert refused.status_code == 400 and refused.json()["fields"] == {"problem": ["No such problem."]}
    mine = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json")
    assert mine.status_code == 200 and mine.json()["problem_version"] is None
    assert len(mine.json()["result"]["sorries"]) == 3


def test_one_rate_limit_counts_every_check_of_the_account(api, user, client, problem, run_at_once, settings):
    settings.ARENA_CHECK_RATE = "2/min"
    assert api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json").status_code == 200
    # the form counts against the same limit (submissions/views.py's Check button)
    client.force_login(user)
    client.post("/problems/solve-add/check/", {"code": SKETCH + "\n"})
    refused = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH + "\n\n"}, format="json")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert Check.objects.count() == 2


def test_the_poll_id_is_unguessable_and_answered_only_to_its_owner(api, other_api, problem, never_run):
    response = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json")
    assert response.status_code == 202 and response.json()["result"] is None
    assert never_run == [(Check.objects.get().pk, "judge")]  # on the judge workers' queue, as submissions
    check_id, url = response.json()["id"], response.json()["status_url"]
    assert len(check_id) >= 40 and url == f"/api/v1/check/{check_id}/" and response["Location"] == url
    assert api.get(url).status_code == 202
    assert other_api.get(url).status_code == 404
    assert APIClient().get(url).status_code == 401
    assert api.get(f"/api/v1/check/{Check.objects.get().pk}/").status_code == 404  # not by its row number
    checks.check_run(check_id=Check.objects.get().pk)
    answered = api.get(url)
    assert answered.status_code == 200 and len(answered.json()["result"]["sorries"]) == 3
    assert other_api.get(url).status_code == 404


def test_one_check_in_flight_per_account(api, problem, never_run):
    first = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json")
    second = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH + "\n"}, format="json")
    assert second.status_code == 429 and second.json()["code"] == "check_in_flight"
    assert first.json()["status_url"] in second.json()["detail"]
    checks.check_run(check_id=Check.objects.get().pk)
    assert api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH + "\n"}, format="json").status_code == 202


def test_a_check_lost_with_its_worker_expires_and_frees_its_owner(api, problem, never_run, settings):
    url = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json").json()["status_url"]
    Check.objects.update(
        created_at=Check.objects.get().created_at - timedelta(seconds=1 + settings.ARENA_CHECK_EXPIRE_SECONDS)
    )
    expired = api.get(url)
    assert expired.status_code == 200 and expired.json()["result"]["status"] == "error"
    assert api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json").status_code == 202
    assert checks.check_run(check_id=Check.objects.order_by("pk").first().pk) is False  # too late: not run


def test_an_identical_check_is_answered_from_the_last_one(api, other_api, problem, run_at_once, judge_double):
    first = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json").json()
    again = other_api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json").json()
    assert again["from_cache"] and not first["from_cache"] and again["result"] == first["result"]
    assert again["id"] != first["id"] and len(judge_double.check_owners) == 1
    changed = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH + "-- x\n"}, format="json").json()
    assert not changed["from_cache"] and len(judge_double.check_owners) == 2


def test_the_key_changes_with_the_problem_checker_and_code():
    base = {"fingerprint": "f", "checker_version": "c", "code": "x"}
    keys = {checks.check_key(**base)} | {checks.check_key(**{**base, field: "other"}) for field in base}
    assert len(keys) == 4


def test_a_judge_failure_is_said_and_not_kept(api, problem, run_at_once, judge_double):
    judge_double.check_script.append(RuntimeError("sandbox down"))
    failed = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json").json()
    assert failed["result"]["status"] == "error" and "our side" in failed["result"]["refusal"]
    retried = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json").json()
    assert not retried["from_cache"] and retried["result"]["status"] == "ok"


def test_refused_text_and_bad_input(api, problem, run_at_once):
    refused = api.post("/api/v1/check/", {"problem": "solve-add", "code": "import Lean\n" + SKETCH}, format="json")
    assert refused.status_code == 200 and refused.json()["result"]["status"] == "refused"
    assert refused.json()["result"]["refusal"]
    empty = api.post("/api/v1/check/", {"problem": "solve-add", "code": "  \n"}, format="json")
    assert empty.status_code == 400 and "code" in empty.json()["fields"]
    unknown = api.post("/api/v1/check/", {"problem": "no-such", "code": SKETCH}, format="json")
    assert unknown.status_code == 400


def test_no_test_value_or_reference_reaches_the_answer(api, db, run_at_once, judge_double):
    spec = dict(
        SOLVE_ADD,
        slug="solve-add-tests",
        reference_solution="def solveAdd (a b : Int) : Int :=\n  b - a -- REFERENCE_MARK\n",
        tests=[{"theorem": "solveAdd_spec", "inputs": {"a": "9173", "b": "4421"}}],
    )
    problem_upsert_from_spec(spec=ProblemSpec.from_dict(spec))
    judge_double.check_script.append(
        CheckResult.from_dict(
            {"status": "ok", "sorries": [{"line": 5, "column": 4, "end_line": 5, "end_column": 9, "goal": "⊢ True"}]}
        )
    )
    response = api.post("/api/v1/check/", {"problem": "solve-add-tests", "code": SKETCH}, format="json")
    text = response.content.decode()
    assert response.status_code == 200 and "⊢ True" in response.json()["result"]["sorries"][0]["goal"]
    for secret in ("9173", "4421", "REFERENCE_MARK", "b - a --"):
        assert secret not in text
    assert set(response.json()) == {
        "id",
        "status",
        "status_url",
        "problem",
        "problem_version",
        "from_cache",
        "created_at",
        "finished_at",
        "result",
        "note",
    }


def test_the_check_endpoints_are_in_the_schema_with_their_errors(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    post = schema["paths"]["/api/v1/check/"]["post"]["responses"]
    assert {"200", "202", "400", "401", "413", "415", "429"} <= set(map(str, post))
    poll = schema["paths"]["/api/v1/check/{token}/"]["get"]["responses"]
    assert {"200", "202", "401", "404", "429"} <= set(map(str, poll))
    result = schema["components"]["schemas"]["CheckResultOutput"]["properties"]
    assert {"sorries", "steps", "open_theorems", "truncated", "messages"} <= result.keys()


def test_a_run_reports_its_owners_checks_while_it_was_open_beside_pass_at_k(
    bot, api, other_api, problem, run_at_once, enqueued
):
    before = bot.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json")
    assert before.status_code == 200  # before the run: not the run's
    run = bot.post("/api/v1/runs/", {"model_name": "prover-7b", "k": 1}, format="json").json()
    assert run["problems"][0]["checks"] == 0
    for n in range(3):  # the owner's checks, by any of its tokens
        client = bot if n % 2 else api
        code = SKETCH + "\n" * (n + 1)
        assert client.post("/api/v1/check/", {"problem": "solve-add", "code": code}, format="json").status_code == 200
    other_api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH + "--\n"}, format="json")  # not the owner
    bot.post("/api/v1/submissions/", {"problem": "solve-add", "code": SKETCH, "run": run["id"]}, format="json")
    after = bot.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH + "-- after\n"}, format="json")
    assert after.status_code == 200  # after the run's last attempt on the problem: not counted
    detail = APIClient().get(run["url"]).json()
    assert detail["problems"][0]["checks"] == 3 and detail["problems"][0]["attempts"] == 1
    page = APIClient().get(f"/runs/{run['id']}/").content.decode()
    assert "<td data-checks>3</td>" in page


def test_past_the_waiters_bound_the_id_comes_at_once(api, problem, never_run, settings, monkeypatch):
    import threading
    import time

    settings.ARENA_CHECK_WAIT_SECONDS = 5
    held = threading.BoundedSemaphore(1)
    held.acquire()  # every waiting place of this process taken
    monkeypatch.setattr(checks, "_waiters", held)
    started = time.monotonic()
    response = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json")
    assert response.status_code == 202 and time.monotonic() - started < 2


def test_the_key_changes_with_the_exporter(monkeypatch):
    from judge import exporter_program, seam

    base = {"fingerprint": "f", "checker_version": "c", "code": "x"}
    seam.exporter_identity.cache_clear()
    before = checks.check_key(**base)
    monkeypatch.setattr(exporter_program, "exporter_source", lambda: b"-- another exporter\n")
    seam.exporter_identity.cache_clear()
    try:
        assert checks.check_key(**base) != before
    finally:
        seam.exporter_identity.cache_clear()


def test_an_old_checks_code_and_answer_are_pruned_and_it_still_counts(api, user, problem, run_at_once, settings):
    settings.ARENA_CHECK_KEEP_DAYS = 7
    old_body = api.post("/api/v1/check/", {"problem": "solve-add", "code": SKETCH}, format="json").json()
    recent_code = SKETCH + "-- recent\n"
    recent_body = api.post("/api/v1/check/", {"problem": "solve-add", "code": recent_code}, format="json").json()
    old = Check.objects.get(token=old_body["id"])
    Check.objects.filter(pk=old.pk).update(finished_at=old.finished_at - timedelta(days=8))

    assert checks.checks_prune() == 1
    assert checks.checks_prune() == 0  # nothing left to prune
    old.refresh_from_db()
    recent = Check.objects.get(token=recent_body["id"])
    assert (old.code, old.result) == ("", None)
    assert recent.code == recent_code and recent.result["sorries"]
    # the row stays: its owner's poll still answers, and a run opened before it still counts it
    polled = api.get(f"/api/v1/check/{old.token}/").json()
    assert polled["status"] == "finished" and polled["result"] is None
    since = old.created_at - timedelta(seconds=1)
    assert checks.check_counts(user=user, problem_ids=[problem.pk], since=since) == {problem.pk: 2}
