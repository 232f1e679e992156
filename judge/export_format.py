"""Parsing the exporter's output, defensively.

The export is written inside the sandbox by a process that also ran the submission's code, so
every line is hostile until proven otherwise. Names, levels and terms are rebuilt from scratch
into an `Interner` shared by the reference and the submission: two terms are equal exactly when
their ids are equal. Private names (`_private.<Module>.0.x`, what a `module` file makes of a
non-public `x`) are mapped to `x` everywhere, terms included, so module and non-module files
judge alike. `mdata` nodes are dropped: the kernel ignores them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Container, Iterator
from typing import Any, NoReturn

MAX_EXPORT_BYTES = 64 * 1024 * 1024
MAX_NODES = 2_000_000
# a numeral's digits: the replay reads them with `String.toNat?` (quadratic), fast up to here
MAX_NAT_DIGITS = 100_000
# the exporter's policy refuses identifiers of more than 64 components; generated names add a few
MAX_NAME_COMPONENTS = 256

Name = tuple[str | int, ...]  # components; () is the anonymous name
# Interned nodes, tagged by their first element (see Interner): ("succ", level id),
# ("app", expr id, expr id), ("const", Name, (level id, …)), …
Node = tuple[Any, ...]


class ExportError(ValueError):
    """The export is malformed: never trusted, never partly used."""


class ExportLimit(ExportError):
    """The export passes a bound the judge sets on what it reads (its size, its number of terms,
    a numeral's length, a name's components): the file's doing, a verdict of its own
    (OUTPUT_LIMIT), never a judge error."""


def name_to_str(name: Name) -> str:
    return ".".join(str(c) for c in name) if name else "[anonymous]"


def parse_name(text: str) -> Name:
    """`Lean.ofReduceBool` → ("Lean", "ofReduceBool"): a dotted name as a problem or the
    replay's reply spells it."""
    return tuple(text.split("."))


MAIN_MODULE = "Sol"  # the exporter elaborates every file under this module name


def normalize_private(name: Name) -> Name:
    if len(name) >= 4 and name[:3] == ("_private", MAIN_MODULE, 0):
        return name[3:]
    return name


class Interner:
    """Hash-consed levels and terms; ids are assigned children first."""

    def __init__(self) -> None:
        self.levels: list[Node] = [("zero",)]
        self._level_ids: dict[Node, int] = {("zero",): 0}
        self.exprs: list[Node] = []
        self._expr_ids: dict[Node, int] = {}
        self._erased: dict[int, int] = {}

    def level(self, node: Node) -> int:
        found = self._level_ids.get(node)
        if found is None:
            found = self._level_ids[node] = len(self.levels)
            self.levels.append(node)
        return found

    def expr(self, node: Node) -> int:
        found = self._expr_ids.get(node)
        if found is None:
            found = self._expr_ids[node] = len(self.exprs)
            self.exprs.append(node)
        return found

    def erased(self, root: int) -> int:
        """The id of the same term with binder names and binder info erased: terms equal up to
        these are the same statement to the kernel (`(x y : Int)` and `(a b : Int)` alike)."""
        memo = self._erased
        for expr_id in children_first(self.exprs, root, memo):
            node = self.exprs[expr_id]
            kind = node[0]
            if kind in ("lam", "pi"):
                memo[expr_id] = self.expr((kind, (), memo[node[2]], memo[node[3]], "default"))
            elif kind == "let":
                memo[expr_id] = self.expr(("let", (), memo[node[2]], memo[node[3]], memo[node[4]], node[5]))
            elif kind == "app":
                memo[expr_id] = self.expr(("app", memo[node[1]], memo[node[2]]))
            elif kind == "proj":
                memo[expr_id] = self.expr(("proj", node[1], node[2], memo[node[3]]))
            else:
                memo[expr_id] = expr_id
        return memo[root]

    def constants_in(self, roots: list[int], visited: set[int]) -> set[Name]:
        """Names of the constants in the given terms, outside the sub-terms already `visited`
        (which it extends). One `visited` per walk keeps a walk linear in the terms' size: a
        shared sub-term is read once, however many constants mention it."""
        found: set[Name] = set()
        stack = [root for root in roots if root not in visited]
        exprs = self.exprs
        while stack:
            expr_id = stack.pop()
            if expr_id in visited:
                continue
            visited.add(expr_id)
            node = exprs[expr_id]
            if node[0] == "const":
                found.add(node[1])
            stack.extend(child for child in expr_children(node) if child not in visited)
        return found


