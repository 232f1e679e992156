"""CLEVER (trishullab/clever, MIT), read with `clever-bench`'s own parser
(clever_bench.lean_parser_spec.LeanSpecParser): `lean4/human_eval/problem_N.lean` in blocks
`-- start_def NAME` / `-- end_def NAME`, helpers in `lean4/Imports/AllImports.lean` (each
`helper_definitions` block with a YAML docstring naming the problems that use it), the Lean
options of the package in `lean4/lakefile.lean` (`leanOptions`).

A problem becomes: description and tests from `problem_details`; a preamble of the package's
allowed options, the helpers it uses and its `problem_spec`; the definition
`implementation_signature`; the theorem `correctness_definition`; and, when its upstream proof
has no `sorry`, a reference solution (the problem's text, the implementation, the helper
lemmas and the proof).

Helpers are those upstream's metadata lists for the problem, and those a chosen text names
(found as Lean identifiers, transitively) which the metadata forgot: every file of CLEVER
imports all of AllImports.lean, so a forgotten one is still in scope upstream; each such
addition is reported. CLEVER's other blocks (`generated_spec`, `spec_isomorphism`, the Lean
`test_cases`) belong to its other tasks: they are listed as not imported.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from judge.lean_text import LeanTextError, commands, declared_name, header_of, identifiers, tokens, unproved
from problems.importers.base import (
    Candidate,
    ImportFileError,
    ReadResult,
    dedupe_modules,
    first_sentence,
    imports_in,
    read_text,
)
from problems.lean_options import OptionRefused, option_checked, option_command

SOURCE = "https://github.com/trishullab/clever"
LICENCE = "MIT"
BLOCK = re.compile(r"--\s*start_def\s+(\w+)\s*[\r\n]+(.*?)--\s*end_def\s+\1", re.DOTALL | re.IGNORECASE)
# A marker upstream's parser accepts in a form other than `-- start_def NAME` (`--- …`, `-- -- …`).
ODD_MARKER = re.compile(r"^\s*(?!--\s*(?:start|end)_def\b)-[-\s]*(?:start|end)_def\b")
YAML_DOC = re.compile(r"^\s*/--.*?-/\s*", re.DOTALL)
LEAN_OPTION = re.compile(r"⟨\s*`([\w.]+)\s*,\s*([^⟩]+?)\s*⟩")
LEAN_OPTIONS = re.compile(r"leanOptions\s*:=\s*#\[(.*?)\]", re.DOTALL)
# Blocks of a problem file that belong to CLEVER's other tasks (spec generation, isomorphism).
OTHER_TASKS = {
    "generated_spec",
    "generated_spec_body",
    "spec_isomorphism",
    "spec_isomorphism_proof",
    "iso_helper_lemmas",
    "iso_helper_lemmas_proof",
    "test_cases",
}
USED = {
    "problem_details",
    "problem_spec",
    "implementation_signature",
    "implementation",
    "correctness_definition",
    "correctness_proof",
    "correctness_helper_lemmas",
    "correctness_helper_lemmas_proof",
}


def installed_root() -> Path | None:
    """clever_bench/lean4 of the installed `clever-bench` package, if any."""
    try:
        from clever_bench.benchmark import get_clever_lean_project_path
    except ImportError:
        return None
    root = Path(get_clever_lean_project_path())
    return root if (root / "human_eval").is_dir() else None


def read(path: Path | None, *, prefix: str = "clever") -> ReadResult:
    root = _root(path)
    all_imports = root / "Imports" / "AllImports.lean"
    if not all_imports.exists():
        raise ImportFileError(f"{all_imports}: missing (CLEVER's helper definitions)")
    helper_text = read_text(all_imports)
    result = ReadResult()
    try:
        library = _Library(helper_text)
    except LeanTextError as exc:
        raise ImportFileError(f"{all_imports}: {exc}") from exc
    options = _options(root / "lakefile.lean", result)
    toolchain = root / "lean-toolchain"
    lean_version = read_text(toolchain).strip() if toolchain.exists() else ""
    files = sorted((root / "human_eval").glob("problem_*.lean"), key=lambda p: _number(p) or -1)
    if not files:
        raise ImportFileError(f"{root / 'human_eval'}: no problem_N.lean files")
    other_blocks: dict[str, int] = {}
    for file in files:
        number = _number(file)
        if number is None:
            continue
        try:
            data, quirks = _problem(read_text(file), number, helper_text, library, options, prefix, other_blocks)
        except (_Reject, LeanTextError) as exc:
            result.reject(file.stem, f"{prefix}-{number}", str(exc))
            continue
        data["lean_version"] = lean_version
        result.candidates.append(Candidate(origin=file.stem, data=data, quirks=quirks))
    for name, count in sorted(other_blocks.items()):
        result.notes.append(f"`{name}` blocks in {count} problem(s): not imported (CLEVER's other tasks)")
    if library.tests:
        result.notes.append(
            f"AllImports.lean: {library.tests} `#test` command(s) of its helpers not imported (they test no problem)"
        )
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


class _Library:
    """Every declaration of AllImports.lean, by name, in file order (inside a helper block or
    not: upstream imports the whole file), cut by Lean's commands, not by text."""

    def __init__(self, text: str) -> None:
        self.imports = dedupe_modules(imports_in(text))
        self.declarations: dict[str, str] = {}
        self.tests = 0
        for command in commands(text):
            lead = next(iter(tokens(command)), None)
            if lead is None or (lead.kind == "ident" and lead.text == "import"):
                continue
            if lead.kind == "symbol" and lead.text == "#":
                self.tests += 1
                continue
            name = declared_name(command)
            if name is not None:
                self.declarations[name] = _clean(command)

    @classmethod
    def of(cls, declarations: dict[str, str]) -> _Library:
        library = cls("")
        library.declarations = dict(declarations)
        return library

    def closure(self, texts: list[str], chosen: list[str]) -> list[str]:
        """chosen, and every declaration the texts or a chosen one names, transitively."""
        names = list(dict.fromkeys(chosen))
        pending = [*texts, *(self.declarations[n] for n in names if n in self.declarations)]
        while pending:
            mentioned = identifiers(pending.pop())
            for name in self.declarations:
                if name in mentioned and name not in names:
                    names.append(name)
                    pending.append(self.declarations[name])
        order = list(self.declarations)
        return sorted(names, key=lambda n: order.index(n) if n in order else -1)


