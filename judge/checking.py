"""Checks (issue 27, the solving loop): Lean's proof state for a file, without a verdict.

A check is an exporter job like a submission's (same syntax policy, compiler gate, sandbox,
limits, authenticated export) whose second stdin line is `check <json>` (WIRE.md) instead of
`probes …`: no counterexample probe and no spec audit runs, and nothing of the problem's tests
is sent. After the export's end line the exporter writes a section of its own, `["CHECK"]` … its
own end line, keyed by the request's own MAC key, with one `S` row per `sorry` (its goal) and
one `T` row per tactic step (its range, the goals before and after it), bounded inside the
exporter by `CheckBounds`; past a bound the rest is left out and an `X` row says which bound.

This module holds the request and the section's parser; `judge.pipeline.Judge.check` runs it.
The parser trusts nothing: each row is a flat JSON list, read with bounds of its own (rows,
goal text, goals per step), and anything malformed costs the section, never the export.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from judge.export_auth import ExportKey
from judge.results import SorryGoal, TacticStep

CHECK_LINE = '["CHECK"]'  # the check section's first line (WIRE.md)

# The bounds the exporter answers within (WIRE.md, "The check section"). What one check can
# return: at most `chars` characters of rows, whatever the file does.
GOAL_CHARS = 4000  # one goal's text (hypotheses and target), cut past this with "…"
GOALS_PER_STEP = 12  # goals shown before and after one step
STEPS = 2000  # tactic steps
SORRIES = 200
TREE_DEPTH = 512  # info tree levels walked below one command
TREE_NODES = 200_000  # info tree nodes visited in the whole file
SECTION_CHARS = 600_000  # the section's rows in all (the runner's output limit is larger)
MAX_POSITION = 10_000_000  # a line or column past this is not a position in a submission


@dataclasses.dataclass(frozen=True)
class CheckBounds:
    goal_chars: int = GOAL_CHARS
    goals: int = GOALS_PER_STEP
    steps: int = STEPS
    sorries: int = SORRIES
    depth: int = TREE_DEPTH
    nodes: int = TREE_NODES
    chars: int = SECTION_CHARS


@dataclasses.dataclass(frozen=True)
class CheckRequest:
    """One check's second stdin line: the section's own MAC key and the bounds."""

    key: ExportKey = dataclasses.field(default_factory=ExportKey.new)
    bounds: CheckBounds = dataclasses.field(default_factory=CheckBounds)

    def line(self) -> bytes:
        body = {"r": str(self.key.r), "s": str(self.key.s), **dataclasses.asdict(self.bounds)}
        return b"check " + json.dumps(body, separators=(",", ":")).encode() + b"\n"


class CheckSectionError(ValueError):
    """The check section cannot be read (a malformed row, a value past a bound)."""


@dataclasses.dataclass(frozen=True)
class ProofState:
    sorries: list[SorryGoal]
    steps: list[TacticStep]
    truncated: bool  # a bound was reached (the exporter's `X` row, or this parser's)
    cut: tuple[str, ...] = ()  # which bounds, as the exporter names them


def parse_check_section(text: str, bounds: CheckBounds) -> ProofState:
    """The authenticated section's rows (without its first line, ending with `["END"]`)."""
    # the exporter's rows fit in `chars`; the row framing adds little beside them
    if len(text) > bounds.chars + 64 * (bounds.steps + bounds.sorries + 16):
        raise CheckSectionError("the check section is larger than its bound")
    sorries: dict[tuple[int, int], SorryGoal] = {}
    steps: list[TacticStep] = []
    cut: list[str] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[-1] != '["END"]':
        raise CheckSectionError("the check section has no end")
    for number, line in enumerate(lines[:-1], start=1):
        row = _row(number, line)
        kind = row[0]
        if kind == "S" and len(row) == 6:
            if len(sorries) >= bounds.sorries:
                raise CheckSectionError("more sorries than asked for")
            found = SorryGoal(*_range(row), goal=_goal(row[5], bounds))
            # a tactic `sorry` and the term its macro makes share a start: one sorry
            sorries.setdefault((found.line, found.column), found)
        elif kind == "T" and len(row) == 7:
            if len(steps) >= bounds.steps:
                raise CheckSectionError("more steps than asked for")
            before, after = _goals(row[5], bounds), _goals(row[6], bounds)
            steps.append(TacticStep(*_range(row), goals_before=before, goals_after=after))
        elif kind == "X" and len(row) == 2 and isinstance(row[1], str) and len(row[1]) <= 32 and len(cut) < 16:
            cut.append(row[1])
        else:
            raise CheckSectionError(f"line {number}: not a check row")
    order = lambda s: (s.line, s.column, -s.end_line, -s.end_column)  # noqa: E731
    return ProofState(
        sorries=sorted(sorries.values(), key=order),
        steps=sorted(steps, key=order),
        truncated=bool(cut),
        cut=tuple(cut),
    )


def _row(number: int, line: str) -> list[Any]:
    try:
        row = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise CheckSectionError(f"line {number}: not JSON") from exc
    if not isinstance(row, list) or not row or not isinstance(row[0], str):
        raise CheckSectionError(f"line {number}: not a row")
    return row


def _range(row: list[Any]) -> tuple[int, int, int, int]:
    values = row[1:5]
    if not all(type(v) is int and 0 <= v <= MAX_POSITION for v in values):
        raise CheckSectionError("a position is not a small natural number")
    line, column, end_line, end_column = values
    if line < 1 or (end_line, end_column) < (line, column):
        raise CheckSectionError("a range ends before it starts")
    return line, column, end_line, end_column


def _goal(value: Any, bounds: CheckBounds) -> str:
    # the exporter cuts a goal at `goal_chars` characters and adds "…"
    if not isinstance(value, str) or len(value) > bounds.goal_chars + 1:
        raise CheckSectionError("a goal is not a string within its bound")
    return value


def _goals(value: Any, bounds: CheckBounds) -> list[str]:
    if not isinstance(value, list) or len(value) > bounds.goals:
        raise CheckSectionError("a step's goals are not a list within its bound")
    return [_goal(g, bounds) for g in value]
