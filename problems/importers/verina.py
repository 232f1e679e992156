"""VERINA (sunblaze-ucb/verina, Apache-2.0), from a user's copy of its `datasets/verina/`: one
folder per task with `task.json` (`id`, `signature`, `specification`, `metadata`, file names),
`task.lean`, `description.txt`, `test.json` and `reject_inputs.json`.

`task.lean` is cut into sections by lines `-- !benchmark @start NAME [key=value …]` and
`-- !benchmark @end NAME`, read by VERINA's own rules:

- `import` blocks may repeat and are told apart by their `type=` argument: `type=task` imports
  are the statement's (the problem's imports); `type=solution` imports are what upstream's
  reference solution used; `type=llm` and `type=test` belong to upstream's evaluation harness.
- `task_aux` holds definitions the statement needs (a `structure`, helpers): first in the preamble.
- the statement: `precond_aux`, the precondition's definition, `postcond_aux`, the
  postcondition's definition (preamble); the header before `code` (the definition to implement)
  and the header before `proof` (the theorem). An empty `precond` means `True`, as upstream.
- the reference solution: `solution_aux`, `code_aux`, the code, `proof_aux` and the proof, after
  the problem's own text (a submission is a whole file); none when the proof is `sorry`.

Every section lands in the problem or is reported as a quirk; an unknown section or a second
block of one name (imports aside) is a defect of the task and refuses it, as upstream does.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

from judge.lean_text import LeanTextError, commands, declared_name, header_of, tokens, unproved
from problems.importers.base import (
    Candidate,
    ImportFileError,
    ReadResult,
    dedupe_modules,
    first_sentence,
    imports_in,
    read_json,
    read_text,
    slugify,
)

SOURCE = "https://github.com/sunblaze-ucb/verina"
LICENCE = "Apache-2.0"
MARKER = re.compile(r"^\s*--\s*!benchmark\s+@(?P<kind>start|end)\s+(?P<name>\w+)(?P<args>[^\n]*)$")
SECTIONS = (
    "import",
    "task_aux",
    "solution_aux",
    "precond_aux",
    "precond",
    "code_aux",
    "code",
    "postcond_aux",
    "postcond",
    "proof_aux",
    "proof",
)
REQUIRED = ("precond", "code", "postcond", "proof")
# What upstream's evaluation puts in scope whatever the task imports (its test harness imports it).
EVALUATION_IMPORTS = ["Mathlib"]
# Files of a task folder that are upstream's own records, not part of the problem.
NOT_IMPORTED = {
    "coverage_report.md": "upstream's report of how well its tests cover the code",
    "signature.json": "the signature, read from task.json (checked to agree)",
}


def read(path: Path, *, prefix: str = "verina") -> ReadResult:
    if not path.is_dir():
        raise ImportFileError(f"{path}: not a folder (a VERINA checkout or one of its task folders)")
    tasks = sorted(path.rglob("task.json"))
    if not tasks:
        raise ImportFileError(f"{path}: no task.json below it")
    lean_version = _toolchain(path)
    result = ReadResult()
    seen_files: dict[str, int] = {}
    for task_json in tasks:
        folder = task_json.parent
        slug = slugify(prefix, folder.name.removeprefix("verina_"))
        for name in NOT_IMPORTED:
            seen_files[name] = seen_files.get(name, 0) + (folder / name).exists()
        try:
            data, quirks = _task(folder, slug)
        except _Reject as exc:
            result.reject(folder.name, slug, str(exc))
            continue
        data["lean_version"] = lean_version
        result.candidates.append(Candidate(origin=folder.name, data=data, quirks=quirks))
    for name, count in seen_files.items():
        if count:
            result.notes.append(f"{name} in {count} task folder(s): not imported ({NOT_IMPORTED[name]})")
    return result


class _Reject(ValueError):
    pass


def _toolchain(path: Path) -> str:
    for folder in [path, *path.parents]:
        file = folder / "lean-toolchain"
        if file.exists():
            return read_text(file).strip()
    return ""


class _Sections:
    """The marked blocks of task.lean (imports by type) and the unmarked text before each."""

    def __init__(self, text: str) -> None:  # noqa: C901 - one check per way a marker can be wrong
        self.blocks: dict[str, str] = {}
        self.imports: dict[str, list[str]] = {}  # type -> import block texts
        self.before: dict[str, str] = {}  # block name -> the unmarked text just before it
        outside: list[str] = []
        current: tuple[str, dict[str, str], list[str]] | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            marker = MARKER.match(line)
            if marker is None and "!benchmark" in line:
                raise _Reject(f"task.lean line {number}: a benchmark marker not in VERINA's form: {line.strip()!r}")
            if marker is None:
                (current[2] if current else outside).append(line)
                continue
            name, args = marker.group("name"), _args(marker.group("args"))
            if marker.group("kind") == "start":
                if current is not None:
                    raise _Reject(f"task.lean line {number}: section {name!r} starts inside {current[0]!r}")
                if name not in SECTIONS:
                    raise _Reject(f"task.lean line {number}: unknown section {name!r}")
                if name != "import" and (name in self.blocks or name in self.before):
                    raise _Reject(f"task.lean line {number}: section {name!r} appears twice")
                self.before.setdefault(name, "\n".join(outside))
                outside = []
                current = (name, args, [])
            else:
                if current is None or current[0] != name:
                    raise _Reject(f"task.lean line {number}: @end {name} without its @start")
                body = "\n".join(current[2]).strip("\n")
                if name == "import":
                    self.imports.setdefault(current[1].get("type", ""), []).append(body)
                else:
                    self.blocks[name] = body
                current = None
        if current is not None:
            raise _Reject(f"task.lean: section {current[0]!r} is never closed")
        self.after = "\n".join(outside)


def _args(text: str) -> dict[str, str]:
    pairs = (part.split("=", 1) for part in text.split() if "=" in part)
    return {key: value for key, value in pairs}


def _task(folder: Path, slug: str) -> tuple[dict[str, Any], list[str]]:  # noqa: C901 - one step per section
    task = _task_json(folder)
    lean_file = _inside(folder, str(task.get("lean_file") or "task.lean"))
    if lean_file is None:
        raise _Reject("task.lean: missing")
    sections = _Sections(read_text(lean_file))
    blocks = sections.blocks
    missing = [name for name in REQUIRED if name not in blocks]
    if missing:
        raise _Reject(f"task.lean has no {', '.join(missing)} section")
    quirks: list[str] = []
    try:
        task_imports = _modules(sections.imports.get("task", []))
        solution_imports = _modules(sections.imports.get("solution", []))
        header = _header(sections.before["code"], "code", "def")
        theorem = _header(sections.before["proof"], "proof", "theorem")
        precond = _definition(sections.before["precond"], blocks["precond"], "True")
        postcond = _definition(sections.before["postcond"], blocks["postcond"], None)
    except LeanTextError as exc:
        raise _Reject(f"task.lean: {exc}") from exc
    for kind, texts in sorted(sections.imports.items()):
        if kind not in ("task", "solution") and any(t.strip() for t in texts):
            modules = ", ".join(_modules(texts)) or "text"
            quirks.append(f"`import type={kind or '(none)'}` block ({modules}): upstream's harness, not imported")
    _check_signature(task, folder, header, quirks)
    if sections.after.strip() and any(t.kind != "comment" for t in tokens(sections.after)):
        raise _Reject(f"task.lean: text after the last section: {sections.after.strip()[:80]!r}")
    preamble = _join(blocks.get("task_aux", ""), blocks.get("precond_aux", ""), precond, blocks.get("postcond_aux", ""))
    preamble = _join(preamble, postcond)
    beyond = [m for m in solution_imports if m not in task_imports]
    if beyond:
        quirks.append(
            f"upstream's reference solution imports {', '.join(beyond)} (`import type=solution`): not the "
            "statement's, so not the problem's imports (kept in declared_imports)"
        )
    proof = blocks["proof"] if blocks["proof"].strip() else "sorry"
    reference: str | None = None
    if unproved(proof):
        quirks.append("the upstream proof is incomplete (sorry): no reference solution (its code is not kept)")
    elif beyond:
        quirks.append(f"no reference solution: upstream's needs {', '.join(beyond)}")
    else:
        reference = _join(
            "\n".join(f"import {m}" for m in task_imports),
            preamble,
            blocks.get("solution_aux", ""),
            blocks.get("code_aux", ""),
            f"{header} :=\n{_indented(blocks['code'])}",
            blocks.get("proof_aux", ""),
            f"{theorem} := by\n{_indented(proof)}",
        )
    for name in ("solution_aux", "code_aux", "proof_aux"):
        if blocks.get(name, "").strip() and reference is None:
            quirks.append(f"`{name}` (upstream's solution helpers) not imported: there is no reference solution")
    description = _description(folder, task)
    theorem_name = declared_name(theorem)
    data = {
        "slug": slug,
        "title": first_sentence(description, 100) or str(task.get("id") or folder.name),
        "description": description,
        "imports": task_imports,
        "declared_imports": dedupe_modules(EVALUATION_IMPORTS + task_imports + solution_imports),
        "preamble": preamble,
        "definitions": [header],
        "theorems": [{"name": theorem_name, "signature": theorem}],
        "reference_solution": reference,
        "tests": _tests(folder, task),
        "licence": LICENCE,
        "source": SOURCE + _upstream_note(task),
        "upstream_id": str(task.get("id") or folder.name),
    }
    return data, quirks


def _task_json(folder: Path) -> dict[str, Any]:
    try:
        task = read_json(folder / "task.json")
    except ImportFileError as exc:
        raise _Reject(str(exc)) from exc
    if not isinstance(task, dict):
        raise _Reject("task.json is not an object")
    return task


def _inside(folder: Path, name: str) -> Path | None:
    """A file the task names, only inside its folder."""
    file = folder / name
    return file if file.resolve().is_relative_to(folder.resolve()) and file.is_file() else None


def _modules(texts: list[str]) -> list[str]:
    return dedupe_modules([m for text in texts for m in imports_in(text)])


def _header(before: str, section: str, keyword: str) -> str:
    """The declaration whose body the section is: the last command of the text before it."""
    found = commands(before)
    if not found:
        raise _Reject(f"task.lean: the {section} section has no declaration before it")
    header = header_of(found[-1])
    lead = [t for t in tokens(header) if t.kind == "ident"]
    if not lead or lead[0].text != keyword or declared_name(header) is None:
        raise _Reject(f"task.lean: the {section} section must follow a `{keyword}` header, not {header[:60]!r}")
    return header


def _definition(before: str, body: str, default: str | None) -> str:
    """The header (with its attributes) before a section, and the section as its body."""
    found = commands(before)
    if not found:
        raise _Reject("task.lean: a condition section has no declaration before it")
    body = body if body.strip() else (default or "")
    if not body:
        raise _Reject("task.lean: the postcond section is empty")
    return f"{header_of(found[-1])} :=\n{_indented(body)}"


def _indented(text: str) -> str:
    """A section's text as a body: its common indentation replaced by two spaces."""
    lines = textwrap.dedent(text.strip("\n")).splitlines()
    return "\n".join(("  " + line) if line.strip() else "" for line in lines)