def _clean(text: str) -> str:
    """A declaration without CLEVER's YAML metadata docstring and its block markers."""
    lines = [line for line in text.splitlines() if not re.match(r"^\s*--\s*(start|end)_def\b", line)]
    return YAML_DOC.sub("", "\n".join(lines), count=1).strip()


def _options(lakefile: Path, result: ReadResult) -> list[str]:
    """`set_option` commands for the package's allowed `leanOptions`; the rest are noted."""
    if not lakefile.exists():
        return []
    found = LEAN_OPTIONS.search(read_text(lakefile))
    carried = []
    for name, value in LEAN_OPTION.findall(found.group(1) if found else ""):
        try:
            carried.append(option_command(*option_checked(name, value)))
        except OptionRefused as exc:
            result.notes.append(f"lakefile.lean: option {name} = {value} not carried: {exc}")
    return carried


def _problem(  # noqa: C901 - one step per part of the file
    text: str,
    number: int,
    helper_text: str,
    library: _Library,
    options: list[str],
    prefix: str,
    other_blocks: dict[str, int],
) -> tuple[dict[str, Any], list[str]]:
    from clever_bench.lean_parser_spec import LeanSpecParser

    parsed = LeanSpecParser(text, helper_definitions=helper_text, problem_id=number).parse()
    quirks: list[str] = []
    for line in text.splitlines():
        if ODD_MARKER.match(line):
            quirks.append(f"marker written {line.strip()!r}; read as upstream's parser reads it")
    blocks = [match.group(1) for match in BLOCK.finditer(text)]
    for name in sorted(set(blocks)):
        if name in OTHER_TASKS:
            other_blocks[name] = other_blocks.get(name, 0) + 1
        elif name not in USED:
            quirks.append(f"block `{name}` is not one CLEVER's parser reads: not imported")
        if blocks.count(name) > 1 and name in USED:
            quirks.append(f"block `{name}` appears {blocks.count(name)} times: the first is used, as upstream")
    outside = BLOCK.sub("", text)
    local: dict[str, str] = {}  # declarations of the problem's file outside any block
    for command in commands(outside):
        name = declared_name(command)
        if name is not None:
            local[name] = _clean(command)
        elif not command.startswith("import "):
            quirks.append(f"text outside any block, not imported: {command[:80]!r}")
    metadata = parsed.problem_spec_metadata
    if metadata is None:
        raise _Reject("problem_details has no YAML docstring")
    spec = _without_trailing_comments(parsed.problem_spec_formal_ground_truth or "")
    if not spec:
        raise _Reject("no `problem_spec` block")
    for block, value in (
        ("implementation_signature", parsed.implementation_signature),
        ("correctness_definition", parsed.correctness_theorem),
    ):
        if not value:
            raise _Reject(f"no `{block}` block")
    header = header_of(parsed.implementation_signature or "")
    theorem = header_of(parsed.correctness_theorem or "")
    if not header.startswith("def ") or declared_name(header) is None:
        raise _Reject("implementation_signature is not a `def` header")
    if not theorem.startswith("theorem ") or declared_name(theorem) is None:
        raise _Reject("correctness_definition is not a theorem")
    listed = [_declared(block) for block in parsed.helper_definitions]
    scope = _Library.of(library.declarations | local)
    helpers = scope.closure([spec, header, theorem], [n for n in listed if n])
    for name in helpers:
        if name in local:
            quirks.append(f"{name} is declared outside any block: the problem uses it, so it is in the preamble")
        elif name not in listed:
            quirks.append(f"helper {name} added: the problem uses it, upstream's metadata does not list it")
    for name in local:
        if name not in helpers:
            quirks.append(f"{name} is declared outside any block and the problem does not use it: not imported")
    problem_imports = [m for m in imports_in(outside) if m != "Imports.AllImports"]
    imports = dedupe_modules(library.imports + problem_imports)
    preamble = "\n\n".join([*options, *(scope.declarations[n] for n in helpers), spec])
    reference = _reference(parsed, imports, preamble, header, theorem, quirks)
    tests = [
        {"input": t.get("input"), "output": t.get("expected_output")}
        for t in metadata.test_cases or []
        if isinstance(t, dict)
    ]
    docstring = str(metadata.docstring or "").strip()
    signature = str(metadata.function_signature or "").strip()
    description = docstring + (f"\n\nOriginal (Python) signature: `{signature}`" if signature else "")
    data = {
        "slug": f"{prefix}-{number}",
        "title": f"HumanEval {number}: {first_sentence(docstring, 100) or 'untitled'}",
        "description": description,
        "imports": imports,
        "declared_imports": imports,
        "preamble": preamble,
        "definitions": [header],
        "theorems": [{"name": declared_name(theorem), "signature": theorem}],
        "reference_solution": reference,
        "tests": _jsonable(tests),
        "licence": LICENCE,
        "source": SOURCE,
        "upstream_id": f"human_eval/problem_{number}",
    }
    return data, quirks


