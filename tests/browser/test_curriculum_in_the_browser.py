"""A fresh Arena (scripts/up.sh) opens with the curriculum, ordered by level: a visitor filters
the list by a level, opens a problem and follows "next problem" to another of the same level."""

from __future__ import annotations

import re

from problems.curriculum import LEVELS, load_curriculum

CURRICULUM = load_curriculum()


def level_cells(page) -> list[str]:
    return page.locator("table.problems tbody tr td:nth-child(2)").all_inner_texts()


def test_filter_by_level_open_a_problem_and_follow_next(page, screenshot):
    page.goto("/")
    screenshot(page, "curriculum-list")
    levels = [int(text) for text in level_cells(page) if text.strip().isdigit()]
    assert levels == sorted(levels) and levels[0] == 1  # ordered by level, the curriculum first
    assert len(levels) == min(len(CURRICULUM), 50)  # the first page is all curriculum

    page.select_option("#level", "3")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"level=3"))
    level_3 = sorted(p.spec.title for p in CURRICULUM if p.level == 3)
    assert set(level_cells(page)) == {"3"}
    titles = page.locator("table.problems tbody tr td:nth-child(1) a").all_inner_texts()
    assert titles == level_3
    screenshot(page, "curriculum-level-3")

    page.get_by_role("link", name=level_3[0], exact=True).click()
    page.wait_for_url(re.compile(r"/problems/[a-z0-9-]+/$"))
    assert page.locator("h1").inner_text().startswith(level_3[0])
    assert f"Level 3. {LEVELS[3]}" in page.locator("p.meta").inner_text()
    next_link = page.locator("a.next-problem")
    assert next_link.inner_text() == f"Next problem of level 3: {level_3[1]} →"
    screenshot(page, "curriculum-problem")
    next_link.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith(level_3[1])
    assert not page.problems.errors
