"""The Arena's own problem format (JSONL, one problem per line; judge/problem_format.py), with
optional `import_profile`, `declared_imports`, `upstream_id` and `lean_version`.

A dataset dump's `problems.jsonl` is this format too, with what a dump adds: `version`,
`fingerprint` (of the statement), `template` and `published_at`. Each is checked against the
statement (a row that disagrees was altered: refused), and the version and first publication
become the problem's upstream id. A dump carries no reference solution and no tests: an
existing problem keeps its own.
"""

from __future__ import annotations

from pathlib import Path

from judge.problem_format import InvalidProblem, ProblemSpec
from problems.importers.base import Candidate, ReadResult, read_jsonl

DUMP_FIELDS = ("version", "fingerprint", "template", "published_at")
NOT_IN_DUMPS = frozenset({"reference_solution", "tests", "upstream_id"})


def read(path: Path, *, prefix: str = "") -> ReadResult:
    result = ReadResult()
    for number, row in read_jsonl(path):
        origin = f"line {number}"
        if not isinstance(row, dict):
            result.reject(origin, "", "a problem must be a JSON object")
            continue
        data = dict(row)
        slug = data.get("slug") if isinstance(data.get("slug"), str) else ""  # the report names it beside origin
        keep: frozenset[str] = frozenset()
        if any(key in data for key in DUMP_FIELDS):
            reason = _dump_row(data)
            if reason:
                result.reject(origin, slug, reason)
                continue
            keep = NOT_IN_DUMPS
        if prefix and slug:
            data["slug"] = f"{prefix}-{slug}"[:100]
        result.candidates.append(Candidate(origin=origin, data=data, keep=keep))
    return result


def _dump_row(data: dict) -> str | None:
    """Check and remove what a dump adds; the reason to refuse the row, if any."""
    dump = {key: data.pop(key, None) for key in DUMP_FIELDS}
    missing = [key for key, value in dump.items() if value is None]
    if missing:
        return f"a dump row without {', '.join(missing)}"
    try:
        spec = ProblemSpec.from_dict(data)
    except InvalidProblem as exc:
        return str(exc)
    if dump["fingerprint"] != spec.statement_fingerprint:
        return "its statement does not match its fingerprint (altered since the dump)"
    if dump["template"] != spec.template():
        return "its template is not its statement's (altered since the dump)"
    if not isinstance(dump["version"], int) or not isinstance(dump["published_at"], str):
        return "version must be a number and published_at a date"
    data.setdefault("upstream_id", f"{data['slug']} v{dump['version']} (published {dump['published_at']})"[:200])
    return None
