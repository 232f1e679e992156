"""Pages a newcomer reaches by links, not by typing addresses (issue 32, items 1, 6, 8, 9)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tests.browser.test_editor_styling_and_keys import sign_in


def test_the_api_docs_render_under_the_csp(page, live_arena, screenshot):
    sign_in(page, live_arena, "/account/tokens/")
    page.get_by_role("link", name="API documentation").first.click()
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert page.locator(".swagger-ui .opblock").count() >= 5
    assert "/api/v1/submissions/" in page.inner_text(".swagger-ui")
    screenshot(page, "api-docs")
    refused = [e for e in page.problems.errors if "Content Security Policy" in e and "style-src-attr" not in e]
    assert refused == [], refused


def test_runs_api_docs_and_the_licence_setting_are_linked(page, live_arena):
    sign_in(page, live_arena, "/")
    for name, path in [
        ("Runs", "/runs/"),
        ("API documentation", "/api/v1/docs/"),
        ("API tokens", "/account/tokens/"),
        ("Licence and anonymity", "/accounts/licence/"),
    ]:
        page.goto("/")
        page.get_by_role("link", name=name).first.click()
        page.wait_for_load_state()
        assert page.url.endswith(path), (name, page.url)


def test_a_refused_construct_is_marked_in_the_code_and_the_editor(page, live_arena, screenshot):
    sign_in(page, live_arena)
    page.wait_for_selector(".cm-editor")
    code = (
        "@[implemented_by solveAdd] def fast (a b : Int) : Int := b - a\n"
        "def solveAdd (a b : Int) : Int :=\n  b - a\n\n"
        "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by\n  unfold solveAdd\n  omega\n"
    )
    page.eval_on_selector(
        "textarea[data-lean-editor]",
        "(t, code) => t.arenaEditor.dispatch({changes: {from: 0, to: t.arenaEditor.state.doc.length, insert: code}})",
        code,
    )
    page.get_by_role("button", name="Submit for judging").click()
    page.wait_for_selector('[data-verdict="FORBIDDEN_CONSTRUCT"]', timeout=30_000)
    assert page.inner_text("#L1 mark.diag-error") == "implemented_by"
    assert page.inner_text("td.theorem-not_checked") == "not checked"
    assert page.locator("td.theorem-error").count() == 0
    assert "ms" in page.inner_text(".meta >> nth=0") or "Judged in" in page.inner_text("#submission-status")
    screenshot(page, "verdict-forbidden-construct")
    page.get_by_role("link", name="Edit this code and submit again").click()
    page.wait_for_selector(".cm-editor .cm-lintRange-error")
    assert page.inner_text(".cm-editor .cm-lintRange-error") == "implemented_by"
    screenshot(page, "editor-forbidden-construct")


def test_pages_that_refuse_say_why(page, chromium, live_arena, screenshot):
    sign_in(page, live_arena)  # the demo user submits; a newcomer then finds it in Recent
    page.wait_for_selector(".cm-editor")
    page.get_by_role("button", name="Submit for judging").click()
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    submission_path = urlsplit(page.url).path

    context = chromium.new_context(base_url=live_arena.url)
    newcomer = context.new_page()
    try:
        newcomer.goto("/accounts/signup/")
        newcomer.fill("#id_username", "curious")
        newcomer.fill("#id_password1", "a-long-Password-42")
        newcomer.fill("#id_password2", "a-long-Password-42")
        newcomer.check("#id_accept_licence")
        newcomer.get_by_role("button", name="Create account").click()
        newcomer.wait_for_url(re.compile(r"/$"))
        newcomer.goto(submission_path)  # listed in Recent, not linked: opened by its address
        assert "solve the problem first" in newcomer.inner_text("main")
        screenshot(newcomer, "submission-not-yet-visible")
        newcomer.goto("/problems/moderation/")
        assert newcomer.locator("h1").inner_text() == "For the site's staff"
        assert newcomer.locator("#id_password").count() == 0  # no sign-in form that cannot help
        newcomer.goto("/no/such/page/")
        assert "Resolver404" not in newcomer.inner_text("main")
    finally:
        context.close()


def test_tokens_reload_and_confirmations(page, live_arena, screenshot):
    sign_in(page, live_arena, "/account/tokens/")
    page.fill("input[name=name]", "bot")
    page.check("input[name=is_machine]")
    page.get_by_role("button", name="Make token").click()
    assert page.locator("#token-errors").is_visible()
    assert page.input_value("input[name=name]") == "bot" and page.is_checked("input[name=is_machine]")
    color = page.eval_on_selector("#token-errors", "e => getComputedStyle(e).color")
    assert color != page.eval_on_selector("main p", "e => getComputedStyle(e).color")  # styled as an error
    screenshot(page, "tokens-form-error")
    page.fill("input[name=model_name]", "prover-1")
    page.get_by_role("button", name="Make token").click()
    page.wait_for_selector("#new-token-key")
    rows = page.locator("table tbody tr").count()
    page.reload()  # posts the form again (headless Chromium does not ask)
    assert page.locator("#new-token-key").count() == 0
    assert "already made its token" in page.inner_text("main")
    assert page.locator("table tbody tr").count() == rows

    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Revoke").first.click()
    page.wait_for_timeout(300)
    assert asked and asked[0].startswith("Revoke ")
    assert page.locator("td", has_text=re.compile(r"^revoked ")).count() == 0  # dismissed: nothing revoked


PHONE_PAGES = ["/", "/submissions/recent/", "/runs/", "/leaderboards/", "/datasets/", "/problems/solve-add/"]


def test_no_page_is_wider_than_a_phone(page, chromium, live_arena, screenshot):
    sign_in(page, live_arena)  # a row in Recent, a wide one: a submission of the demo user's
    page.wait_for_selector(".cm-editor")
    page.get_by_role("button", name="Submit for judging").click()
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    context = chromium.new_context(base_url=live_arena.url, viewport={"width": 390, "height": 844})
    phone = context.new_page()
    try:
        wide = {}
        for path in PHONE_PAGES:
            phone.goto(path)
            width = phone.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide[path] = width
            screenshot(phone, "phone" + path.strip("/").replace("/", "-"))
        assert wide == {}
    finally:
        context.close()


def test_staff_make_a_dump_and_the_datasets_page_shows_it(page, live_arena, screenshot):
    sign_in(page, live_arena, "/datasets/")  # the demo user is staff
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Make a dump now").click()
    page.wait_for_url(re.compile(r"/datasets/$"))
    assert "A dump is being made" in page.inner_text("main")
    for _ in range(60):  # the worker writes it
        if page.locator("details.dump-files").count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    files = page.locator("details.dump-files").first
    assert files.locator("td", has_text="solutions.parquet").count() == 1
    assert page.locator(".dump-preview").is_visible()
    screenshot(page, "datasets-page")
    assert page.problems.errors == []