def children_first(exprs: list[Node], root: int, done: Container[int]) -> Iterator[int]:
    """`root` and its sub-terms not in `done`, each after its children, without recursion
    (hostile terms can be deep enough to break it). The caller puts each id it is given into
    `done` before asking for the next."""
    stack = [root]
    while stack:
        expr_id = stack[-1]
        if expr_id in done:
            stack.pop()
            continue
        pending = [c for c in expr_children(exprs[expr_id]) if c not in done]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        yield expr_id


def expr_children(node: Node) -> tuple[int, ...]:
    """The sub-term ids of an interned term node."""
    kind = node[0]
    if kind == "app":
        return (node[1], node[2])
    if kind in ("lam", "pi"):
        return (node[2], node[3])
    if kind == "let":
        return (node[2], node[3], node[4])
    if kind == "proj":
        return (node[3],)
    return ()


@dataclasses.dataclass(frozen=True)
class InductiveInfo:
    """An `induct` row's own columns."""

    num_params: int
    num_indices: int
    all: tuple[Name, ...]
    ctors: tuple[Name, ...]
    num_nested: int
    is_rec: bool
    is_unsafe: bool
    is_reflexive: bool


@dataclasses.dataclass(frozen=True)
class ConstructorInfo:
    """A `ctor` row's own columns."""

    induct: Name
    cidx: int
    num_params: int
    num_fields: int
    is_unsafe: bool


@dataclasses.dataclass(frozen=True)
class RecursorRule:
    ctor: Name
    num_fields: int
    rhs: int  # an expr id


@dataclasses.dataclass(frozen=True)
class RecursorInfo:
    """A `rec` row's own columns."""

    all: tuple[Name, ...]
    num_params: int
    num_indices: int
    num_motives: int
    num_minors: int
    rules: tuple[RecursorRule, ...]
    k: bool
    is_unsafe: bool


@dataclasses.dataclass
class Constant:
    kind: str  # axiom def thm opaque quot induct ctor rec
    name: Name
    level_params: tuple[Name, ...]
    type: int
    value: int | None = None
    safety: str = "safe"  # safe / unsafe / partial (unsafe flags of other kinds map here)
    all: tuple[Name, ...] = ()
    hints: Any = None
    attributes: dict[str, bool] = dataclasses.field(default_factory=dict)
    # inductives, constructors and recursors keep their raw fields for the replay's comparison
    # the fields of an `induct`, `ctor` or `rec` row, for the replay's comparison (WIRE.md)
    extra: InductiveInfo | ConstructorInfo | RecursorInfo | None = None

    def term_roots(self) -> list[int]:
        return [self.type] + ([self.value] if self.value is not None else [])


@dataclasses.dataclass(frozen=True)
class Refusal:
    """The exporter's policy stopped the file at this construct (an `R` row)."""

    construct: str
    line: int
    column: int
    why: str

    def detail(self) -> str:
        """How a verdict and a check say it."""
        return f"line {self.line}, column {self.column}: {self.construct} is not allowed: {self.why}"


@dataclasses.dataclass(frozen=True)
class ProbeOutcome:
    """A `P` row: what the exporter says of probe `index` (`proved`, `failed`, `skipped`), and
    the theorems it added: the probe's statement and, if shown, the implementation's value."""

    index: int
    status: str
    proved: Name | None
    value: Name | None


@dataclasses.dataclass
class ProbeSection:
    """The probe section: the constants the probes added, and a row per probe."""

    constants: dict[Name, Constant]
    outcomes: list[ProbeOutcome]


@dataclasses.dataclass
class Export:
    imports: list[Name]
    constants: dict[Name, Constant]
    duplicates: set[Name]
    messages: list[dict[str, Any]]
    refusal: Refusal | None = None
    probes: ProbeSection | None = None


# what every constant row starts with: kind, name, level parameters, type
_Head = tuple[str, Name, tuple[Name, ...], int]


