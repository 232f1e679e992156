"""A newcomer in a real browser: signs up from a problem, types a wrong solution (with Lean's
Unicode abbreviations) into the editor, sees the verdict arrive without a reload and the error
marked at its column, fixes it, is accepted, and shows up on the leaderboard and profile.

The live site judges with the sleeping judge double (2 s per judging, so the pending state is
seen): code containing "oops" gets COMPILE_ERROR with an error at line 4, columns 2 to 6
(Lean's code points), anything else ACCEPTED.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.editing import clear_editor, editor_text, type_lines
from tests.browser.live_arena import SLEEPING_JUDGE

pytestmark = pytest.mark.parametrize("live_arena", [SLEEPING_JUDGE], indirect=True)

# Typed with the keyboard; `\bbF`, `\forall`, `\in`, `\le`, `\to` are Lean's abbreviations.
WRONG_TYPED = [
    "def solveAdd (a b : Int) : Int :=",
    "  b - a",
    "-- \\forall n \\in S, n \\le m \\to True",
    "--\\bbF comment oops",
    "",
    "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by",
    "  unfold solveAdd",
    "  omega",
]
WRONG_SHOWN = (
    "def solveAdd (a b : Int) : Int :=\n"
    "  b - a\n"
    "-- ∀ n ∈ S, n ≤ m → True\n"
    "--𝔽 comment oops\n"
    "\n"
    "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by\n"
    "  unfold solveAdd\n"
    "  omega"
)
# The double's error is at line 4, columns 2..6 in code points: "𝔽 co". Counted in UTF-16
# units (𝔽 is two) it would be "𝔽 c".
LINE_4 = WRONG_SHOWN.split("\n")[3]
MARKED = LINE_4[2:6]


def sign_up_from_the_problem(page, username: str) -> None:
    page.goto("/problems/solve-add/")
    page.get_by_role("link", name="Sign up").last.click()
    page.fill("#id_username", username)
    page.fill("#id_password1", "a-long-Password-42")
    page.fill("#id_password2", "a-long-Password-42")
    page.check("#id_accept_licence")  # the site licence, accepted at sign-up
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/problems/solve-add/$"))  # back where the visitor came from


def submit_and_wait_for_verdict(page) -> str:
    page.get_by_role("button", name="Submit for judging").click()
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    page.evaluate("window.__samePage = true")
    pending = page.locator(".verdict.pending").count()
    page.wait_for_selector("[data-verdict]", timeout=30_000)
    assert page.evaluate("window.__samePage === true"), "the page reloaded"
    assert pending == 1, "the verdict was in before the page showed it pending"
    return page.get_attribute("[data-verdict]", "data-verdict")


def test_sign_up_type_fail_fix_and_climb(page, screenshot):
    sign_up_from_the_problem(page, "newcomer")
    page.wait_for_selector(".cm-editor")
    assert page.locator("textarea[data-lean-editor]").is_hidden()
    assert page.locator(".cm-content .tok-keyword", has_text="theorem").count() == 1  # Lean highlighting
    screenshot(page, "problem")

    clear_editor(page)
    type_lines(page, WRONG_TYPED)
    assert editor_text(page) == WRONG_SHOWN
    verdict = submit_and_wait_for_verdict(page)
    assert verdict == "COMPILE_ERROR"
    # The read-only code view marks the error at Lean's column (code points).
    page.wait_for_selector("#L4 mark.diag-error")
    assert page.inner_text("#L4 mark.diag-error") == MARKED
    screenshot(page, "submission-compile-error")

    # Back in the editor: the draft is kept and the error is marked there too.
    page.goto("/problems/solve-add/")
    page.wait_for_selector(".cm-editor .cm-lintRange-error")
    assert editor_text(page) == WRONG_SHOWN
    assert page.inner_text(".cm-editor .cm-lintRange-error") == MARKED
    screenshot(page, "editor-with-error")

    # Fix it: delete the offending line with the keyboard, then submit again.
    page.click(".cm-content .cm-line:nth-child(4)")
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")
    page.keyboard.press("Shift+Home")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    fixed = editor_text(page)
    assert "oops" not in fixed and fixed.count("\n") == WRONG_SHOWN.count("\n") - 1
    assert submit_and_wait_for_verdict(page) == "ACCEPTED"
    screenshot(page, "submission-accepted")

    page.goto("/leaderboards/")
    assert page.locator('[data-board="humans"] tr', has_text="newcomer").count() == 1
    assert page.locator('[data-board="bots"]').count() == 0  # no bot has solved anything
    screenshot(page, "leaderboards")
    page.goto("/users/newcomer/")
    assert page.locator(".solved-list", has_text="Solve an addition").count() == 1
    screenshot(page, "profile")
    page.goto("/")
    assert page.locator("tr", has_text="Solve an addition").locator(".mark-solved").count() == 1
    screenshot(page, "problem-list")
    page.goto("/submissions/recent/")
    assert page.locator("tr", has_text="newcomer").count() >= 2
    screenshot(page, "recent-submissions")
    assert page.problems.errors == []
