"""The problem page's Check button without JavaScript (issue 27): a form POST, then the page shows
the goals as text, to the account that asked only. The judge is the recording double."""

from __future__ import annotations

import pytest

from submissions import checks
from submissions.models import Check, Submission
from tests.api.test_checks import GOALS, SKETCH


@pytest.fixture
def run_at_once(monkeypatch, settings, judge_double):
    settings.ARENA_CHECK_WAIT_SECONDS = 2
    monkeypatch.setattr(checks, "_enqueue_on_commit", lambda check_id, *, queue: checks.check_run(check_id=check_id))


def test_the_check_button_shows_each_sorrys_goal_as_text(signed_in, problem, run_at_once):
    page = signed_in.get("/problems/solve-add/").content.decode()
    assert 'formaction="/problems/solve-add/check/"' in page and "only a submission gets a verdict" in page
    response = signed_in.post("/problems/solve-add/check/", {"code": SKETCH})
    assert response.status_code == 302
    token = Check.objects.get().token
    assert response["Location"] == f"/problems/solve-add/?check={token}#goals"
    page = signed_in.get(response["Location"]).content.decode()
    for line, parts in GOALS.items():
        shown = page.split(f"on line {line}</h4><pre>", 1)[1].split("</pre>", 1)[0]
        assert all(part in shown for part in parts), shown
    assert "Still open: <code>solveAdd_spec</code>" in page
    assert "have hsub : solveAdd a b = b - a := by" in page  # the checked code is back in the field
    assert not Submission.objects.exists()


def test_someone_elses_check_id_shows_nothing(client, other_user, signed_in, problem, run_at_once):
    location = signed_in.post("/problems/solve-add/check/", {"code": SKETCH})["Location"]
    client.force_login(other_user)
    page = client.get(location).content.decode()
    assert "on line 5" not in page and "have hsub" not in page


def test_a_refused_check_keeps_the_code_and_says_why(signed_in, problem, run_at_once, settings):
    settings.ARENA_CHECK_RATE = "1/min"
    signed_in.post("/problems/solve-add/check/", {"code": SKETCH})
    refused = signed_in.post("/problems/solve-add/check/", {"code": SKETCH + "-- mine\n"})
    assert refused.status_code == 429
    assert "Too many checks" in refused.content.decode() and "-- mine" in refused.content.decode()


def test_anonymous_visitors_cannot_check(client, problem, run_at_once):
    response = client.post("/problems/solve-add/check/", {"code": SKETCH})
    assert response.status_code == 302 and "next=/problems/solve-add/check/" in response["Location"]
    assert not Check.objects.exists()