class _Reader:
    def __init__(self, interner: Interner) -> None:
        self.interner = interner
        self.names: list[Name] = [()]
        self.levels: list[int] = [0]
        self.exprs: list[int] = []
        self.imports: list[Name] = []
        self.constants: dict[Name, Constant] = {}
        self.duplicates: set[Name] = set()
        self.messages: list[dict[str, Any]] = []
        self.refusal: Refusal | None = None
        self.outcomes: list[ProbeOutcome] = []
        self.finished = False

    def row(self, row: list[Any]) -> None:
        """Read one row (its kind is a string); WIRE.md has the columns of each kind."""
        kind = row[0]
        if kind == "N":
            self.add_name(row)
        elif kind == "L":
            self.add_level(row)
        elif kind == "E":
            self.add_expr(row)
        elif kind == "M":
            self.messages.append(_message(row[1]))
        elif kind == "I":
            self.imports.append(self.name(row[1]))
        elif kind == "R":
            self.refusal = Refusal(_str(row[1])[:200], _nat(row[2]), _nat(row[3]), _str(row[4])[:500])
        elif kind == "P":
            proved, value = (None if v is None else self.name(v) for v in (row[3], row[4]))
            self.outcomes.append(ProbeOutcome(_nat(row[1]), _str(row[2])[:20], proved, value))
        elif kind == "END":
            self.finished = True
        else:
            const = self.constant(row)
            if const.name in self.constants:
                self.duplicates.add(const.name)
            self.constants[const.name] = const

    def name(self, value: Any) -> Name:
        return self.names[_index(value, len(self.names), "name")]

    def level(self, value: Any) -> int:
        return self.levels[_index(value, len(self.levels), "level")]

    def expr(self, value: Any) -> int:
        return self.exprs[_index(value, len(self.exprs), "expr")]

    def name_list(self, value: Any) -> tuple[Name, ...]:
        return tuple(self.name(v) for v in _list(value))

    def add_name(self, row: list[Any]) -> None:
        _expect_id(row, len(self.names), "name")
        parent = self.name(row[2])
        kind = row[3]
        component: str | int
        if kind == "s":
            component = _str(row[4])
        elif kind == "n":
            component = _nat(row[4])
        else:
            raise ExportError(f"bad name kind {kind!r}")
        if len(parent) >= MAX_NAME_COMPONENTS:
            raise ExportLimit(f"a name has more than {MAX_NAME_COMPONENTS} components")
        self.names.append(normalize_private(parent + (component,)))

    def add_level(self, row: list[Any]) -> None:
        _expect_id(row, len(self.levels), "level")
        kind = row[2]
        node: Node
        if kind == "succ":
            node = ("succ", self.level(row[3]))
        elif kind in ("max", "imax"):
            node = (kind, self.level(row[3]), self.level(row[4]))
        elif kind == "param":
            node = ("param", self.name(row[3]))
        else:
            raise ExportError(f"bad level kind {kind!r}")
        self.levels.append(self.interner.level(node))

    def add_expr(self, row: list[Any]) -> None:
        _expect_id(row, len(self.exprs), "expr")
        kind = row[2]
        if kind == "mdata":
            self.exprs.append(self.expr(row[3]))
            return
        make = _EXPR_NODES.get(kind) if isinstance(kind, str) else None
        if make is None:
            # fvar and mvar cannot appear in a finished declaration
            raise ExportError(f"term kind {kind!r} cannot be replayed")
        node = make(self, row)
        self.exprs.append(self.interner.expr(node))

    def constant(self, row: list[Any]) -> Constant:
        kind = row[0]
        head: _Head = (kind, self.name(row[1]), self.name_list(row[2]), self.expr(row[3]))
        parse = _CONSTANT_ROWS.get(kind)
        if parse is None:
            raise ExportError(f"unknown row kind {kind!r}")
        return parse(self, row, head)

    # One per constant row kind: (row, kind, name, level params, type) → Constant; WIRE.md has the columns.

    def _axiom(self, row: list[Any], head: _Head) -> Constant:
        return Constant(*head, safety=_unsafe(row[4]), attributes=_attrs(row[5]))

    def _definition(self, row: list[Any], head: _Head) -> Constant:
        value, safety, all_ = self.expr(row[4]), _safety(row[5]), self.name_list(row[6])
        return Constant(*head, value=value, safety=safety, all=all_, hints=_hints(row[7]), attributes=_attrs(row[8]))

    def _theorem(self, row: list[Any], head: _Head) -> Constant:
        return Constant(*head, value=self.expr(row[4]), all=self.name_list(row[5]), attributes=_attrs(row[6]))

    def _opaque(self, row: list[Any], head: _Head) -> Constant:
        value, safety, all_ = self.expr(row[4]), _unsafe(row[5]), self.name_list(row[6])
        return Constant(*head, value=value, safety=safety, all=all_, attributes=_attrs(row[7]))

    def _quotient(self, row: list[Any], head: _Head) -> Constant:
        return Constant(*head)

    def _inductive(self, row: list[Any], head: _Head) -> Constant:
        info = InductiveInfo(
            num_params=_nat(row[4]),
            num_indices=_nat(row[5]),
            all=self.name_list(row[6]),
            ctors=self.name_list(row[7]),
            num_nested=_nat(row[8]),
            is_rec=_bool(row[9]),
            is_unsafe=_bool(row[10]),
            is_reflexive=_bool(row[11]),
        )
        return Constant(*head, safety=_unsafe(row[10]), all=info.all, extra=info)

    def _constructor(self, row: list[Any], head: _Head) -> Constant:
        info = ConstructorInfo(
            induct=self.name(row[4]),
            cidx=_nat(row[5]),
            num_params=_nat(row[6]),
            num_fields=_nat(row[7]),
            is_unsafe=_bool(row[8]),
        )
        return Constant(*head, safety=_unsafe(row[8]), extra=info)

    def _recursor(self, row: list[Any], head: _Head) -> Constant:
        rules = tuple(
            RecursorRule(self.name(r[0]), _nat(r[1]), self.expr(r[2]))
            for r in (_list(rule) for rule in _list(row[9]))
            if len(r) == 3 or _raise("bad recursor rule")
        )
        info = RecursorInfo(
            all=self.name_list(row[4]),
            num_params=_nat(row[5]),
            num_indices=_nat(row[6]),
            num_motives=_nat(row[7]),
            num_minors=_nat(row[8]),
            rules=rules,
            k=_bool(row[10]),
            is_unsafe=_bool(row[11]),
        )
        return Constant(*head, safety=_unsafe(row[11]), all=info.all, extra=info)


