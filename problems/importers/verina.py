"""VERINA (sunblaze-ucb/verina, Apache-2.0), from a user's checkout: one folder per task with
`task.json` (`id`, `signature`, `specification`, `metadata`, `description_file`), `task.lean`
split by `-- !benchmark @start NAME` / `-- !benchmark @end NAME` markers, `test.json` and
`reject_inputs.json`.

A task becomes: imports from the `import` block; a preamble of `precond_aux`, the precondition
definition, `postcond_aux` and the postcondition definition; the definition to implement (the
header around `code`); the theorem (the header around `proof`); and a reference solution of
`solution_aux`, `code_aux`, the implementation, `proof_aux` and the proof. Tests keep VERINA's
`{input, expected}` as `{input, output}`; rejected inputs (precondition false) are kept as
`{input, rejected: true}`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from problems.importers.base import (
    Candidate,
    ImportFileError,
    ReadResult,
    first_sentence,
    imports_in,
    read_json,
    read_text,
    slugify,
    strip_assign,
)

SOURCE = "https://github.com/sunblaze-ucb/verina"
LICENCE = "Apache-2.0"
MARKER = re.compile(r"^\s*--\s*!benchmark\s+@(?P<kind>start|end)\s+(?P<name>\w+)")
REQUIRED = ("code", "proof", "precond", "postcond")


def read(path: Path, *, prefix: str = "verina") -> ReadResult:
    if not path.is_dir():
        raise ImportFileError(f"{path}: not a folder (a VERINA checkout or one of its task folders)")
    tasks = sorted(path.rglob("task.json"))
    if not tasks:
        raise ImportFileError(f"{path}: no task.json below it")
    lean_version = _toolchain(path)
    result = ReadResult()
    for task_json in tasks:
        folder = task_json.parent
        origin = str(folder.relative_to(path)) if folder != path else folder.name
        slug = slugify(prefix, folder.name.removeprefix("verina_"))
        try:
            data, quirks = _task(folder, slug)
        except _Reject as exc:
            result.reject(origin, slug, str(exc))
            continue
        data["lean_version"] = lean_version
        result.candidates.append(Candidate(origin=origin, data=data, quirks=quirks))
    return result


class _Reject(ValueError):
    pass


def _toolchain(path: Path) -> str:
    for folder in [path, *path.parents]:
        file = folder / "lean-toolchain"
        if file.exists():
            return read_text(file).strip()
    return ""


def _segments(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """The marked blocks, and for each the unmarked text just before it (its header)."""
    blocks: dict[str, str] = {}
    before: dict[str, str] = {}
    outside: list[str] = []
    current: tuple[str, list[str]] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        marker = MARKER.match(line)
        if marker and marker.group("kind") == "start":
            if current is not None:
                raise _Reject(f"task.lean line {number}: block {marker.group('name')!r} starts inside {current[0]!r}")
            name = marker.group("name")
            if name in blocks:
                raise _Reject(f"task.lean: block {name!r} appears twice")
            before[name] = "\n".join(outside)
            outside = []
            current = (name, [])
        elif marker:
            if current is None or current[0] != marker.group("name"):
                raise _Reject(f"task.lean line {number}: @end {marker.group('name')} without its @start")
            blocks[current[0]] = "\n".join(current[1]).strip("\n")
            current = None
        elif current is not None:
            current[1].append(line)
        else:
            outside.append(line)
    if current is not None:
        raise _Reject(f"task.lean: block {current[0]!r} is never closed")
    return blocks, before


def _task(folder: Path, slug: str) -> tuple[dict[str, Any], list[str]]:
    try:
        task = read_json(folder / "task.json")
    except ImportFileError as exc:
        raise _Reject(str(exc)) from exc
    if not isinstance(task, dict):
        raise _Reject("task.json is not an object")
    lean_file = folder / str(task.get("lean_file") or "task.lean")
    if not lean_file.resolve().is_relative_to(folder.resolve()) or not lean_file.exists():
        raise _Reject(f"{lean_file.name}: missing")
    blocks, before = _segments(read_text(lean_file))
    missing = [name for name in REQUIRED if name not in blocks]
    if missing:
        raise _Reject(f"task.lean has no {', '.join(missing)} block")
    quirks: list[str] = []
    imports = imports_in(blocks.get("import", ""))
    header = strip_assign(_last_decl(before["code"]))
    theorem = strip_assign(_last_decl(before["proof"]))
    match = re.match(r"^theorem\s+([^\s:(\[{]+)", theorem)
    if not re.match(r"^def\s", header) or not match:
        raise _Reject("task.lean: the code must follow a `def` header and the proof a `theorem`")
    precond = _last_decl(before["precond"], keep_attributes=True) + "\n  " + blocks["precond"].strip()
    postcond = _last_decl(before["postcond"], keep_attributes=True) + "\n  " + blocks["postcond"].strip()
    preamble = "\n\n".join(
        part
        for part in (blocks.get("precond_aux", ""), precond, blocks.get("postcond_aux", ""), postcond)
        if part.strip()
    )
    reference_parts = [
        blocks.get("solution_aux", ""),
        blocks.get("code_aux", ""),
        f"{header} :=\n  {blocks['code'].strip()}",
        blocks.get("proof_aux", ""),
        f"{theorem} := by\n  {blocks['proof'].strip()}",
    ]
    reference: str | None = "\n\n".join(p.strip() for p in reference_parts if p.strip()) + "\n"
    if re.search(r"(?<![\w.'])sorry(?![\w'])", blocks["proof"]) or not blocks["proof"].strip():
        quirks.append("the upstream proof is incomplete (sorry): no reference solution")
        reference = None
    description = _description(folder, task)
    data = {
        "slug": slug,
        "title": first_sentence(description, 100) or str(task.get("id") or folder.name),
        "description": description,
        "imports": imports,
        "declared_imports": imports,
        "preamble": preamble,
        "definitions": [header],
        "theorems": [{"name": match.group(1), "signature": theorem}],
        "reference_solution": reference,
        "tests": _tests(folder, task, quirks),
        "licence": LICENCE,
        "source": SOURCE + _upstream_note(task),
        "upstream_id": str(task.get("id") or folder.name),
    }
    return data, quirks


def _last_decl(text: str, *, keep_attributes: bool = False) -> str:
    """The declaration header at the end of the unmarked text before a block."""
    lines = text.rstrip().splitlines()
    start = len(lines)
    for index in range(len(lines) - 1, -1, -1):
        stripped = lines[index].strip()
        if re.match(r"^(def|theorem|lemma|abbrev|noncomputable)\b", stripped):
            start = index
            if keep_attributes and index > 0 and lines[index - 1].strip().startswith("@["):
                start = index - 1
            break
    else:
        raise _Reject("task.lean: a marked block has no declaration header before it")
    return "\n".join(lines[start:]).strip()


def _description(folder: Path, task: dict[str, Any]) -> str:
    name = str(task.get("description_file") or "description.txt")
    file = folder / name
    text = read_text(file).strip() if file.resolve().is_relative_to(folder.resolve()) and file.exists() else ""
    spec = task.get("specification")
    if isinstance(spec, dict):
        for key in ("preconditions", "postconditions"):
            if isinstance(spec.get(key), str) and spec[key].strip():
                text += f"\n\n**{key.capitalize()}**\n\n{spec[key].strip()}"
    return text.strip()


def _tests(folder: Path, task: dict[str, Any], quirks: list[str]) -> list[dict[str, Any]]:
    tests: list[dict[str, Any]] = []
    for key, default, rejected in (
        ("test_file", "test.json", False),
        ("reject_inputs_file", "reject_inputs.json", True),
    ):
        file = folder / str(task.get(key) or default)
        if not file.resolve().is_relative_to(folder.resolve()) or not file.exists():
            continue
        try:
            rows = read_json(file)
        except ImportFileError as exc:
            raise _Reject(str(exc)) from exc
        if not isinstance(rows, list):
            raise _Reject(f"{file.name} is not a list")
        for row in rows:
            if not isinstance(row, dict) or "input" not in row:
                raise _Reject(f"{file.name}: each test needs an input")
            if rejected:
                tests.append({"input": row["input"], "rejected": True})
            elif "expected" in row:
                test = {"input": row["input"], "output": row["expected"]}
                if isinstance(row.get("unexpected"), list) and row["unexpected"]:
                    test["wrong_outputs"] = row["unexpected"]  # each must fail the spec (validation)
                tests.append(test)
            else:
                raise _Reject(f"{file.name}: a test without `expected`")
    return tests


def _upstream_note(task: dict[str, Any]) -> str:
    upstream = (task.get("metadata") or {}).get("upstream") if isinstance(task.get("metadata"), dict) else None
    if isinstance(upstream, dict) and isinstance(upstream.get("link"), str):
        return f" (upstream: {upstream.get('name', '')} {upstream['link']} {upstream.get('task_id', '')})".replace(
            "  ", " "
        )
    return ""
