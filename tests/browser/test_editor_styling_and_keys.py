"""The editor as a newcomer meets it (issue 32, items 4 and 10): it keeps its look through the
first focus and after leaving it; Tab right after an abbreviation that replaced itself as it was
typed does not indent; Enter after `:= by` indents the next line. Without JavaScript the page
promises nothing the plain text box cannot do, and "Reset to the template" stays hidden."""

from __future__ import annotations

import re

from tests.browser.editing import EDITOR, clear_editor, editor_text


def sign_in(page, live_arena, next_path: str = "/problems/solve-add/") -> None:
    page.goto(f"/accounts/login/?next={next_path}")
    page.fill("#id_username", live_arena.demo_username)
    page.fill("#id_password", live_arena.demo_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def editor_box(page) -> dict:
    return page.eval_on_selector(
        ".cm-editor",
        """e => ({classes: e.className, height: e.getBoundingClientRect().height,
                 border: getComputedStyle(e).borderTopWidth, outline: getComputedStyle(e).outlineStyle})""",
    )


def test_the_editor_keeps_its_look_through_focus(page, live_arena, screenshot):
    sign_in(page, live_arena)
    page.wait_for_selector(".cm-editor")
    before = editor_box(page)
    assert "lean-editor" in before["classes"] and before["height"] >= 280 and before["border"] == "1px"
    page.click(EDITOR)
    focused = editor_box(page)
    assert "lean-editor" in focused["classes"] and focused["height"] >= 280
    assert focused["outline"] == "solid"  # the site's focus ring, not CodeMirror's dotted one
    screenshot(page, "editor-focused")
    page.click("h1")
    after = editor_box(page)
    assert "lean-editor" in after["classes"] and after["height"] >= 280 and after["border"] == "1px"
    assert page.locator("#editor-help").is_visible()
    assert page.problems.errors == []


def test_tab_after_a_replaced_abbreviation_and_enter_after_by(page, live_arena):
    sign_in(page, live_arena)
    page.wait_for_selector(".cm-editor")
    clear_editor(page)
    for abbreviation, symbol in [("\\forall", "∀"), ("\\alpha", "α"), ("\\bbF", "𝔽")]:
        page.keyboard.type(f"x {abbreviation}", delay=5)
        page.keyboard.press("Tab")
        assert editor_text(page) == f"x {symbol}", abbreviation  # replaced, not indented
        clear_editor(page)
    page.keyboard.type("\\to", delay=5)
    page.keyboard.press("Tab")  # an abbreviation still open: Tab replaces it
    assert editor_text(page) == "→"
    clear_editor(page)

    page.keyboard.type("theorem t : True := by", delay=5)
    page.keyboard.press("Enter")
    page.keyboard.type("trivial", delay=5)
    assert editor_text(page) == "theorem t : True := by\n  trivial"
    page.keyboard.press("Enter")
    page.keyboard.type("done", delay=5)
    assert editor_text(page) == "theorem t : True := by\n  trivial\n  done"  # the block's indentation is kept


def test_without_javascript_the_page_promises_nothing_it_cannot_do(chromium, live_arena, screenshot):
    context = chromium.new_context(base_url=live_arena.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/accounts/login/?next=/problems/solve-add/")
        page.fill("#id_username", live_arena.demo_username)
        page.fill("#id_password", live_arena.demo_password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/problems/solve-add/$"))
        assert page.locator("textarea#id_code").is_visible()
        assert not page.get_by_role("button", name="Reset to the template").is_visible()
        shown = page.inner_text("form#submission-form")
        assert "\\to" not in shown and "draft" not in shown.lower()
        assert "plain text box" in shown
        screenshot(page, "problem-without-javascript")
    finally:
        context.close()
