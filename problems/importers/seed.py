"""The seed Arena's JSONL (CodeProofTheArena `scripts/`). Two shapes:

- `easy.jsonl`: the CodeProofBenchmark layout (problems.importers.codeproof), read as such;
- `code_contests_sample_passed.jsonl`, autoformalized contest problems: `description`,
  `function_signature`, `property_name`, `property_def` (helper `def`s and the property
  `def NAME (inputs…) (output) : Prop`, placed before the theorem), `theorem_signature` (the spec
  through the property), `tests` as strings (the inputs then the expected output, separated by
  spaces in Lean's syntax: `"4 7 [[7,0], [0,7]]"` for `f 4 7`), `test_results` (one
  `{status, feedback}` per test from upstream's autoformalization run) and `status`.

A test string is cut into top-level items as Lean's tokens (brackets nest, strings and
characters are single items): the first as many as the function's explicit parameters are its
inputs, the rest its expected output. Every field lands in the problem or is reported: a row
whose `status` is not "pass", or a test upstream did not pass, is reported with its feedback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from judge.lean_text import CLOSE, OPEN, LeanTextError, commands, declared_name, tokens
from problems.importers import codeproof
from problems.importers.base import Candidate, ReadResult, read_jsonl, slugify

SOURCE = "https://github.com/GasStationManager/CodeProofTheArena"
LICENCE = "GPL-3.0 (the CodeProofTheArena repository)"
CONTEST_FIELDS = {"property_name", "property_def", "tests", "test_results", "status"}


def read(path: Path, *, prefix: str = "seed") -> ReadResult:
    result = ReadResult()
    for number, row in read_jsonl(path):
        origin = f"line {number}"
        if not isinstance(row, dict):
            result.reject(origin, "", "a row must be a JSON object")
            continue
        try:
            name = codeproof.function_name(row)
        except codeproof.RowRefused as exc:
            result.reject(origin, "", str(exc))
            continue
        slug = slugify(prefix, name)
        unknown = set(row) - codeproof.FIELDS - CONTEST_FIELDS
        if unknown:
            result.reject(name, slug, f"unknown fields: {', '.join(sorted(unknown))}")
            continue
        layout = {key: row.get(key) for key in codeproof.FIELDS}
        try:
            data, quirks = codeproof.row_problem(layout, name, slug, None)
            if CONTEST_FIELDS & set(row):
                _contest(row, data, quirks)
        except (codeproof.RowRefused, LeanTextError) as exc:
            result.reject(name, slug, str(exc))
            continue
        data |= {"source": SOURCE, "licence": LICENCE}
        result.candidates.append(Candidate(origin=name, data=data, quirks=quirks))
    return result


def _contest(row: dict[str, Any], data: dict[str, Any], quirks: list[str]) -> None:
    """The contest shape's fields: the property into the preamble, the tests split by arity."""
    property_def, property_name = row.get("property_def"), row.get("property_name")
    if not isinstance(property_def, str) or not property_def.strip():
        raise codeproof.RowRefused("property_def must be Lean text")
    declared = [declared_name(c) for c in commands(property_def)]
    if not isinstance(property_name, str) or property_name not in declared:
        raise codeproof.RowRefused(f"property_name {property_name!r} is not declared by property_def ({declared})")
    data["preamble"] = "\n\n".join(p for p in (data["preamble"], property_def.strip()) if p)
    status = row.get("status")
    if status != "pass":
        quirks.append(f'upstream status {status!r} (not "pass")')
    tests = row.get("tests") or []
    results = row.get("test_results")
    if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
        raise codeproof.RowRefused("tests must be a list of strings")
    if results is not None and (not isinstance(results, list) or len(results) != len(tests)):
        raise codeproof.RowRefused("test_results must have one entry per test")
    arity = explicit_arity(data["definitions"][0])
    data["tests"] = []
    for index, text in enumerate(tests):
        items = top_level_items(text)
        if len(items) <= arity:
            raise codeproof.RowRefused(
                f"test {index + 1} {text[:80]!r}: {len(items)} item(s), the function takes {arity} and an output"
            )
        inputs, output = [_value(i) for i in items[:arity]], _value(" ".join(items[arity:]))
        data["tests"].append({"input": inputs if arity != 1 else inputs[0], "output": output})
        outcome = results[index] if results else None
        if isinstance(outcome, dict) and outcome.get("status") not in (None, "pass"):
            feedback = str(outcome.get("feedback") or "")[:200]
            quirks.append(f"test {index + 1}: upstream's run says {outcome.get('status')!r}: {feedback}")


def _value(item: str) -> str:
    """A string literal as its text (the judge quotes it for a String); anything else as written."""
    if item.startswith('"') and item.endswith('"') and len(item) > 1:
        try:
            decoded = json.loads(item)
        except json.JSONDecodeError:
            return item
        return decoded if isinstance(decoded, str) else item
    return item


def explicit_arity(header: str) -> int:
    """How many explicit parameters a `def` header takes (`(a b : Int) {α : Type} (c : α)`: 3)."""
    count, depth, names = 0, 0, 0
    in_explicit = False
    for token in tokens(header):
        if token.kind == "symbol" and token.text in OPEN:
            depth += 1
            if depth == 1:
                in_explicit, names = token.text == "(", 0
        elif token.kind == "symbol" and token.text in CLOSE:
            depth -= 1
        elif depth == 1 and in_explicit and token.kind == "ident":
            names += 1
        elif depth == 1 and in_explicit and token.kind == "symbol" and token.text == ":":
            count += names
            in_explicit = False
        elif depth == 0 and token.kind == "symbol" and token.text == ":":
            break
    return count


def top_level_items(text: str) -> list[str]:
    """A test string's items: separated by spaces outside brackets, strings and characters."""
    items: list[str] = []
    depth, start, end = 0, None, 0
    for token in tokens(text):
        if start is None:
            start = token.start
        elif depth == 0 and token.start > end:
            items.append(text[start:end])
            start = token.start
        if token.kind == "symbol" and token.text in OPEN:
            depth += 1
        elif token.kind == "symbol" and token.text in CLOSE:
            depth = max(depth - 1, 0)
        end = token.end
    if start is not None:
        items.append(text[start:end])
    return items