def _nat_literal(value: Any) -> str:
    digits = _str(value)
    # ASCII only: "²".isdigit() is true
    if not (digits.isascii() and digits.isdigit()):
        raise ExportError("bad nat literal")
    if len(digits) > MAX_NAT_DIGITS:
        raise ExportLimit(f"a numeral of {len(digits)} digits (the judge reads at most {MAX_NAT_DIGITS:,})")
    return digits.lstrip("0") or "0"


# One per term kind of an `E` row (after its id and kind): the interned node.
_EXPR_NODES: dict[str, Callable[[_Reader, list[Any]], Node]] = {
    "bvar": lambda r, row: ("bvar", _nat(row[3])),
    "sort": lambda r, row: ("sort", r.level(row[3])),
    "const": lambda r, row: ("const", r.name(row[3]), tuple(r.level(v) for v in _list(row[4]))),
    "app": lambda r, row: ("app", r.expr(row[3]), r.expr(row[4])),
    "lam": lambda r, row: ("lam", r.name(row[3]), r.expr(row[4]), r.expr(row[5]), _binder(row[6])),
    "pi": lambda r, row: ("pi", r.name(row[3]), r.expr(row[4]), r.expr(row[5]), _binder(row[6])),
    "let": lambda r, row: ("let", r.name(row[3]), r.expr(row[4]), r.expr(row[5]), r.expr(row[6]), _bool(row[7])),
    "nat": lambda r, row: ("nat", _nat_literal(row[3])),
    "str": lambda r, row: ("str", _str(row[3])),
    "proj": lambda r, row: ("proj", r.name(row[3]), _nat(row[4]), r.expr(row[5])),
}

_CONSTANT_ROWS: dict[str, Callable[..., Constant]] = {
    "axiom": _Reader._axiom,
    "def": _Reader._definition,
    "thm": _Reader._theorem,
    "opaque": _Reader._opaque,
    "quot": _Reader._quotient,
    "induct": _Reader._inductive,
    "ctor": _Reader._constructor,
    "rec": _Reader._recursor,
}


def parse_export(text: str, interner: Interner, probes: str | None = None) -> Export:
    """The export's rows (authenticated, without their BEGIN); `probes`: the probe section's,
    read on from the export's tables (its rows refer to the export's names and terms)."""
    if (
        len(text.encode("utf-8", "surrogatepass")) + len((probes or "").encode("utf-8", "surrogatepass"))
        > MAX_EXPORT_BYTES
    ):
        raise ExportLimit(f"the export is larger than {MAX_EXPORT_BYTES >> 20} MiB")
    reader = _Reader(interner)
    _read_rows(reader, text)
    export = Export(
        imports=reader.imports,
        constants=reader.constants,
        duplicates=reader.duplicates,
        messages=reader.messages,
        refusal=reader.refusal,
    )
    if probes is not None and export.refusal is None:
        export.probes = _probe_section(reader, probes, export)
    return export