def _without_trailing_comments(text: str) -> str:
    """A block's text without the comment lines at its end (`-- -- end_def` leaves a `--`)."""
    lines = text.strip().splitlines()
    while lines and lines[-1].strip().startswith("--"):
        lines.pop()
    return "\n".join(lines).strip()


def _declared(block: str) -> str | None:
    found = [declared_name(c) for c in commands(_clean(block))]
    return next((n for n in found if n), None)


def _reference(parsed, imports: list[str], preamble: str, header: str, theorem: str, quirks: list[str]) -> str | None:
    implementation = (parsed.implementation or "").strip()
    proof = (parsed.correctness_proof or "").strip()
    lemmas = [f"{lemma.statement.strip()}\n{lemma.proof.strip()}" for lemma in parsed.correctness_helper_lemmas]
    if not proof or unproved("\n".join([proof, *lemmas])):
        quirks.append("the upstream proof is incomplete (sorry): no reference solution (its code is not kept)")
        return None
    if not implementation:
        quirks.append("no upstream implementation: no reference solution")
        return None
    parts = [
        "\n".join(f"import {m}" for m in imports),
        preamble,
        f"{header} :=\n{implementation}",
        *lemmas,
        f"{theorem} :=\n{proof}",
    ]
    return "\n\n".join(p for p in parts if p.strip()) + "\n"


def _jsonable(value: Any) -> Any:
    """YAML may give dates or other objects: tests are stored as JSON."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
