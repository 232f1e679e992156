"""A stored verdict as the pages show it: what each theorem's status means under that verdict,
the reasons worth reading, where a refused construct stands in the code, and the judge's time
in words. Reads the stored JSON only (a field a newer judge adds cannot break it)."""

from __future__ import annotations

import re
from typing import Any

# Verdicts given before any theorem is looked at (the text refused, or a limit hit while Lean
# ran): the judge stores "error" for every theorem then, which reads as if each had failed.
DECIDED_BEFORE_CHECKING = {"FORBIDDEN_CONSTRUCT", "TIME_LIMIT", "MEMORY_LIMIT", "OUTPUT_LIMIT"}
STATUS_WORDS = {
    "proved": "proved",
    "missing": "missing",
    "mismatch": "statement changed",
    "sorry": "uses sorry",
    "forbidden_axiom": "forbidden axiom",
    "kernel_rejected": "kernel rejected",
    "error": "not proved (Lean stopped at an error)",
}
_SORRY_WORD = re.compile(r"(?<![\w.'])sorry(?![\w'])")
_COMMENT = re.compile(r"/-.*?-/|--[^\n]*", re.S)


def theorem_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    theorems = [t for t in result.get("theorems") or [] if isinstance(t, dict)]
    unchecked = result.get("verdict") in DECIDED_BEFORE_CHECKING and all(t.get("status") == "error" for t in theorems)
    rows = []
    for theorem in theorems:
        status = "not_checked" if unchecked else str(theorem.get("status", ""))
        rows.append({"name": str(theorem.get("name", "")), "status": status, "words": _words(status)})
    return rows


def _words(status: str) -> str:
    return "not checked" if status == "not_checked" else STATUS_WORDS.get(status, status)


def shown_reasons(result: dict[str, Any], code: str) -> list[dict[str, Any]]:
    """The reasons, less the `sorry` that Lean's error recovery put in place of a proof that did
    not elaborate (COMPILE_ERROR): the user wrote no `sorry`, and the error says what is wrong."""
    reasons = [r for r in result.get("reasons") or [] if isinstance(r, dict)]
    if result.get("verdict") == "COMPILE_ERROR" and not _SORRY_WORD.search(_COMMENT.sub(" ", code)):
        reasons = [r for r in reasons if r.get("code") != "SORRY"]
    return reasons


def _mark(line: int, start: int, end: int, text: str) -> dict[str, Any]:
    # Lean's message shape (1-based line, code-point columns): the code view and the editor mark it.
    return {"severity": "error", "line": line, "column": start, "end_line": line, "end_column": end, "text": text}


def _first_on_a_line(code: str, pattern: re.Pattern[str], text: str) -> list[dict[str, Any]]:
    for number, line in enumerate(code.split("\n"), start=1):
        found = pattern.search(line)
        if found:
            group = 1 if pattern.groups else 0
            return [_mark(number, found.start(group), found.end(group), text)]
    return []


def refusal_marks(result: dict[str, Any], code: str) -> list[dict[str, Any]]:
    """Where each refused construct of a FORBIDDEN_CONSTRUCT stands, as messages to mark."""
    if result.get("verdict") != "FORBIDDEN_CONSTRUCT":
        return []
    lines = code.split("\n")
    marks: list[dict[str, Any]] = []
    for reason in shown_reasons(result, code):
        code_name, detail = reason.get("code"), str(reason.get("detail", ""))
        declaration = str(reason.get("declaration") or "")
        text = f"{code_name}: {detail}"
        if code_name == "FORBIDDEN_COMMAND":
            where = re.match(r"line (\d+), column (\d+)", detail)
            if where and 1 <= int(where.group(1)) <= len(lines):
                number, column = int(where.group(1)), int(where.group(2))
                word = re.match(r"\S+", lines[number - 1][column:])
                marks.append(_mark(number, column, column + (len(word.group(0)) if word else 1), text))
        elif code_name == "FORBIDDEN_IMPORT" and declaration:
            marks += _first_on_a_line(
                code, re.compile(r"^\s*(?:\w+\s+)*import\b.*?(?<!\S)(" + re.escape(declaration) + r")(?!\S)"), text
            )
        elif code_name == "FORBIDDEN_ATTRIBUTE":
            named = re.search(r"`([^`]+)`", detail)
            if named:
                attribute = re.escape(named.group(1))
                marks += _first_on_a_line(
                    code, re.compile(r"(?:@\[|attribute\s*\[)[^\]]*?«?(" + attribute + r")»?(?![\w'])"), text
                )
        elif code_name == "PRELUDE":
            marks += _first_on_a_line(code, re.compile(r"^\s*(prelude)\b"), text)
    return marks


def marked_messages(result: dict[str, Any] | None, code: str) -> list[dict[str, Any]]:
    """Lean's messages and the refused constructs: what the code view and the editor underline."""
    if not isinstance(result, dict):
        return []
    messages = [m for m in result.get("messages") or [] if isinstance(m, dict)]
    return messages + refusal_marks(result, code)


def judge_time(ms: Any) -> str:
    """83876 → "1 min 24 s"; 5400 → "5.4 s"; 830 → "830 ms"."""
    if not isinstance(ms, int | float) or isinstance(ms, bool) or ms < 0:
        return ""
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} min {seconds} s"
