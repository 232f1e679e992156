"""With the real judge (issue 14): the sample solution typed into the form with the keyboard is
ACCEPTED, and the same solution posted to the API with CRLF line endings is ACCEPTED too. With
the real Lean answering the checks (issue 27): the sketch's three sorries with their goals at the
cursor, then one `sorry` fewer once one is proved."""

from __future__ import annotations

import re

import pytest

from tests.browser.editing import clear_editor, editor_text, type_lines
from tests.browser.live_arena import REAL_JUDGE
from tests.browser.test_form_and_api_judge_the_same_text import sign_in_as_demo
from tests.browser.test_goals_in_the_browser import AT_CURSOR, GOALS, SKETCH, put_cursor_on_line

pytestmark = [pytest.mark.lean, pytest.mark.parametrize("live_arena", [REAL_JUDGE], indirect=True)]

LINES = [
    "def solveAdd (a b : Int) : Int :=",
    "  b - a",
    "",
    "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by",
    "  unfold solveAdd",
    "  omega",
]


def verdict_of(page, submission_id: int, *, seconds: int = 600) -> str:
    for _ in range(seconds):
        body = page.request.get(f"/api/submissions/{submission_id}/").json()
        if body["status"] == "finished":
            return body["verdict"]
        page.wait_for_timeout(1000)
    raise AssertionError(f"submission {submission_id} was not judged in {seconds} s")


def test_typed_solution_and_crlf_api_post_are_accepted_by_the_real_judge(page, live_arena):
    sign_in_as_demo(page, live_arena)
    page.wait_for_selector(".cm-editor")
    clear_editor(page)
    type_lines(page, LINES)
    assert editor_text(page).rstrip("\n") == "\n".join(LINES)
    page.get_by_role("button", name="Submit for judging").click()
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    form_id = int(re.search(r"/submissions/(\d+)/", page.url).group(1))

    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        "/api/submissions/",
        data={"problem": "solve-add", "code": "\r\n".join(LINES) + "\r\n"},
        headers={"X-CSRFToken": csrf, "Referer": live_arena.url + "/"},
    )
    assert response.status == 201, response.text()

    assert verdict_of(page, form_id) == "ACCEPTED"
    # the page shows it too, without a reload
    page.wait_for_selector("[data-verdict='ACCEPTED']", timeout=60_000)
    assert verdict_of(page, response.json()["id"]) == "ACCEPTED"


def test_the_real_lean_shows_each_sorrys_goal_and_one_fewer_once_proved(page, live_arena, screenshot):
    sign_in_as_demo(page, live_arena)
    page.wait_for_selector(".cm-editor")
    clear_editor(page)
    type_lines(page, SKETCH)
    page.get_by_role("button", name="Check", exact=True).click()
    page.wait_for_selector("text=Every sorry (3)", timeout=300_000)
    for line, parts in GOALS.items():
        put_cursor_on_line(page, line)
        shown = page.inner_text(AT_CURSOR)
        assert f"The sorry on line {line}" in shown and all(part in shown for part in parts), shown
    put_cursor_on_line(page, 7)
    screenshot(page, "real-lean-goals-at-a-sorry")

    put_cursor_on_line(page, 5)
    page.keyboard.press("Shift+Home")
    page.keyboard.type("rfl")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=Every sorry (2)", timeout=300_000)
    put_cursor_on_line(page, 7)
    assert GOALS[7][1] in page.inner_text(AT_CURSOR)
    screenshot(page, "real-lean-goals-after-proving-one")
    assert page.problems.errors == []
