"""The seed Arena's JSONL (CodeProofTheArena scripts): `description`, `function_signature`,
`theorem_signature`, optional `theorem2_signature`, and for autoformalized problems
`property_def` (a Prop over inputs and output, placed before the theorem) and `tests` as
`{input, output}` pairs. Rows are otherwise read like the CodeProofBenchmark layout."""

from __future__ import annotations

from pathlib import Path

from problems.importers import codeproof
from problems.importers.base import Candidate, ReadResult, read_jsonl

SOURCE = "https://github.com/GasStationManager/CodeProofTheArena"


def read(path: Path, *, prefix: str = "seed") -> ReadResult:
    result = ReadResult()
    for number, row in read_jsonl(path):
        origin = f"line {number}"
        if not isinstance(row, dict):
            result.reject(origin, "", "a row must be a JSON object")
            continue
        row = dict(row)
        property_def = row.pop("property_def", None)
        tests = row.pop("tests", None)
        row.setdefault("test_cases", None)
        row.setdefault("theorem2_signature", None)
        candidate = codeproof._candidate(row, origin, prefix, None, result)
        if candidate is None:
            continue
        if not _attach(candidate, property_def, tests, result):
            continue
        candidate.data["source"] = SOURCE
        candidate.data["licence"] = ""
        result.candidates.append(candidate)
    return result


def _attach(candidate: Candidate, property_def, tests, result: ReadResult) -> bool:
    if property_def is not None:
        if not isinstance(property_def, str) or not property_def.strip():
            result.reject(candidate.origin, candidate.slug, "property_def must be Lean text")
            return False
        preamble = candidate.data["preamble"]
        candidate.data["preamble"] = (preamble + "\n\n" if preamble else "") + property_def.strip()
    if tests is not None:
        if not isinstance(tests, list) or not all(isinstance(t, dict) and set(t) == {"input", "output"} for t in tests):
            result.reject(candidate.origin, candidate.slug, "tests must be a list of {input, output} objects")
            return False
        candidate.data["tests"] = tests
    return True
