"""The wire format round trip (judge/lean/WIRE.md), one test per row kind.

Export row → `export_format` → `replay_request` → request row: every column the export wrote
reaches the replay's request unchanged (ids resolved to names and terms on both sides, the
export's `attrs` column excepted: the replay has no use for it). The last test sends the
rows of a real export through Export.lean, the parser, the request builder and Replay.lean
(real Lean: marked `lean`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from judge.checker import replay_plan
from judge.export_auth import ExportKey, authenticate
from judge.export_format import Interner, parse_export
from judge.pipeline import exporter_job, judge_for
from judge.replay_request import build_request

NO_ATTRS = {"implemented_by": False, "extern": False, "export": False}

# What each column after the row's kind holds, for resolving ids.
COLUMNS: dict[str, list[str]] = {
    "axiom": ["name", "names", "expr", "bool"],
    "def": ["name", "names", "expr", "expr", "value", "names", "value"],
    "thm": ["name", "names", "expr", "expr", "names"],
    "opaque": ["name", "names", "expr", "expr", "bool", "names"],
    "quot": ["name", "names", "expr"],
    "induct": ["name", "names", "expr", "value", "value", "names", "names", "value", "bool", "bool", "bool"],
    "ctor": ["name", "names", "expr", "name", "value", "value", "value", "bool"],
    "rec": ["name", "names", "expr", "names", "value", "value", "value", "value", "rules", "bool", "bool"],
}
HAS_ATTRS = {"axiom", "def", "thm", "opaque"}

# Names: 1 Foo, 2 Foo.mk, 3 Foo.rec, 4 u, 5 x, 6 thm, 7 ax, 8 op, 9 Quot', 10 d
NAMES = [
    ["N", 1, 0, "s", "Foo"],
    ["N", 2, 1, "s", "mk"],
    ["N", 3, 1, "s", "rec"],
    ["N", 4, 0, "s", "u"],
    ["N", 5, 0, "s", "x"],
    ["N", 6, 0, "s", "thm"],
    ["N", 7, 0, "s", "ax"],
    ["N", 8, 0, "s", "op"],
    ["N", 9, 0, "s", "Quot'"],
    ["N", 10, 0, "s", "d"],
    ["N", 11, 10, "n", 3],
]
LEVELS = [["L", 1, "param", 4], ["L", 2, "succ", 1], ["L", 3, "max", 1, 2], ["L", 4, "imax", 2, 0]]
EXPRS = [
    ["E", 0, "sort", 3],  # Sort (max u (u+1))
    ["E", 1, "sort", 0],  # Prop
    ["E", 2, "const", 1, []],  # Foo
    ["E", 3, "bvar", 0],
    ["E", 4, "pi", 5, 2, 2, "implicit"],  # {x : Foo} → Foo
    ["E", 5, "lam", 5, 2, 3, "default"],  # fun x => x
    ["E", 6, "app", 5, 3],
    ["E", 7, "nat", "0042"],
    ["E", 8, "str", "ℕ \u2028 line"],
    ["E", 9, "let", 5, 2, 3, 3, True],
    ["E", 10, "proj", 1, 0, 3],
    ["E", 11, "mdata", 6],  # dropped: the same term as E 6
    ["E", 12, "sort", 4],
]

CONSTANTS: dict[str, list[list[Any]]] = {
    "axiom": [["axiom", 7, [4], 12, False, NO_ATTRS]],
    "def": [
        ["def", 10, [], 4, 5, "safe", [10], 7, NO_ATTRS],
        ["def", 11, [], 4, 9, "partial", [11], "opaque", NO_ATTRS],
    ],
    "thm": [["thm", 6, [4], 1, 11, [6], NO_ATTRS]],
    "opaque": [["opaque", 8, [], 2, 10, True, [8], NO_ATTRS]],
    "quot": [["quot", 9, [4], 0]],
    "induct": [
        ["induct", 1, [], 1, 2, 1, [1], [2], 4, True, False, True],
        ["ctor", 2, [], 2, 1, 0, 3, 1, False],
        ["rec", 3, [4], 0, [1], 2, 3, 1, 5, [[2, 7, 8]], True, False],
    ],
}


def export_text(constants: list[list[Any]]) -> str:
    rows = [*NAMES, *LEVELS, *EXPRS, *constants, ["END"]]
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"


class Resolver:
    """Ids of one row stream resolved to names, levels and terms (mdata dropped)."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self.names: dict[int, tuple] = {0: ()}
        self.levels: dict[int, Any] = {0: "zero"}
        self.exprs: dict[int, Any] = {}
        for row in rows:
            if row[0] == "N":
                self.names[row[1]] = (*self.names[row[2]], row[4])
            elif row[0] == "L":
                self.levels[row[1]] = self.level_row(row)
            elif row[0] == "E":
                self.exprs[row[1]] = self.expr_row(row)

    def level_row(self, row: list[Any]) -> Any:
        if row[2] == "param":
            return ("param", self.names[row[3]])
        return (row[2], *(self.levels[i] for i in row[3:]))

    def expr_row(self, row: list[Any]) -> Any:
        kind, args = row[2], row[3:]
        if kind == "mdata":
            return self.exprs[args[0]]
        if kind == "sort":
            return ("sort", self.levels[args[0]])
        if kind == "const":
            return ("const", self.names[args[0]], tuple(self.levels[i] for i in args[1]))
        if kind == "app":
            return ("app", self.exprs[args[0]], self.exprs[args[1]])
        if kind in ("lam", "pi"):
            return (kind, self.names[args[0]], self.exprs[args[1]], self.exprs[args[2]], args[3])
        if kind == "let":
            return ("let", self.names[args[0]], self.exprs[args[1]], self.exprs[args[2]], self.exprs[args[3]], args[4])
        if kind == "proj":
            return ("proj", self.names[args[0]], args[1], self.exprs[args[2]])
        if kind == "nat":
            return ("nat", args[0].lstrip("0") or "0")  # the parser keeps the value, not the spelling
        return (kind, *args)  # bvar, str

    def constant(self, row: list[Any], exported: bool) -> list[Any]:
        kind = row[0]
        columns = row[1:-1] if exported and kind in HAS_ATTRS else row[1:]
        resolved: list[Any] = [kind]
        for what, value in zip(COLUMNS[kind], columns, strict=True):
            if what == "name":
                resolved.append(self.names[value])
            elif what == "names":
                resolved.append([self.names[v] for v in value])
            elif what == "expr":
                resolved.append(self.exprs[value])
            elif what == "rules":
                resolved.append([[self.names[c], fields, self.exprs[rhs]] for c, fields, rhs in value])
            else:
                resolved.append(value)
        return resolved


