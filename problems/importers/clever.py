"""CLEVER (trishullab/clever, MIT): `clever_bench/lean4/human_eval/problem_N.lean`, with blocks
marked `-- start_def NAME` / `-- end_def NAME`, and helper definitions in
`Imports/AllImports.lean` (each with a YAML docstring naming the problems that use it).

A problem becomes: description and tests from `problem_details`; a preamble of the helpers it
uses (transitively) and its `problem_spec`; the definition `implementation_signature`; the
theorem `correctness_definition`; and, when its upstream proof has no `sorry`, a reference
solution (implementation and proof). `generated_spec` and `spec_isomorphism` belong to
CLEVER's spec-generation task and are not imported.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from problems.importers.base import (
    Candidate,
    ImportFileError,
    ReadResult,
    dedupe_modules,
    first_sentence,
    imports_in,
    read_text,
    strip_assign,
)

SOURCE = "https://github.com/trishullab/clever"
LICENCE = "MIT"
MARKER = re.compile(r"^\s*(?P<prefix>[-\s]*--)\s*(?P<kind>start|end)_def\s+(?P<name>\S+)\s*$")
DOCSTRING = re.compile(r"/--(.*?)-/", re.DOTALL)
DECL_NAME = re.compile(
    r"^\s*(?:@\[[^\]]*\]\s*)?(?:noncomputable\s+)?(?:partial\s+)?(?:def|inductive|theorem|lemma|abbrev|structure)\s+([^\s:(\[{]+)",
    re.MULTILINE,
)


def installed_root() -> Path | None:
    """clever_bench/lean4 of the installed `clever-bench` package, if any."""
    try:
        import clever_bench
    except ImportError:
        return None
    for base in getattr(clever_bench, "__path__", []):
        root = Path(base) / "lean4"
        if (root / "human_eval").is_dir():
            return root
    return None


def read(path: Path | None, *, prefix: str = "clever") -> ReadResult:
    root = _root(path)
    helpers, imports = _helpers(root / "Imports" / "AllImports.lean")
    toolchain = root / "lean-toolchain"
    lean_version = read_text(toolchain).strip() if toolchain.exists() else ""
    result = ReadResult()
    files = sorted((root / "human_eval").glob("problem_*.lean"), key=lambda p: _number(p) or -1)
    if not files:
        raise ImportFileError(f"{root / 'human_eval'}: no problem_N.lean files")
    for file in files:
        number = _number(file)
        if number is None:
            continue
        origin = file.name
        try:
            data, quirks = _problem(read_text(file), number, helpers, imports, prefix)
        except _Reject as exc:
            result.reject(origin, f"{prefix}-{number}", str(exc))
            continue
        data["lean_version"] = lean_version
        result.candidates.append(Candidate(origin=origin, data=data, quirks=quirks))
    return result


class _Reject(ValueError):
    pass


def _root(path: Path | None) -> Path:
    if path is None:
        root = installed_root()
        if root is None:
            raise ImportFileError("no PATH given and the clever-bench package is not installed")
        return root
    for candidate in (path, path / "lean4", path / "clever_bench" / "lean4", path.parent):
        if (candidate / "human_eval").is_dir():
            return candidate
    raise ImportFileError(f"{path}: no human_eval/ folder of CLEVER problems found")


def _number(file: Path) -> int | None:
    match = re.fullmatch(r"problem_(\d+)\.lean", file.name)
    return int(match.group(1)) if match else None


def _blocks(text: str, quirks: list[str]) -> dict[str, list[str]]:
    blocks: dict[str, list[str]] = {}
    current: tuple[str, list[str]] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        marker = MARKER.match(line)
        if marker and marker.group("prefix").strip() != "--":
            quirks.append(f"line {number}: marker written {line.strip()!r}; read as `-- {marker.group('kind')}_def`")
        if marker and marker.group("kind") == "start":
            if current is not None:
                quirks.append(f"line {number}: block {current[0]!r} not closed before {marker.group('name')!r}")
                blocks.setdefault(current[0], []).append("\n".join(current[1]).strip("\n"))
            current = (marker.group("name"), [])
        elif marker and current is not None:
            if marker.group("name") != current[0]:
                quirks.append(f"line {number}: block {current[0]!r} closed as {marker.group('name')!r}")
            blocks.setdefault(current[0], []).append("\n".join(current[1]).strip("\n"))
            current = None
        elif current is not None:
            current[1].append(line)
    return blocks


class _Helper:
    def __init__(self, name: str, problems: list[int], text: str) -> None:
        self.name, self.problems, self.text = name, problems, text


def _helpers(path: Path) -> tuple[list[_Helper], list[str]]:
    """Every declaration of AllImports.lean, with the problems its docstring names."""
    if not path.exists():
        raise ImportFileError(f"{path}: missing (CLEVER's helper definitions)")
    text = read_text(path)
    imports = dedupe_modules(imports_in(text))
    body = "\n".join(line for line in text.splitlines() if not MARKER.match(line) and not line.startswith("import "))
    chunks = re.split(r"(?m)^(?=/--)", body)
    helpers = []
    for chunk in chunks:
        doc = DOCSTRING.match(chunk.strip())
        if not doc:
            continue
        try:
            meta = yaml.safe_load(doc.group(1)) or {}
        except yaml.YAMLError:
            meta = {}
        decl = chunk.strip()[doc.end() :].strip()
        match = DECL_NAME.search(decl)
        if not match:
            continue
        problems = meta.get("problems") if isinstance(meta, dict) else None
        helpers.append(_Helper(match.group(1), [p for p in problems or [] if isinstance(p, int)], decl))
    return helpers, imports


def _used_helpers(number: int, spec_text: str, helpers: list[_Helper]) -> list[_Helper]:
    """The helpers the problem names, or its spec mentions, and those they use, in file order."""
    chosen = {h.name for h in helpers if number in h.problems or _mentions(spec_text, h.name)}
    changed = True
    while changed:
        changed = False
        for helper in helpers:
            if helper.name in chosen:
                continue
            if any(_mentions(h.text, helper.name) for h in helpers if h.name in chosen):
                chosen.add(helper.name)
                changed = True
    return [h for h in helpers if h.name in chosen]


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w.']){re.escape(name)}(?![\w'])", text) is not None


def _one(blocks: dict[str, list[str]], name: str) -> str:
    found = blocks.get(name)
    if not found:
        raise _Reject(f"no `{name}` block")
    if len(found) > 1:
        raise _Reject(f"`{name}` block appears {len(found)} times")
    return found[0]


def _problem(
    text: str, number: int, helpers: list[_Helper], imports: list[str], prefix: str
) -> tuple[dict[str, Any], list[str]]:
    quirks: list[str] = []
    blocks = _blocks(text, quirks)
    details = _details(_one(blocks, "problem_details"))
    spec = _one(blocks, "problem_spec").strip()
    header = strip_assign(_one(blocks, "implementation_signature"))
    theorem = strip_assign(_one(blocks, "correctness_definition"))
    match = re.match(r"^theorem\s+([^\s:(\[{]+)", theorem)
    if not match:
        raise _Reject("correctness_definition is not a theorem")
    if not re.match(r"^def\s", header):
        raise _Reject("implementation_signature is not a def")
    preamble = "\n\n".join([h.text for h in _used_helpers(number, spec, helpers)] + [spec])
    implementation = blocks.get("implementation", [""])[0]
    proof = blocks.get("correctness_proof", [""])[0]
    reference = None
    if re.search(r"(?<![\w.'])sorry(?![\w'])", proof) or not proof.strip():
        quirks.append("the upstream proof is incomplete (sorry): no reference solution")
    elif implementation.strip():
        reference = f"{header} :=\n{implementation.strip()}\n\n{theorem} :=\n{proof.strip()}\n"
    docstring = str(details.get("docstring") or "").strip()
    signature = str(details.get("function_signature") or "").strip()
    description = docstring + (f"\n\nOriginal (Python) signature: `{signature}`" if signature else "")
    tests = [
        {"input": t.get("input"), "output": t.get("expected_output")}
        for t in details.get("test_cases") or []
        if isinstance(t, dict)
    ]
    data = {
        "slug": f"{prefix}-{number}",
        "title": f"HumanEval {number}: {first_sentence(docstring, 100) or 'untitled'}",
        "description": description,
        "imports": imports,
        "declared_imports": imports,
        "preamble": preamble,
        "definitions": [header],
        "theorems": [{"name": match.group(1), "signature": theorem}],
        "reference_solution": reference,
        "tests": _jsonable(tests),
        "licence": LICENCE,
        "source": SOURCE,
        "upstream_id": f"human_eval/problem_{number}",
    }
    return data, quirks


def _details(block: str) -> dict[str, Any]:
    doc = DOCSTRING.search(block)
    if not doc:
        raise _Reject("problem_details has no docstring")
    try:
        meta = yaml.safe_load(doc.group(1))
    except yaml.YAMLError as exc:
        raise _Reject(f"problem_details is not YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise _Reject("problem_details is not a YAML mapping")
    return meta


def _jsonable(value: Any) -> Any:
    """YAML may give dates or other objects: tests are stored as JSON."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