def _probe_section(reader: _Reader, probes: str, export: Export) -> ProbeSection | None:
    """The probe section, read on from the export's tables; None when it cannot be read (a
    value past a bound, a malformed row): a bad probe costs the probes only, never the export,
    whose rows were read in full before."""
    reader.constants, reader.duplicates, reader.finished = {}, set(), False
    try:
        _read_rows(reader, probes)
    except ExportError:
        return None
    if reader.duplicates or set(reader.constants) & set(export.constants) or reader.imports != export.imports:
        return None  # the probes' constants are added beside the file's: a clash makes them unusable
    return ProbeSection(constants=reader.constants, outcomes=reader.outcomes)


def _read_rows(reader: _Reader, text: str) -> None:
    # only "\n" ends a row: str.splitlines() would also split inside strings at U+2028 etc.
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if reader.finished:
            raise ExportError("content after the end marker")
        row = _json_row(number, line)
        try:
            reader.row(row)
        except IndexError as exc:
            raise ExportError(f"line {number}: missing fields") from exc
        except ExportError as exc:
            raise type(exc)(f"line {number}: {exc}") from exc
        if len(reader.exprs) + len(reader.names) > MAX_NODES:
            raise ExportLimit(f"the export has more than {MAX_NODES:,} terms")
    if not reader.finished:
        raise ExportError("export is truncated (no end marker)")


def _json_row(number: int, line: str) -> list[Any]:
    try:
        row = json.loads(line)
    except (ValueError, RecursionError) as exc:  # ValueError: also ints past 4,300 digits
        raise ExportError(f"line {number}: not JSON") from exc
    if not isinstance(row, list) or not row or not isinstance(row[0], str):
        raise ExportError(f"line {number}: not a row")
    return row


def _raise(message: str) -> NoReturn:
    raise ExportError(message)


def _index(value: Any, size: int, what: str) -> int:
    if type(value) is not int or not 0 <= value < size:
        raise ExportError(f"unknown {what} id {value!r}")
    return value


def _expect_id(row: list[Any], expected: int, what: str) -> None:
    if row[1] != expected or type(row[1]) is not int:
        raise ExportError(f"{what} ids must be dense (expected {expected})")


def _nat(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ExportError(f"expected a natural number, got {value!r}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ExportError("expected a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: Lean never writes one
        raise ExportError("string is not valid Unicode") from exc
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ExportError("expected a boolean")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ExportError("expected a list")
    return value


def _binder(value: Any) -> str:
    if value not in ("default", "implicit", "strict", "inst"):
        raise ExportError(f"bad binder info {value!r}")
    return str(value)


def _safety(value: Any) -> str:
    if value not in ("safe", "unsafe", "partial"):
        raise ExportError(f"bad safety {value!r}")
    return str(value)


def _unsafe(value: Any) -> str:
    return "unsafe" if _bool(value) else "safe"


def _hints(value: Any) -> Any:
    if value in ("opaque", "abbrev") or (type(value) is int and 0 <= value < 2**32):
        return value
    raise ExportError(f"bad reducibility hints {value!r}")


def _attrs(value: Any) -> dict[str, bool]:
    if not isinstance(value, dict):
        raise ExportError("expected attributes")
    return {key: _bool(value.get(key, False)) for key in ("implemented_by", "extern", "export")}


def _message(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ExportError("bad message")
    pos = value.get("pos") or {}
    end = value.get("endPos") or {}
    if not isinstance(pos, dict) or not isinstance(end, dict):
        raise ExportError("bad message position")
    return {
        "severity": _text(value.get("severity", "error"), 20),
        "line": _int_or(pos.get("line"), 0),
        "column": _int_or(pos.get("column"), 0),
        "end_line": _int_or(end.get("line"), None),
        "end_column": _int_or(end.get("column"), None),
        "text": _text(value.get("data", ""), 20_000),
        "kind": _text(value.get("kind", ""), 200),
        "file": _text(value.get("fileName", ""), 200),
    }


def _text(value: Any, limit: int) -> str:
    return _str(value)[:limit] if isinstance(value, str) else _str(str(value))[:limit]


def _int_or(value: Any, default: Any) -> Any:
    return value if type(value) is int and 0 <= value < 2**31 else default
