"""Issue 32, item 11, in Chromium: the proposal form's licence is a select of what a dump may
carry, its preview lists every defect at once, and a filter for a tag or difficulty no problem
has shows what was asked (the proposer's credit: tests/problems/test_browser_authoring.py)."""

from __future__ import annotations

from tests.browser.test_editor_styling_and_keys import sign_in


def test_the_proposal_form_offers_licences_and_lists_every_defect(page, live_arena, screenshot):
    sign_in(page, live_arena, "/problems/new/")
    licence = page.locator("select#id_licence")
    assert licence.locator("option:checked").inner_text().startswith("CC BY-SA 4.0")
    assert {"CC0-1.0", "MIT", ""} <= set(licence.locator("option").evaluate_all("os => os.map(o => o.value)"))

    page.fill("#id_slug", "many-defects")
    page.fill("#id_title", "Many defects")
    page.fill("#id_definitions", "def f (n : Nat) : Nat := n\nnot a header")
    page.fill("#id_theorems", "lemma wrong : True\n\ntheorem f_spec (n : Nat) : f n = n := rfl")
    page.fill("#id_preamble", "set_option maxHeartbeats 0")
    page.fill("#id_tests", "[1,")
    page.get_by_role("button", name="Preview").click()

    page.wait_for_selector("#form-errors")
    errors = page.inner_text("form:has(#id_slug)")
    for message in [
        "not valid JSON",
        "each theorem must start with 'theorem NAME'",
        "must not have a body",
        "must start with 'def <name>'",
        "signature of 'f_spec' must not have a proof",
        "sets an option a problem may not",
    ]:
        assert message in errors, message
    assert page.locator("#form-errors li").count() >= 4
    assert page.input_value("#id_title") == "Many defects"  # the fields keep what was typed
    screenshot(page, "proposal-every-defect")


def test_a_filter_no_problem_matches_shows_what_was_asked(page, live_arena, screenshot):
    page.goto("/?tag=nosuch&difficulty=legendary")
    assert page.locator("#tag option:checked").inner_text() == "nosuch (no problem has it)"
    assert page.locator("#difficulty option:checked").inner_text() == "legendary (no problem has it)"
    assert "No problem matches." in page.inner_text("main")
    screenshot(page, "filters-unknown-values")
