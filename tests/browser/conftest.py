"""Browser tests: headless Debian Chromium driven by Playwright against a live Arena.

`live_arena` starts the site the README's way (tests/browser/live_arena.py) with the recording
judge double; parametrize it indirectly with another judge's dotted path, e.g.
    @pytest.mark.parametrize("live_arena", [REAL_JUDGE], indirect=True)
Every test here is marked `browser`; all skip, saying why, when /usr/bin/chromium is missing
(scripts/test.sh installs it). Screenshots go to ARENA_SCREENSHOT_DIR (default screenshots/).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.live_arena import RECORDING_JUDGE, REPO, LiveArena

CHROMIUM = os.environ.get("ARENA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("ARENA_SCREENSHOT_DIR", REPO / "screenshots"))


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    missing = not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM))
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"))


@pytest.fixture(scope="package")
def live_arena(request):
    judge = getattr(request, "param", RECORDING_JUDGE)
    arena = LiveArena(judge=judge).start()
    yield arena
    arena.stop()


@pytest.fixture(scope="package")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """What went wrong in the page: script errors and refused resources (CSP included)."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on(
            "console",
            lambda message: self.errors.append(f"console: {message.text}") if message.type == "error" else None,
        )


@pytest.fixture
def page(chromium, live_arena):
    context = chromium.new_context(base_url=live_arena.url, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.problems = PageProblems(page)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
