"""The text the editor shows, posted by the form (the browser sends its newlines as CRLF), is
stored and judged exactly as the same text sent to the API; the form works without JavaScript;
the pages keep to the Content-Security-Policy."""

from __future__ import annotations

import re

from tests.browser.editing import editor_text

CODE = (
    "def solveAdd (a b : Int) : Int :=\n  b - a\n\n"
    "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by\n  unfold solveAdd\n  omega\n"
)


def sign_in_as_demo(page, live_arena) -> None:
    page.goto("/accounts/login/?next=/problems/solve-add/")
    page.fill("#id_username", live_arena.demo_username)
    page.fill("#id_password", live_arena.demo_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/problems/solve-add/$"))


def stored_code(page, submission_id: int) -> str:
    """The stored text, as the server writes it into the editor's field when reopened."""
    page.goto(f"/problems/solve-add/?submission={submission_id}")
    return page.eval_on_selector("#id_code", "t => t.value")


def finished(page, submission_id: int) -> dict:
    for _ in range(100):
        body = page.request.get(f"/api/submissions/{submission_id}/").json()
        if body["status"] == "finished":
            return body
        page.wait_for_timeout(200)
    raise AssertionError(f"submission {submission_id} was not judged")


def test_form_post_of_the_editor_text_is_judged_as_the_api_post(page, live_arena):
    sign_in_as_demo(page, live_arena)
    page.wait_for_selector(".cm-editor")
    page.eval_on_selector(
        "textarea[data-lean-editor]",
        "(t, code) => t.arenaEditor.dispatch({changes: {from: 0, to: t.arenaEditor.state.doc.length, insert: code}})",
        CODE,
    )
    shown = editor_text(page)
    # The browser's form encoding turns each newline into CRLF: see it on the wire.
    with page.expect_request(lambda r: r.method == "POST" and "/submit/" in r.url) as posted:
        page.get_by_role("button", name="Submit for judging").click()
    assert "%0D%0A" in (posted.value.post_data or "")
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    form_id = int(re.search(r"/submissions/(\d+)/", page.url).group(1))

    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        "/api/submissions/",
        data={"problem": "solve-add", "code": shown},
        headers={"X-CSRFToken": csrf, "Referer": live_arena.url + "/"},
    )
    assert response.status == 201, response.text()
    api_id = response.json()["id"]

    assert stored_code(page, form_id) == stored_code(page, api_id) == shown
    form_result, api_result = finished(page, form_id), finished(page, api_id)
    assert form_result["verdict"] == api_result["verdict"] == "ACCEPTED"


def test_the_plain_form_works_without_javascript(chromium, live_arena):
    context = chromium.new_context(base_url=live_arena.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in_as_demo(page, live_arena)
        assert page.locator(".cm-editor").count() == 0
        page.fill("#id_code", CODE.replace("b - a", "b - a -- oops"))
        page.get_by_role("button", name="Submit for judging").click()
        page.wait_for_url(re.compile(r"/submissions/\d+/$"))
        # Without htmx the page refreshes itself (<noscript> meta refresh) until the verdict is in.
        page.wait_for_selector("[data-verdict]", timeout=30_000)
        assert page.get_attribute("[data-verdict]", "data-verdict") == "COMPILE_ERROR"
    finally:
        context.close()


def test_pages_keep_to_the_content_security_policy(page, live_arena, screenshot):
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in_as_demo(page, live_arena)
    page.wait_for_selector(".cm-editor")
    # CodeMirror's injected styles carry the nonce: its layout applies (the gutter is a flex item).
    assert page.eval_on_selector(".cm-editor", "e => getComputedStyle(e).display") == "flex"
    # A script injected into the page is refused by the policy.
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                            document.body.appendChild(s); }""")
    assert page.evaluate("window.__ran === undefined")
    for path in ["/", "/leaderboards/", "/submissions/recent/", "/accounts/signup/", "/no-such-page/"]:
        page.goto(path)
    screenshot(page, "not-found")
    # The one refusal is the injected script's; no page of the site needed another.
    assert len(violations) == 1 and "script-src" in violations[0], violations
