"""End to end: submissions through a real Celery worker process and the real (offline) Lean."""

import importlib.util

import pytest

from judge.results import Verdict
from problems.models import Problem
from submissions.models import Submission, SubmissionStatus
from submissions.services import submission_create
from tests.site.celery_workers import WorkerProcess, flush_test_broker, send_judge_task, wait_until

pytestmark = [
    pytest.mark.lean,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(1200),
    pytest.mark.skipif(importlib.util.find_spec("judge.pipeline") is None, reason="judge.pipeline has not landed yet"),
]

WRONG_IMPLEMENTATION = (
    "def solveAdd (a b : Int) : Int :=\n  a - b\n\n"
    "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by\n"
    "  unfold solveAdd\n  omega\n"
)


def test_reference_solution_is_accepted_and_a_wrong_one_is_a_compile_error(
    transactional_db, tmp_path, user, enqueued, settings
):
    from django.core.management import call_command

    call_command("load_sample_problems", settings.ARENA_SAMPLE_PROBLEMS)
    problem = Problem.objects.get(slug="solve-add")
    good = submission_create(user=user, problem=problem, code=problem.reference_solution)
    bad = submission_create(user=user, problem=problem, code=WRONG_IMPLEMENTATION)

    flush_test_broker()
    worker = WorkerProcess("lean", tmp_path, {"ARENA_JUDGE": "judge.pipeline.judge_submission"})
    try:
        worker.wait_ready()
        send_judge_task(good.pk)
        send_judge_task(bad.pk)

        def both_finished():
            statuses = Submission.objects.filter(pk__in=[good.pk, bad.pk]).values_list("status", flat=True)
            return set(statuses) == {SubmissionStatus.FINISHED}

        wait_until(both_finished, 1100, "two verdicts from the real Lean")
    finally:
        worker.stop()
        flush_test_broker()

    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.verdict == Verdict.ACCEPTED, good.result
    assert good.result["theorems"] == [{"name": "solveAdd_spec", "status": "proved"}]
    assert good.lean_version and good.checker_version
    assert bad.verdict == Verdict.WRONG_ANSWER, bad.result  # a counterexample (issue 16)
    assert any(message["severity"] == "error" for message in bad.result["messages"])
