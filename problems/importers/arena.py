"""The Arena's own problem format (JSONL, one problem per line; judge/problem_format.py), with
optional `import_profile`, `declared_imports`, `upstream_id` and `lean_version`."""

from __future__ import annotations

from pathlib import Path

from problems.importers.base import Candidate, ReadResult, read_jsonl


def read(path: Path) -> ReadResult:
    result = ReadResult()
    for number, row in read_jsonl(path):
        origin = f"line {number}"
        if not isinstance(row, dict):
            result.reject(origin, "", "a problem must be a JSON object")
            continue
        result.candidates.append(Candidate(origin=origin, data=dict(row)))
    return result
