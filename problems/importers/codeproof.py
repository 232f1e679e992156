"""The CodeProofBenchmark layout (GasStationManager/CodeProofBenchmark): JSONL rows with
`description`, `function_signature` (a `def` header, no body), `test_cases` (null upstream),
`theorem_signature` and `theorem2_signature` (statements, no proof; the second may be null).

The public set carries no licence: read a user's own copy, never ship it. Lean text is split as
Lean's tokens, and each of the layout's known forms is read, and reported:

- a theorem written as a `def` whose type is the statement (`def NAME BINDERS :` then the
  statement, no body), or as `def NAME BINDERS : Prop := BODY`: imported as
  `theorem NAME BINDERS : STATEMENT`;
- a helper definition before the theorem in its field: moved to the preamble (a statement that
  opens with `let … :=` keeps its `let`);
- a theorem field that starts with blank lines: trimmed, silently (whitespace is not content);
- no theorem, the spec in a subtype return type: refused (a problem needs a theorem);
- a statement that differs from the one its reference solution proves (given `solutions`, the
  upstream `.lean` file; compared as tokens, so whitespace and comments do not count):
  imported as the JSONL states it, reported for a maintainer to decide.

Rows are named by their function (a stable upstream id), not by their line. The reference
solutions start with `import Mathlib`: problems are recorded as importing Mathlib; `--lean`
finds those that elaborate on core alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from judge.lean_text import LeanTextError, body_assign, commands, declared_name, header_of, same_tokens, tokens
from problems.importers.base import Candidate, ReadResult, first_sentence, read_jsonl, read_text, slugify

FIELDS = {"description", "function_signature", "test_cases", "theorem_signature", "theorem2_signature"}
SOURCE = "https://github.com/GasStationManager/CodeProofBenchmark"
LICENCE = "none stated upstream (a user's own copy: do not redistribute)"
IMPORTS = ["Mathlib"]


class RowRefused(ValueError):
    """The row cannot be a problem; the message says why."""


def read(path: Path, *, solutions: Path | None = None, prefix: str = "codeproof") -> ReadResult:
    reference_statements = theorem_statements(read_text(solutions)) if solutions else None
    result = ReadResult()
    for number, row in read_jsonl(path):
        origin = f"line {number}"
        if not isinstance(row, dict):
            result.reject(origin, "", "a row must be a JSON object")
            continue
        try:
            name = function_name(row)
        except RowRefused as exc:
            result.reject(origin, "", str(exc))
            continue
        slug = slugify(prefix, name)
        unknown = set(row) - FIELDS
        if unknown:
            result.reject(name, slug, f"unknown fields: {', '.join(sorted(unknown))}")
            continue
        try:
            data, quirks = row_problem(row, name, slug, reference_statements)
        except (RowRefused, LeanTextError) as exc:
            result.reject(name, slug, str(exc))
            continue
        data |= {"source": SOURCE, "licence": LICENCE}
        result.candidates.append(Candidate(origin=name, data=data, quirks=quirks))
    return result


def function_name(row: dict[str, Any]) -> str:
    signature = row.get("function_signature")
    name = declared_name(signature) if isinstance(signature, str) else None
    lead = next(iter(tokens(signature)), None) if isinstance(signature, str) else None
    if name is None or lead is None or lead.text != "def":
        raise RowRefused("function_signature must be a `def` header")
    return name


def row_problem(
    row: dict[str, Any], name: str, slug: str, reference: dict[str, str] | None
) -> tuple[dict[str, Any], list[str]]:
    """The problem of one row in this layout (the seed Arena's rows share it)."""
    signature = header_of(row["function_signature"].strip())
    if body_assign(row["function_signature"]) is not None:
        raise RowRefused("function_signature has a body: it must be a header only")
    quirks: list[str] = []
    preamble: list[str] = []
    theorems = []
    for key in ("theorem_signature", "theorem2_signature"):
        text = row.get(key)
        if text is None:
            continue
        if not isinstance(text, str):
            raise RowRefused(f"{key} must be a string or null")
        theorems.append(_theorem(text, key, quirks, preamble))
    if not theorems:
        where = "its spec is in the subtype return type" if "//" in signature else "it has no spec at all"
        raise RowRefused(f"no theorem ({where}): a problem needs at least one theorem to prove")
    if reference is not None:
        for theorem in theorems:
            upstream = reference.get(theorem["name"])
            if upstream is None:
                quirks.append(f"the reference solutions do not prove {theorem['name']}")
            elif not same_tokens(_as_theorem(upstream), theorem["signature"]):
                quirks.append(
                    f"statement differs from the reference solution's: JSONL {theorem['signature']!r}, "
                    f"reference {upstream!r} (imported as the JSONL states it)"
                )
    tests = row.get("test_cases")
    if tests is not None and not isinstance(tests, list):
        raise RowRefused("test_cases must be a list or null")
    description = row.get("description") or ""
    if not isinstance(description, str):
        raise RowRefused("description must be a string")
    data = {
        "slug": slug,
        "title": first_sentence(description) or name,
        "description": description,
        "imports": IMPORTS,
        "declared_imports": IMPORTS,
        "preamble": "\n\n".join(preamble),
        "definitions": [signature],
        "theorems": theorems,
        "tests": tests or [],
        "upstream_id": name,
    }
    return data, quirks


def _theorem(text: str, key: str, quirks: list[str], preamble: list[str]) -> dict[str, str]:
    """The field's statement as `theorem NAME … : STATEMENT`; helpers before it to the preamble."""
    found = commands(text)
    if not found:
        raise RowRefused(f"{key} is empty")
    *helpers, last = found
    if helpers:
        names = ", ".join(declared_name(h) or repr(h[:40]) for h in helpers)
        quirks.append(f"{key}: helper definition {names} moved from the theorem field into the preamble")
        preamble.extend(helpers)
    keyword = next((t.text for t in tokens(last) if t.text in ("theorem", "lemma", "def")), "")
    name = declared_name(last)
    if name is None:
        raise RowRefused(f"{key} is neither a theorem nor a `def` stating one: {text.strip()[:120]!r}")
    if keyword in ("theorem", "lemma"):
        if body_assign(last) is not None:
            raise RowRefused(f"{key} has a proof: it must be a statement only")
        if keyword == "lemma":
            quirks.append(f"{key}: `lemma` (a Mathlib keyword) written as `theorem`")
        return {"name": name, "signature": _as_theorem(last)}
    if keyword == "def":
        return {"name": name, "signature": _def_as_theorem(last, name, key, quirks)}
    raise RowRefused(f"{key} is neither a theorem nor a `def` stating one: {text.strip()[:120]!r}")


def _def_as_theorem(text: str, name: str, key: str, quirks: list[str]) -> str:
    """`def N B : Prop := S` or `def N B :` then S (its type is the statement): `theorem N B : S`."""
    at_name = next(t for t in tokens(text) if t.kind == "ident" and t.text == name)
    rest = text[at_name.end :]
    at = body_assign(rest)
    if at is not None:  # `def N B : Prop := S`
        head, statement = rest[:at].rstrip(), rest[at + 2 :].strip()
        if not head.endswith("Prop") or not head[: -len("Prop")].rstrip().endswith(":"):
            raise RowRefused(f"{key}: a `def` with a body that is not a `Prop`: {text.strip()[:120]!r}")
        binders = head[: -len("Prop")].rstrip()[:-1].rstrip()
        quirks.append(f"{key}: the theorem is written as `def {name} … : Prop`; imported as `theorem {name}`")
        return f"theorem {name}{binders} : {statement}"
    colon = _type_colon(rest)
    if colon is None:
        raise RowRefused(f"{key}: a `def` with neither a type nor a body: {text.strip()[:120]!r}")
    quirks.append(
        f"{key}: the theorem is written as `def {name} …:` with the statement as its type; imported as `theorem {name}`"
    )
    return f"theorem {name}{rest[:colon].rstrip()} :{rest[colon + 1 :].rstrip()}"


def _type_colon(text: str) -> int | None:
    """The offset of the `:` that ends the binders (the first one outside brackets)."""
    depth = 0
    for token in tokens(text):
        if token.kind != "symbol":
            continue
        if token.text in "([{⟨⦃":
            depth += 1
        elif token.text in ")]}⟩⦄":
            depth -= 1
        elif token.text == ":" and depth == 0:
            return token.start
    return None


def _as_theorem(text: str) -> str:
    text = header_of(text.strip())
    return "theorem" + text[len("lemma") :] if text.startswith("lemma") else text


def theorem_statements(text: str) -> dict[str, str]:
    """theorem name -> its statement (up to its proof's `:=`) in a reference-solution file."""
    found = {}
    for command in commands(text):
        lead = next((t.text for t in tokens(command) if t.kind == "ident"), "")
        name = declared_name(command)
        if lead in ("theorem", "lemma") and name:
            found[name] = header_of(command)
    return found
