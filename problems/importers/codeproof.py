"""The CodeProofBenchmark layout (GasStationManager/CodeProofBenchmark): JSONL rows with
`description`, `function_signature`, `test_cases`, `theorem_signature`, `theorem2_signature`.

The public set carries no licence: read a user's own copy, never ship it. Its quirks
(docs/problems.md) are each reported:

- a "theorem" written as `def NAME BINDERS : Prop := BODY`: imported as `theorem NAME BINDERS : BODY`
  (the same statement), reported;
- no theorem, the spec in a subtype return type: rejected (a problem needs a theorem);
- a helper definition inside the theorem field: moved to the preamble, reported;
- a statement that differs from the one its reference solution proves (given `solutions`, the
  upstream `.lean` file): imported as the JSONL states it, reported for a maintainer to decide.

Reference solutions start with `import Mathlib`: problems are recorded as importing Mathlib
(`declared_imports`); `--lean` finds those that elaborate on core alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from problems.importers.base import (
    Candidate,
    ReadResult,
    first_sentence,
    read_jsonl,
    read_text,
    slugify,
)

FIELDS = {"description", "function_signature", "test_cases", "theorem_signature", "theorem2_signature"}
SOURCE = "https://github.com/GasStationManager/CodeProofBenchmark"
LICENCE = "none stated upstream (a user's own copy: do not redistribute)"
DEF_NAME = re.compile(r"^\s*def\s+([^\s:(\[{]+)")
PROP_DEF = re.compile(r"^\s*def\s+(?P<name>[^\s:(\[{]+)(?P<binders>.*?)\s*:\s*Prop\s*:=\s*(?P<body>.+)$", re.DOTALL)
THEOREM_START = re.compile(r"^\s*(theorem|lemma)\s", re.MULTILINE)


def read(path: Path, *, solutions: Path | None = None, prefix: str = "codeproof") -> ReadResult:
    reference_statements = _theorem_statements(read_text(solutions)) if solutions else None
    result = ReadResult()
    for number, row in read_jsonl(path):
        origin = f"line {number}"
        if not isinstance(row, dict):
            result.reject(origin, "", "a row must be a JSON object")
            continue
        candidate = _candidate(row, origin, prefix, reference_statements, result)
        if candidate is not None:
            result.candidates.append(candidate)
    return result


def _candidate(
    row: dict[str, Any], origin: str, prefix: str, reference: dict[str, str] | None, result: ReadResult
) -> Candidate | None:
    unknown = set(row) - FIELDS
    signature = row.get("function_signature")
    if not isinstance(signature, str) or not DEF_NAME.match(signature):
        result.reject(origin, "", "function_signature must be a `def` header")
        return None
    name = DEF_NAME.match(signature).group(1)
    slug = slugify(prefix, name)
    if unknown:
        result.reject(origin, slug, f"unknown fields: {', '.join(sorted(unknown))}")
        return None
    quirks: list[str] = []
    preamble: list[str] = []
    theorems = []
    for key in ("theorem_signature", "theorem2_signature"):
        text = row.get(key)
        if text is None:
            continue
        if not isinstance(text, str):
            result.reject(origin, slug, f"{key} must be a string or null")
            return None
        theorem = _theorem(text, key, quirks, preamble)
        if theorem is None:
            result.reject(origin, slug, f"{key} is neither a theorem nor a `def … : Prop`: {text[:120]!r}")
            return None
        theorems.append(theorem)
    if not theorems:
        where = "its spec is in the subtype return type" if "//" in signature else "it has no spec at all"
        result.reject(origin, slug, f"no theorem ({where}): a problem needs at least one theorem to prove")
        return None
    if reference is not None:
        for theorem in theorems:
            upstream = reference.get(theorem["name"])
            if upstream is None:
                quirks.append(f"the reference solutions do not prove {theorem['name']}")
            elif _normal(upstream) != _normal(theorem["signature"]):
                quirks.append(
                    f"statement differs from the reference solution's: JSONL {theorem['signature']!r}, "
                    f"reference {upstream!r} (imported as the JSONL states it)"
                )
    tests = row.get("test_cases")
    if tests is not None and not isinstance(tests, list):
        result.reject(origin, slug, "test_cases must be a list or null")
        return None
    description = row.get("description") or ""
    if not isinstance(description, str):
        result.reject(origin, slug, "description must be a string")
        return None
    data = {
        "slug": slug,
        "title": first_sentence(description) or name,
        "description": description,
        "imports": ["Mathlib"],
        "declared_imports": ["Mathlib"],
        "preamble": "\n\n".join(preamble),
        "definitions": [signature.strip()],
        "theorems": theorems,
        "tests": tests or [],
        "licence": LICENCE,
        "source": SOURCE,
        "upstream_id": f"{origin} ({name})",
    }
    return Candidate(origin=origin, data=data, quirks=quirks)


def _theorem(text: str, key: str, quirks: list[str], preamble: list[str]) -> dict[str, str] | None:
    start = THEOREM_START.search(text)
    if start and start.start() > 0 and text[: start.start()].strip():
        helper = text[: start.start()].strip()
        helper_names = ", ".join(m.group(1) for m in re.finditer(r"(?m)^\s*def\s+([^\s:(\[{]+)", helper))
        quirks.append(
            f"{key}: helper definition {helper_names or helper[:40]!r} moved from the theorem field into the preamble"
        )
        preamble.append(helper)
        text = text[start.start() :]
    text = text.strip()
    match = re.match(r"^(theorem|lemma)\s+([^\s:(\[{]+)", text)
    if match:
        if match.group(1) == "lemma":
            quirks.append(f"{key}: `lemma` (a Mathlib keyword) written as `theorem`")
            text = "theorem" + text[len("lemma") :]
        return {"name": match.group(2), "signature": text}
    prop = PROP_DEF.match(text)
    if prop:
        name = prop.group("name")
        quirks.append(
            f"{key}: the theorem is written as `def {name} … : Prop`; imported as `theorem {name}` stating its body"
        )
        return {"name": name, "signature": f"theorem {name}{prop.group('binders')} : {prop.group('body').strip()}"}
    return None


def _theorem_statements(text: str) -> dict[str, str]:
    """theorem name -> its statement (up to `:=`) in a reference-solution file."""
    found = {}
    for match in re.finditer(r"(?ms)^(theorem|lemma)\s+([^\s:(\[{]+)(.*?):=", text):
        found[match.group(2)] = f"theorem {match.group(2)}{match.group(3)}".strip()
    return found


def _normal(text: str) -> str:
    return " ".join(text.replace("lemma ", "theorem ", 1).split())