def request_rows(text: str) -> list[list[Any]]:
    interner = Interner()
    submission = parse_export(text, interner)
    request = build_request("r1", [], replay_plan(submission, interner), interner, [])
    # only "\n" ends a row (a string may hold U+2028, which str.splitlines() would split at)
    return [json.loads(line) for line in request.decode().split("\n") if line]


@pytest.mark.parametrize("kind", list(CONSTANTS))
def test_every_column_of_a_row_reaches_the_replay_request(kind):
    # the rows' numbers differ from each other, so a swapped or dropped column shows
    exported = CONSTANTS[kind]
    requested = request_rows(export_text(exported))
    assert requested[0] == ["BEGIN", "r1", ["Init"]] and requested[-1] == ["DONE"]
    ours = Resolver([*NAMES, *LEVELS, *EXPRS])
    theirs = Resolver(requested)
    # a `mutual` row carries its definitions' rows (an unsafe or partial one goes alone in one)
    flat = [d for r in requested for d in (r[1] if r[0] == "mutual" else [r])]
    sent = [theirs.constant(r, exported=False) for r in flat if r[0] in COLUMNS]
    assert sorted(map(repr, sent)) == sorted(repr(ours.constant(r, exported=True)) for r in exported)
    if kind == "induct":
        [block] = [r for r in requested if r[0] == "inductblock"]
        assert block[2] == 2 and block[4] is False  # the inductive's params and unsafe flag


def test_request_rows_refer_only_to_ids_defined_before_them():
    requested = request_rows(export_text([row for rows in CONSTANTS.values() for row in rows]))
    defined = {"N": {0}, "L": {0}, "E": set()}
    for row in requested:
        if row[0] in defined:
            assert row[1] == len(defined[row[0]])  # dense: the next id
            defined[row[0]].add(row[1])


SOURCE = """
inductive Color where
  | red
  | green

structure Point where
  x : Nat
  y : Nat

def Color.flip : Color → Color
  | .red => .green
  | .green => .red

theorem flip_flip (c : Color) : c.flip.flip = c := by cases c <;> rfl

opaque secret : Nat

axiom myAx : True
"""


@pytest.mark.lean
def test_a_real_export_round_trips_through_the_replay(runner):
    """Export.lean → authenticate → parse → request → Replay.lean: every constant the file
    declares, of every kind it can declare (quot comes only from Init), is added by the kernel."""
    key = ExportKey.new()
    run = runner.run(exporter_job(SOURCE.encode(), None, key=key, imports=[]))
    interner = Interner()
    submission = parse_export(authenticate(run.stdout, key), interner)
    kinds = {c.kind for c in submission.constants.values()}
    assert {"induct", "ctor", "rec", "def", "thm", "opaque", "axiom"} <= kinds, kinds
    outcome = judge_for(runner).replayer.replay(
        imports=[], plan=replay_plan(submission, interner), interner=interner, axioms_of=[], timeout=300
    )
    assert outcome.failure is None, outcome
    for name in ("Color", "Point", "Color.flip", "flip_flip", "secret", "myAx"):
        assert name in outcome.added, (name, outcome.added)
