"""The command-line client against a live server: problems, submit, batch, run, runs."""

import pytest

from arena_client.__main__ import main
from arena_client.client import ArenaClient
from submissions.models import Submission
from tests.site.conftest import GOOD_CODE


@pytest.fixture
def arena(live_server, bot_token, monkeypatch):
    monkeypatch.setenv("ARENA_URL", live_server.url)
    monkeypatch.setenv("ARENA_TOKEN", bot_token.key)
    return main


def test_problems_and_a_problems_template(arena, problem, capsys):
    assert arena(["problems"]) == 0
    assert capsys.readouterr().out == "solve-add\teasy\tSolve an addition\n"
    assert arena(["problem", "solve-add"]) == 0
    assert capsys.readouterr().out == problem.to_spec().template()


def test_submit_and_status(arena, problem, enqueued, tmp_path, capsys):
    solution = tmp_path / "Solution.lean"
    solution.write_text(GOOD_CODE)
    assert arena(["submit", "solve-add", str(solution)]) == 0
    submission = Submission.objects.get()
    assert submission.code == GOOD_CODE and submission.model_name == "prover-7b"
    assert arena(["status", str(submission.pk)]) == 0
    assert '"status": "queued"' in capsys.readouterr().out


def test_batch_and_run_from_a_directory(arena, problem, enqueued, tmp_path, capsys):
    for name in ("solve-add--1.lean", "solve-add--2.lean"):
        (tmp_path / name).write_text(GOOD_CODE + f"-- {name}\n")
    assert arena(["batch", str(tmp_path)]) == 0
    assert Submission.objects.count() == 2
    assert arena(["run", "--model", "prover-7b", "--k", "1", "--problems", "solve-add"]) == 0
    assert arena(["runs"]) == 0
    assert "prover-7b\tpass@1=incomplete\tsolved 0" in capsys.readouterr().out


def test_an_api_error_exits_2_with_the_reason(arena, problem, tmp_path, capsys):
    empty = tmp_path / "empty.lean"
    empty.write_text(" ")
    assert arena(["submit", "solve-add", str(empty)]) == 2
    assert "400 invalid" in capsys.readouterr().err


def test_batch_waits_for_its_oldest_submission_when_the_account_has_too_many_in_flight(
    arena, problem, enqueued, tmp_path, settings, monkeypatch, capsys
):
    settings.ARENA_MAX_IN_FLIGHT_PER_OWNER = 59
    for i in range(60):
        (tmp_path / f"solve-add--{i}.lean").write_text(GOOD_CODE + f"-- {i}\n")
    waited = []

    def judged_meanwhile(self, submission_id, **kwargs):  # the worker stands in: a place frees
        waited.append(submission_id)
        Submission.objects.filter(pk=submission_id).update(status="finished", verdict="ACCEPTED")
        return {"id": submission_id, "status": "finished", "verdict": "ACCEPTED"}

    monkeypatch.setattr(ArenaClient, "wait", judged_meanwhile)

    assert arena(["batch", str(tmp_path)]) == 0

    assert Submission.objects.count() == 60
    first = min(Submission.objects.values_list("pk", flat=True))
    assert waited == [first]  # 50 sent; the next 10 fit (59) once one of the 50 was judged
    assert f"waiting for #{first}: You have 50 submissions waiting" in capsys.readouterr().err


def test_check_prints_the_open_goals(arena, problem, tmp_path, capsys, monkeypatch, settings, judge_double):
    from submissions import checks
    from tests.api.test_checks import SKETCH

    settings.ARENA_CHECK_WAIT_SECONDS = 0  # the client polls the id
    monkeypatch.setattr(checks, "_enqueue_on_commit", lambda check_id, *, queue: checks.check_run(check_id=check_id))
    sketch = tmp_path / "Sketch.lean"
    sketch.write_text(SKETCH)
    assert arena(["check", str(sketch), "--problem", "solve-add"]) == 1  # theorems still open
    out = capsys.readouterr()
    assert "sorry at 5:4:\n  a b : Int\n  ⊢ solveAdd a b = b - a\n" in out.out
    assert out.out.count("sorry at ") == 3 and "open: solveAdd_spec" in out.out
    assert "only a submission gets a verdict" in out.err
    assert not Submission.objects.exists()
    sketch.write_text(GOOD_CODE)
    assert arena(["check", str(sketch), "--problem", "solve-add"]) == 0
    assert "no theorem left open" in capsys.readouterr().out
