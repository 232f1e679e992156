"""Typing into the CodeMirror editor the way a person does, and reading back what it shows."""

from __future__ import annotations

EDITOR = ".cm-editor .cm-content"


def editor_text(page) -> str:
    """The editor's document, exactly (CodeMirror's state, not the rendered lines)."""
    return page.eval_on_selector("textarea[data-lean-editor]", "t => t.arenaEditor.state.doc.toString()")


def clear_editor(page) -> None:
    page.click(EDITOR)
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")


def _selection_is_empty(page) -> bool:
    return page.eval_on_selector("textarea[data-lean-editor]", "t => t.arenaEditor.state.selection.main.empty")


def type_lines(page, lines: list[str]) -> None:
    """Type each line with the keyboard, Enter between them, and its indentation as given: where
    the editor's auto-indent offered another, it is selected (Shift+Home) and typed over."""
    page.click(EDITOR)
    for number, line in enumerate(lines):
        if number:
            page.keyboard.press("Enter")
            page.keyboard.press("Shift+Home")
            if not _selection_is_empty(page):
                page.keyboard.press("Backspace")
        page.keyboard.type(line, delay=5)
