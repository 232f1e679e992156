"""Pages a newcomer reaches by links, not by typing addresses (issue 32, items 1, 6, 8, 9)."""

from __future__ import annotations

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
