"""Verdict pages that say what happened (issue 32, item 5): no "uses `sorry`" for the sorry
Lean's error recovery made; "not checked" when a verdict came before any theorem was looked at;
the refused construct underlined in the code view and the editor; the judge's time in words."""

from __future__ import annotations

import json
import re

from submissions.models import Submission, SubmissionStatus
from submissions.services import submission_create
from submissions.verdict_view import judge_time
from tests.site.conftest import GOOD_CODE


def finished(submission: Submission, result: dict) -> Submission:
    Submission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.FINISHED, verdict=result["verdict"], result=result
    )
    submission.refresh_from_db()
    return submission


THEOREMS = [{"name": "solveAdd_spec", "status": "error"}]


def test_a_failed_proof_without_sorry_does_not_say_it_uses_sorry(signed_in, user, problem, enqueued):
    code = GOOD_CODE.replace("omega", "simpx")
    result = {
        "verdict": "COMPILE_ERROR",
        "time_ms": 83876,
        "reasons": [
            {"code": "LEAN_ERROR", "declaration": None, "detail": "line 6: unknown tactic"},
            {"code": "SORRY", "declaration": "solveAdd_spec", "detail": "uses `sorry`"},
        ],
        "theorems": THEOREMS,
        "messages": [
            {"severity": "error", "line": 6, "column": 2, "end_line": 6, "end_column": 7, "text": "unknown tactic"}
        ],
    }
    submission = finished(submission_create(user=user, problem=problem, code=code), result)
    html = signed_in.get(submission.get_absolute_url()).content.decode()
    assert "LEAN_ERROR" in html and "uses `sorry`" not in html and "<code>SORRY</code>" not in html
    assert "not proved (Lean stopped at an error)" in html
    assert "Judged in 1 min 24 s" in html and "83876" not in html


def test_a_written_sorry_is_still_named(signed_in, user, problem, enqueued):
    code = GOOD_CODE.replace("omega", "sorry")
    result = {
        "verdict": "COMPILE_ERROR",
        "reasons": [{"code": "SORRY", "declaration": "solveAdd_spec", "detail": "uses `sorry`"}],
        "theorems": THEOREMS,
    }
    submission = finished(submission_create(user=user, problem=problem, code=code), result)
    assert "uses `sorry`" in signed_in.get(submission.get_absolute_url()).content.decode()


def test_a_refused_construct_is_underlined_and_nothing_claims_to_be_checked(signed_in, user, problem, enqueued):
    code = GOOD_CODE + "\n#eval IO.println 1\n"
    line = code.split("\n").index("#eval IO.println 1") + 1
    result = {
        "verdict": "FORBIDDEN_CONSTRUCT",
        "time_ms": 420,
        "reasons": [
            {
                "code": "FORBIDDEN_COMMAND",
                "declaration": "#eval",
                "detail": f"line {line}, column 0: #eval is not allowed: it runs code",
            }
        ],
        "theorems": THEOREMS,
    }
    submission = finished(submission_create(user=user, problem=problem, code=code), result)
    html = signed_in.get(submission.get_absolute_url()).content.decode()
    assert 'class="theorem-not_checked">not checked<' in html and 'class="theorem-error"' not in html
    assert re.search(rf'id="L{line}".*?<mark class="diag diag-error"[^>]*>#eval</mark>', html, re.S)
    assert "Judged in 420 ms" in html
    # The editor gets the same mark when it reopens that attempt.
    page = signed_in.get(f"/problems/{problem.slug}/?submission={submission.pk}").content.decode()
    attempt = json.loads(
        re.search(r'<script id="lean-attempt" type="application/json">(.*?)</script>', page, re.S).group(1)
    )
    assert any(m["line"] == line and m["column"] == 0 and m["end_column"] == 5 for m in attempt["messages"])


def test_forbidden_attributes_and_imports_are_found_in_the_text(signed_in, user, problem, enqueued):
    code = "import Lean.Elab\n@[implemented_by foo] def bar := 1\n" + GOOD_CODE
    result = {
        "verdict": "FORBIDDEN_CONSTRUCT",
        "reasons": [
            {
                "code": "FORBIDDEN_IMPORT",
                "declaration": "Lean.Elab",
                "detail": "imports beyond the problem's are not allowed",
            },
            {
                "code": "FORBIDDEN_ATTRIBUTE",
                "declaration": None,
                "detail": "the attribute `implemented_by` is not allowed",
            },
        ],
        "theorems": THEOREMS,
    }
    submission = finished(submission_create(user=user, problem=problem, code=code), result)
    html = signed_in.get(submission.get_absolute_url()).content.decode()
    assert re.search(r'id="L1".*?<mark class="diag diag-error"[^>]*>Lean.Elab</mark>', html, re.S)
    assert re.search(r'id="L2".*?<mark class="diag diag-error"[^>]*>implemented_by</mark>', html, re.S)


def test_judge_time_in_words():
    assert [judge_time(ms) for ms in (830, 5400, 83876, None, -1)] == ["830 ms", "5.4 s", "1 min 24 s", "", ""]
