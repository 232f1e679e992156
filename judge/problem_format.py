"""The problem format shared by the judge, the site and the importer.

A problem is a JSON object; a problem set is JSONL, one object per line. Parsing is strict:
problem files come from authors and imports, so every defect gets a specific message.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from judge.lean_text import LeanTextError, body_assign

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
# A Lean identifier, possibly dotted; enough for the names problems declare.
IDENT = r"[A-Za-z_\u03b1-\u03c9\u0391-\u03a9][A-Za-z0-9_'!?\u03b1-\u03c9\u0391-\u03a9\u2080-\u2089]*"
NAME_RE = re.compile(rf"^{IDENT}(?:\.{IDENT})*$")
MODULE_RE = NAME_RE
DEF_HEADER_RE = re.compile(rf"^\s*def\s+({IDENT}(?:\.{IDENT})*)[\s:(\[{{]")
THEOREM_HEADER_RE = re.compile(rf"^\s*theorem\s+({IDENT}(?:\.{IDENT})*)[\s:(\[{{]")


# The message for a problem with no theorem; the site drops it when its form already said so.
NO_THEOREMS = "theorems must be a non-empty list"

T = TypeVar("T")


class InvalidProblem(ValueError):
    """The problem text breaks the format; the message says where. `messages` holds every
    defect found (an author fixes them all in one round), the message joins them."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


@dataclasses.dataclass(frozen=True)
class TheoremSpec:
    name: str
    signature: str


