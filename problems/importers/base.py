"""What every reader returns."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from judge.lean_text import commands, tokens

# Files larger than this are refused before parsing (a problem set is kilobytes per problem).
MAX_FILE_BYTES = 64 * 1024 * 1024


class ImportFileError(ValueError):
    """The input cannot be read as this format at all: nothing is imported."""


@dataclass
class Candidate:
    origin: str  # where it came from, for the report: its upstream name ("verina_basic_3", "problem_12")
    data: dict[str, Any]  # the problem format, plus declared_imports, upstream_id, lean_version
    quirks: list[str] = field(default_factory=list)  # reported, never silently accepted
    keep: frozenset[str] = frozenset()  # fields the source does not carry: an existing problem keeps its own

    @property
    def slug(self) -> str:
        return str(self.data.get("slug", ""))


@dataclass(frozen=True)
class Rejection:
    origin: str
    slug: str
    reason: str


@dataclass
class ReadResult:
    candidates: list[Candidate] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the set carries beside its rows, not imported

    def reject(self, origin: str, slug: str, reason: str) -> None:
        self.rejections.append(Rejection(origin=origin, slug=slug, reason=reason))


def read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(f"{path}: {exc.strerror}") from exc
    if size > MAX_FILE_BYTES:
        raise ImportFileError(f"{path}: {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
    try:
        return path.read_bytes().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def read_jsonl(path: Path) -> list[tuple[int, Any]]:
    """(line number, object) for each non-empty line; a line that is not JSON aborts the file."""
    rows = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ImportFileError(f"{path.name} line {number}: not valid JSON ({exc})") from exc
    if not rows:
        raise ImportFileError(f"{path.name}: no problems in the file")
    return rows


def read_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ImportFileError(f"{path}: not valid JSON ({exc})") from exc


def slugify(*parts: str) -> str:
    text = "-".join(parts)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", text).lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:100].rstrip("-")


def first_sentence(text: str, limit: int = 120) -> str:
    sentence = re.split(r"(?<=[.!?])\s", " ".join(text.split()), maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def dedupe_modules(modules: list[str]) -> list[str]:
    """Keep each module once, and drop those a kept parent already covers."""
    kept: list[str] = []
    for module in modules:
        if module in kept or any(module.startswith(k + ".") for k in kept):
            continue
        kept = [k for k in kept if not k.startswith(module + ".")] + [module]
    return kept


def imports_in(text: str) -> list[str]:
    """The modules of the `import` commands of Lean text, read as tokens (not in a comment)."""
    modules = []
    for command in commands(text):
        found = list(tokens(command))
        if not found or found[0].text != "import":
            continue
        for token in found[1:]:
            if token.kind != "ident":
                break  # the module names end where the command's other text begins
            if token.text not in ("all", "public", "meta"):
                modules.append(token.text)
    return modules
