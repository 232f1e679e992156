"""The submitted code as lines with Lean's messages marked where they point.

Lean gives a 1-based line and a 0-based column counted in code points, which is what Python's
str indexes count, so slicing here needs no conversion (the editor's JavaScript does: UTF-16).
"""

from __future__ import annotations

import dataclasses
from typing import Any

SEVERITY_RANK = {"information": 1, "info": 1, "warning": 2, "error": 3}


@dataclasses.dataclass(frozen=True)
class Segment:
    text: str
    severity: str = ""  # "" for unmarked text


@dataclasses.dataclass(frozen=True)
class CodeLine:
    number: int
    segments: list[Segment]
    messages: list[dict[str, Any]]  # the messages that start on this line, shown under it


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _marks_by_line(lines: list[str], messages: list[dict[str, Any]]) -> dict[int, list[tuple[int, int, str]]]:
    marks: dict[int, list[tuple[int, int, str]]] = {}
    for message in messages:
        first = _int(message.get("line"), 0)
        if not 1 <= first <= len(lines):
            continue
        last = min(max(_int(message.get("end_line"), first), first), len(lines))
        severity = str(message.get("severity", "info"))
        for number in range(first, last + 1):
            text = lines[number - 1]
            start = max(0, _int(message.get("column"), 0)) if number == first else 0
            end = _int(message.get("end_column"), start) if number == last and message.get("end_line") else len(text)
            start, end = min(start, len(text)), min(end, len(text))
            if end <= start:  # a point: mark one character, or the line's end
                end = min(start + 1, len(text))
            marks.setdefault(number, []).append((start, max(end, start), severity))
    return marks


def _segments(text: str, marks: list[tuple[int, int, str]]) -> list[Segment]:
    cuts = sorted({0, len(text), *(m[0] for m in marks), *(m[1] for m in marks)})
    segments = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [m[2] for m in marks if m[0] <= start and end <= m[1]]
        severity = max(covering, key=lambda s: SEVERITY_RANK.get(s, 0)) if covering else ""
        segments.append(Segment(text[start:end], severity))
    if any(m[0] == m[1] == len(text) for m in marks):  # an error at the end of the line
        segments.append(Segment(" ", max((m[2] for m in marks), key=lambda s: SEVERITY_RANK.get(s, 0))))
    return segments or [Segment("")]


def annotated_lines(code: str, messages: list[dict[str, Any]] | None) -> list[CodeLine]:
    messages = [m for m in messages or [] if isinstance(m, dict)]
    lines = code.split("\n")
    marks = _marks_by_line(lines, messages)
    starting: dict[int, list[dict[str, Any]]] = {}
    for message in messages:
        starting.setdefault(_int(message.get("line"), 0), []).append(message)
    return [
        CodeLine(number=n, segments=_segments(text, marks.get(n, [])), messages=starting.get(n, []))
        for n, text in enumerate(lines, start=1)
    ]