@dataclasses.dataclass(frozen=True)
class ProblemSpec:
    slug: str
    title: str
    description: str = ""
    imports: tuple[str, ...] = ()
    preamble: str = ""
    definitions: tuple[str, ...] = ()
    theorems: tuple[TheoremSpec, ...] = ()
    reference_solution: str | None = None
    tests: tuple[dict[str, Any], ...] = ()
    difficulty: str = ""
    tags: tuple[str, ...] = ()
    licence: str = ""
    source: str = ""

    @property
    def definition_names(self) -> list[str]:
        return [_definition_name(header) for header in self.definitions]

    @property
    def theorem_names(self) -> list[str]:
        return [t.name for t in self.theorems]

    @property
    def statement_fingerprint(self) -> str:
        """Identifies what a verdict depends on: a change here makes a new problem version."""
        payload = json.dumps(
            [list(self.imports), self.preamble, list(self.definitions), [[t.name, t.signature] for t in self.theorems]],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def template(self) -> str:
        """The reference file: what solvers start from and what the judge compares against."""
        parts = [f"import {m}" for m in self.imports]
        if parts:
            parts.append("")
        if self.preamble.strip():
            parts.append(self.preamble.rstrip())
            parts.append("")
        for header in self.definitions:
            parts.append(f"{header.rstrip()} :=\n  sorry")
            parts.append("")
        for theorem in self.theorems:
            parts.append(f"{theorem.signature.rstrip()} := by\n  sorry")
            parts.append("")
        return "\n".join(parts).rstrip() + "\n"

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["imports"] = list(self.imports)
        data["definitions"] = list(self.definitions)
        data["theorems"] = [dataclasses.asdict(t) for t in self.theorems]
        data["tests"] = list(self.tests)
        data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> ProblemSpec:
        """The spec, or InvalidProblem naming every defect (each field checked on its own)."""
        if not isinstance(data, dict):
            raise InvalidProblem("a problem must be a JSON object")
        errors: list[str] = []
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            errors.append(f"unknown fields: {', '.join(sorted(unknown))}")
        slug = _kept(errors, lambda: _slug(data), "")
        title = _kept(errors, lambda: _string(data, "title", required=True), "")
        nothing: tuple[str, ...] = ()
        imports = _kept(errors, lambda: _imports(data), nothing)
        definitions = _kept(errors, lambda: _definitions(data), nothing)
        theorems = _kept(errors, lambda: _theorems(data), tuple[TheoremSpec, ...]())
        names = [_definition_name(h) for h in definitions] + [t.name for t in theorems]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            errors.append(f"declared more than once: {', '.join(duplicates)}")
        tests = data.get("tests") or []
        if not isinstance(tests, list):
            errors.append("tests must be a list")
        reference = data.get("reference_solution")
        if reference is not None and not isinstance(reference, str):
            errors.append("reference_solution must be a string")
        text = {key: _kept(errors, _field(data, key), "") for key in _OPTIONAL_TEXT}
        tags = _kept(errors, lambda: tuple(_string_list(data, "tags")), nothing)
        if errors:
            raise InvalidProblem(*errors)
        return cls(
            slug=slug,
            title=title,
            imports=imports,
            definitions=definitions,
            theorems=theorems,
            reference_solution=reference,
            tests=tuple(tests),
            tags=tags,
            **text,
        )

    @classmethod
    def from_json(cls, text: str) -> ProblemSpec:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidProblem(f"not valid JSON: {exc}") from exc
        return cls.from_dict(data)


def load_problem_set(text: str) -> list[ProblemSpec]:
    """Parse JSONL; the error names the line that broke."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            problems.append(ProblemSpec.from_json(line))
        except InvalidProblem as exc:
            raise InvalidProblem(f"line {number}: {exc}") from exc
    return problems


_OPTIONAL_TEXT = ("description", "preamble", "difficulty", "licence", "source")


def _kept(errors: list[str], check: Callable[[], T], default: T) -> T:
    """Run one field's check; its defects join `errors` and the default stands in."""
    try:
        return check()
    except InvalidProblem as exc:
        errors.extend(exc.messages)
        return default


def _field(data: dict[str, Any], key: str) -> Callable[[], str]:
    return lambda: _string(data, key)


def _slug(data: dict[str, Any]) -> str:
    slug = _string(data, "slug", required=True)
    if not SLUG_RE.match(slug):
        raise InvalidProblem(f"slug {slug!r} must be lowercase letters, digits and dashes")
    return slug


def _imports(data: dict[str, Any]) -> tuple[str, ...]:
    imports = tuple(_string_list(data, "imports"))
    bad = [f"import {module!r} is not a module name" for module in imports if not MODULE_RE.match(module)]
    if bad:
        raise InvalidProblem(*bad)
    return imports


def _definitions(data: dict[str, Any]) -> tuple[str, ...]:
    definitions = tuple(_string_list(data, "definitions"))
    errors: list[str] = []
    for header in definitions:
        try:
            _definition_name(header)
            if _has_body(header):
                errors.append(f"definition header {header!r} must not have a body")
        except InvalidProblem as exc:
            errors.extend(exc.messages)
    if errors:
        raise InvalidProblem(*errors)
    return definitions


def _theorems(data: dict[str, Any]) -> tuple[TheoremSpec, ...]:
    raw_theorems = data.get("theorems", [])
    if not isinstance(raw_theorems, list) or not raw_theorems:
        raise InvalidProblem(NO_THEOREMS)
    theorems: list[TheoremSpec] = []
    errors: list[str] = []
    for raw in raw_theorems:
        try:
            theorems.append(_theorem(raw))
        except InvalidProblem as exc:
            errors.extend(exc.messages)
    if errors:
        raise InvalidProblem(*errors)
    return tuple(theorems)


def _theorem(raw: Any) -> TheoremSpec:
    if not isinstance(raw, dict) or set(raw) != {"name", "signature"}:
        raise InvalidProblem("each theorem must be an object with name and signature")
    name, signature = raw["name"], raw["signature"]
    if not isinstance(name, str) or not isinstance(signature, str):
        raise InvalidProblem("theorem name and signature must be strings")
    match = THEOREM_HEADER_RE.match(signature)
    if not match:
        raise InvalidProblem(f"signature of {name!r} must start with 'theorem {name}'")
    if match.group(1) != name:
        raise InvalidProblem(f"theorem name {name!r} disagrees with its signature ({match.group(1)!r})")
    if _has_body(signature):
        raise InvalidProblem(f"signature of {name!r} must not have a proof")
    return TheoremSpec(name=name, signature=signature)


def _has_body(header: str) -> bool:
    """A `:=` that ends the header, read as Lean's tokens: one in a `let … :=` of the statement,
    a binder's default, a string or a comment is the statement's own."""
    try:
        return body_assign(header) is not None
    except LeanTextError as exc:
        raise InvalidProblem(f"{header[:80]!r}…: {exc}") from exc


def _definition_name(header: str) -> str:
    match = DEF_HEADER_RE.match(header + " ")
    if not match:
        raise InvalidProblem(f"definition {header!r} must start with 'def <name>'")
    return match.group(1)


def _string(data: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidProblem(f"missing field {key!r}")
        return ""
    if not isinstance(value, str):
        raise InvalidProblem(f"field {key!r} must be a string")
    if required and not value.strip():
        raise InvalidProblem(f"field {key!r} must not be empty")
    return value


def _string_list(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidProblem(f"field {key!r} must be a list of strings")
    return value