def _join(*parts: str) -> str:
    return "\n\n".join(part.strip("\n") for part in parts if part.strip())


def _check_signature(task: dict[str, Any], folder: Path, header: str, quirks: list[str]) -> None:
    signature = task.get("signature")
    name = signature.get("name") if isinstance(signature, dict) else None
    if name and declared_name(header) != name:
        raise _Reject(f"task.json names the function {name!r}, task.lean defines {declared_name(header)!r}")
    separate = _inside(folder, "signature.json")
    if separate is not None:
        try:
            other = read_json(separate)
        except ImportFileError as exc:
            raise _Reject(str(exc)) from exc
        if other != signature:
            quirks.append("signature.json disagrees with task.json's signature (task.json's is used)")


def _description(folder: Path, task: dict[str, Any]) -> str:
    file = _inside(folder, str(task.get("description_file") or "description.txt"))
    text = read_text(file).strip() if file else ""
    spec = task.get("specification")
    if isinstance(spec, dict):
        for key in ("preconditions", "postconditions"):
            if isinstance(spec.get(key), str) and spec[key].strip():
                text += f"\n\n**{key.capitalize()}**\n\n{spec[key].strip()}"
    return text.strip()


def _tests(folder: Path, task: dict[str, Any]) -> list[dict[str, Any]]:
    """VERINA's `{input, expected, unexpected}` as `{input, output, wrong_outputs}`; rejected
    inputs (precondition false) as `{input, rejected: true}`."""
    tests: list[dict[str, Any]] = []
    for key, default, rejected in (
        ("test_file", "test.json", False),
        ("reject_inputs_file", "reject_inputs.json", True),
    ):
        file = _inside(folder, str(task.get(key) or default))
        if file is None:
            continue
        try:
            rows = read_json(file)
        except ImportFileError as exc:
            raise _Reject(str(exc)) from exc
        if not isinstance(rows, list):
            raise _Reject(f"{file.name} is not a list")
        tests += [_test_row(row, file.name, rejected) for row in rows]
    return tests


def _test_row(row: Any, file: str, rejected: bool) -> dict[str, Any]:
    if not isinstance(row, dict) or "input" not in row:
        raise _Reject(f"{file}: each test needs an input")
    unknown = set(row) - ({"input"} if rejected else {"input", "expected", "unexpected"})
    if unknown:
        raise _Reject(f"{file}: unknown fields {', '.join(sorted(unknown))}")
    if rejected:
        return {"input": row["input"], "rejected": True}
    if "expected" not in row:
        raise _Reject(f"{file}: a test without `expected`")
    test = {"input": row["input"], "output": row["expected"]}
    if isinstance(row.get("unexpected"), list) and row["unexpected"]:
        test["wrong_outputs"] = row["unexpected"]  # each must fail the spec (validation)
    return test


def _upstream_note(task: dict[str, Any]) -> str:
    metadata = task.get("metadata")
    upstream = metadata.get("upstream") if isinstance(metadata, dict) else None
    if isinstance(upstream, dict) and isinstance(upstream.get("link"), str):
        parts = [str(upstream.get("name") or ""), upstream["link"], str(upstream.get("task_id") or "")]
        return " (upstream: " + " ".join(p for p in parts if p) + ")"
    return ""
