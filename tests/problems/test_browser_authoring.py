"""In headless Chromium (Playwright driving Debian's /usr/bin/chromium): an author proposes a
problem with a preview, sees its validation (judge double) arrive point by point, and a
maintainer publishes it."""

from __future__ import annotations

import os
import shutil

import pytest

from problems.models import Problem, ProblemStatus
from tests.problems.conftest import run_validations

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright's sync API runs an event loop in the test's thread, where the test itself still uses
# the ORM. (live_server takes a free port of its own.)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian's chromium (apt-get install chromium)"),
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def sign_in(browser, base: str, username: str, password: str):
    page = browser.new_context().new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_propose_see_validation_and_publish(browser, live_server, author, maintainer, validations_sent, judge_double):
    from playwright.sync_api import expect

    base = live_server.url
    page = sign_in(browser, base, "ada", "ada-pass-123")
    page.click("text=Propose a problem")
    page.fill("#id_slug", "solve-add-proposal")
    page.fill("#id_title", "Solve an addition")
    page.fill("#id_description", "Find **x** with `a + x = b`.")
    page.fill("#id_definitions", "def solveAdd (a b : Int) : Int")
    page.fill("#id_theorems", "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b")
    page.fill("#id_reference_solution", "def solveAdd (a b : Int) : Int :=\n  b - a\n")
    page.click("button[name=preview]")

    expect(page.locator("#preview-template")).to_contain_text("def solveAdd (a b : Int) : Int :=\n  sorry")
    expect(page.locator("#preview strong")).to_have_text("x")
    assert not Problem.objects.exists()

    page.click("button[name=save]")
    page.wait_for_url(f"{base}/problems/solve-add-proposal/proposal/")
    expect(page.locator(".validation-status")).to_have_attribute("data-status", "queued")

    run_validations(validations_sent)  # what the judge worker does

    expect(page.locator(".validation-status")).to_have_attribute("data-status", "passed", timeout=15_000)
    expect(page.locator('tr[data-check="reference_solution"]')).to_contain_text("ACCEPTED by the judge")
    expect(page.locator('tr[data-check="template"]')).to_contain_text("passed")
    assert page.locator("text=Publish").count() == 0

    moderator = sign_in(browser, base, "max", "max-pass-123")
    moderator.goto(f"{base}/problems/moderation/")
    moderator.click("text=Solve an addition")
    moderator.once("dialog", lambda dialog: dialog.accept())  # "Publish …? Everyone will see it"
    moderator.click("button:has-text('Publish')")
    expect(moderator.locator("#problem-status")).to_have_text("Published")

    assert Problem.objects.get().status == ProblemStatus.PUBLISHED
    moderator.goto(f"{base}/")
    expect(moderator.locator("table")).to_contain_text("Solve an addition")
    # the proposer is credited on the problem page (issue 32, item 11)
    moderator.goto(f"{base}/problems/solve-add-proposal/")
    expect(moderator.locator("article.problem .meta")).to_contain_text("Proposed by ada")
    expect(moderator.locator("article.problem .meta a[href='/users/ada/']")).to_have_text("ada")
