"""The solving loop in a real browser (issue 27): sign in, type the issue's solveAdd sketch, press
Check, and with the cursor on each `sorry` the Goals panel shows that step's goal; prove one, and
the check made by itself after the typing stops shows one `sorry` fewer; typing again marks the
result stale.

The live site checks with the sleeping judge double's check (tests/site/judge_doubles.py:
goals read from the text, not from Lean; no sleep for checks), through the API, the broker and a
worker. The real-Lean run of the same sketch is the judge side's (issue 27's end-to-end test).
"""

from __future__ import annotations

import re

import pytest

from tests.browser.editing import EDITOR, clear_editor, editor_text, type_lines
from tests.browser.live_arena import SLEEPING_JUDGE
from tests.browser.test_solving_in_the_browser import sign_up_from_the_problem

pytestmark = pytest.mark.parametrize("live_arena", [SLEEPING_JUDGE], indirect=True)

SKETCH = [
    "def solveAdd (a b : Int) : Int := b - a",
    "",
    "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by",
    "  have hsub : solveAdd a b = b - a := by",
    "    sorry",
    "  have haba : a + (b - a) = b := by",
    "    sorry",
    "  have hfinal : a + (solveAdd a b) = b := by",
    "    sorry",
    "  exact hfinal",
]
# what each sorry's goal must show (tests/api/test_checks.py: the doubles read it from the text,
# or answer the sketch itself with the recorded real check)
GOALS = {5: ["a b : Int", "⊢ solveAdd a b = b - a"], 7: ["a b : Int", "⊢ a + (b - a) = b"], 9: ["a b : Int", "= b"]}
AT_CURSOR = "[data-testid=goals-at-cursor]"


def put_cursor_on_line(page, line: int) -> None:
    page.click(f"{EDITOR} .cm-line:nth-child({line})")
    page.keyboard.press("End")


def test_check_shows_each_sorrys_goal_at_the_cursor(page, screenshot):
    sign_up_from_the_problem(page, "sketcher")
    page.wait_for_selector(".cm-editor")
    assert "only a submission gets a verdict" in page.inner_text("[data-goals-panel]")
    clear_editor(page)
    type_lines(page, SKETCH)
    assert editor_text(page) == "\n".join(SKETCH)

    page.get_by_role("button", name="Check", exact=True).click()
    page.wait_for_selector("text=Every sorry (3)")
    for line, parts in GOALS.items():
        put_cursor_on_line(page, line)
        shown = page.inner_text(AT_CURSOR)
        assert f"The sorry on line {line}" in shown and all(part in shown for part in parts), shown
    # Lean's `sorry` warning underlined: one per declaration from real Lean (the sketch's answer is
    # the recorded real check), one per sorry from the text-reading double
    assert page.locator(".cm-editor .cm-lintRange-warning").count() >= 1
    put_cursor_on_line(page, 7)
    screenshot(page, "goals-at-a-sorry")

    # the tactic under the cursor: the goals before and after it
    put_cursor_on_line(page, 10)
    shown = page.inner_text(AT_CURSOR)
    assert "on line 10" in shown and "⊢" in shown and "No goals." in shown

    # prove the first sorry; no button: the check comes by itself once the typing stops
    put_cursor_on_line(page, 5)
    page.keyboard.press("Shift+Home")
    page.keyboard.type("rfl")
    assert page.locator("[data-goals-panel].stale").count() == 1  # changed since the check
    page.wait_for_selector("text=Every sorry (2)", timeout=20_000)
    assert page.locator("[data-goals-panel].stale").count() == 0
    put_cursor_on_line(page, 7)
    assert GOALS[7][1] in page.inner_text(AT_CURSOR)

    # Ctrl+Enter checks too; the text typed since a result marks it stale until then
    page.keyboard.type(" ")
    assert page.locator("[data-goals-panel].stale").count() == 1
    assert "The code changed since this check" in page.inner_text("[data-goals-panel]")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("[data-goals-panel]:not(.stale):not(.checking)")
    screenshot(page, "goals-after-proving-one")
    assert page.url.endswith("/problems/solve-add/"), "Check must not leave or reload the page"

    # on a phone the panel goes below the code, and the page keeps the phone's width
    page.set_viewport_size({"width": 390, "height": 844})
    editor, panel = page.locator(".cm-editor").bounding_box(), page.locator("[data-goals-panel]").bounding_box()
    assert panel["y"] >= editor["y"] + editor["height"] and panel["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "goals-on-a-phone")
    assert page.problems.errors == []


def test_without_javascript_check_shows_the_goals_as_text(chromium, live_arena, screenshot):
    context = chromium.new_context(base_url=live_arena.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/accounts/login/?next=/problems/solve-add/")
        page.fill("#id_username", live_arena.demo_username)
        page.fill("#id_password", live_arena.demo_password)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/problems/solve-add/$"))
        page.fill("textarea[name=code]", "\n".join(SKETCH) + "\n")
        page.get_by_role("button", name="Check", exact=True).click()
        page.wait_for_url(re.compile(r"\?check="))
        text = page.inner_text("[data-goals-panel]")
        for line, parts in GOALS.items():
            assert f"The sorry on line {line}" in text and all(part in text for part in parts), text
        screenshot(page, "goals-without-javascript")
    finally:
        context.close()
