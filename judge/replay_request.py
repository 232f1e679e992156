"""The replay's request and reply: the text the trusted replay (judge/lean/Replay.lean) reads,
rebuilt from validated constants only, and its one-line answer. Pure: no process, no sandbox
(the session that carries them is judge.replay). The rows are documented in judge/lean/WIRE.md."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from judge.export_format import (
    Constant,
    ConstructorInfo,
    InductiveInfo,
    Interner,
    Name,
    Node,
    RecursorInfo,
    children_first,
    name_to_str,
)


class ReplayError(RuntimeError):
    """The replay process failed (our fault unless the submission's terms crashed it)."""


@dataclasses.dataclass
class ReplayOutcome:
    failure: tuple[str, str] | None  # (declaration, kernel message)
    added: list[str]
    axioms: dict[str, list[str]]


class _Request:
    """Renumbers the names, levels and terms the plan needs into dense request tables."""

    def __init__(self, interner: Interner) -> None:
        self.interner = interner
        self.lines: list[str] = []
        self.names: dict[Name, int] = {(): 0}
        self.levels: dict[int, int] = {0: 0}
        self.exprs: dict[int, int] = {}

    def emit(self, row: list[Any]) -> None:
        self.lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))

    def name(self, name: Name) -> int:
        found = self.names.get(name)
        if found is not None:
            return found
        # iterative: names may be long (each prefix is a row of its own)
        depth = len(name)
        while name[: depth - 1] not in self.names:
            depth -= 1
        made = 0
        for end in range(depth, len(name) + 1):
            prefix, last = name[:end], name[end - 1]
            made = self.names[prefix] = len(self.names)
            self.emit(["N", made, self.names[name[: end - 1]], "n" if isinstance(last, int) else "s", last])
        return made

    def level(self, level_id: int) -> int:
        """Children first, without recursion: a level's depth (`Type 600`) is the file's choice."""
        stack = [level_id]
        while stack:
            current = stack[-1]
            if current in self.levels:
                stack.pop()
                continue
            node = self.interner.levels[current]
            children = [] if node[0] == "param" else [c for c in node[1:] if c not in self.levels]
            if children:
                stack.extend(children)
                continue
            stack.pop()
            body = (
                ["param", self.name(node[1])] if node[0] == "param" else [node[0], *(self.levels[c] for c in node[1:])]
            )
            self.levels[current] = len(self.levels)
            self.emit(["L", self.levels[current], *body])
        return self.levels[level_id]

    def expr(self, root: int) -> int:
        for expr_id in children_first(self.interner.exprs, root, self.exprs):
            self.exprs[expr_id] = index = len(self.exprs)
            self.emit(["E", index, *self._body(self.interner.exprs[expr_id])])
        return self.exprs[root]

    def _body(self, node: Node) -> list[Any]:
        kind = node[0]
        e = self.exprs
        if kind == "bvar":
            return ["bvar", node[1]]
        if kind == "sort":
            return ["sort", self.level(node[1])]
        if kind == "const":
            return ["const", self.name(node[1]), [self.level(lvl) for lvl in node[2]]]
        if kind == "app":
            return ["app", e[node[1]], e[node[2]]]
        if kind in ("lam", "pi"):
            return [kind, self.name(node[1]), e[node[2]], e[node[3]], node[4]]
        if kind == "let":
            return ["let", self.name(node[1]), e[node[2]], e[node[3]], e[node[4]], node[5]]
        if kind == "nat":
            return ["nat", node[1]]
        if kind == "str":
            return ["str", node[1]]
        if kind == "proj":
            return ["proj", self.name(node[1]), node[2], e[node[3]]]
        raise ReplayError(f"cannot replay term kind {kind}")

    def value(self, c: Constant) -> int:
        if c.value is None:  # the parser gives every def, thm and opaque row its value
            raise ReplayError(f"{name_to_str(c.name)} has no value")
        return self.expr(c.value)

    def names_of(self, names: tuple[Name, ...]) -> list[int]:
        return [self.name(n) for n in names]

    def definition_row(self, c: Constant) -> list[Any]:
        return [
            "def",
            self.name(c.name),
            self.names_of(c.level_params),
            self.expr(c.type),
            self.value(c),
            c.safety,
            self.names_of(c.all),
            c.hints,
        ]

    def group(self, group: list[Constant]) -> None:
        inductives = [c for c in group if c.kind == "induct"]
        if inductives:
            self._inductive_block(group, inductives)
            return
        # Recursive unsafe or partial definitions (the `_unsafe_rec` helpers Lean makes for
        # code) may mention themselves: the kernel takes them only as a mutual block.
        if len(group) > 1 or (group[0].kind == "def" and group[0].safety != "safe"):
            if any(c.kind != "def" for c in group):
                # only definitions may be mutual; the kernel will refuse the first one
                for c in group:
                    self.constant(c)
                return
            self.emit(["mutual", [self.definition_row(c) for c in group]])
            return
        self.constant(group[0])

    def constant(self, c: Constant) -> None:
        n, lps, t = self.name(c.name), self.names_of(c.level_params), self.expr(c.type)
        if c.kind == "axiom":
            self.emit(["axiom", n, lps, t, c.safety != "safe"])
        elif c.kind == "def":
            self.emit(self.definition_row(c))
        elif c.kind == "thm":
            self.emit(["thm", n, lps, t, self.value(c), self.names_of(c.all)])
        elif c.kind == "opaque":
            self.emit(["opaque", n, lps, t, self.value(c), c.safety != "safe", self.names_of(c.all)])
        else:
            # quot, or a constructor/recursor without its inductive: the replay refuses it
            self.emit([c.kind, n, lps, t])

    def _inductive_block(self, group: list[Constant], inductives: list[Constant]) -> None:
        by_name = {c.name: c for c in group}
        first = inductives[0]
        order = [by_name[n] for n in first.all if n in by_name] or inductives
        types = [self._inductive_type(ind, by_name) for ind in order]
        num_params = _inductive(first).num_params
        self.emit(["inductblock", self.names_of(first.level_params), num_params, types, first.safety != "safe"])
        # what the kernel generates must equal what the submission claims
        for c in group:
            self._block_member(c)

    def _inductive_type(self, ind: Constant, by_name: dict[Name, Constant]) -> list[Any]:
        ctors = []
        for ctor_name in _inductive(ind).ctors:
            ctor = by_name.get(ctor_name)
            if ctor is None:
                raise ReplayError(f"constructor {name_to_str(ctor_name)} missing from the export")
            ctors.append([self.name(ctor_name), self.expr(ctor.type)])
        return [self.name(ind.name), self.expr(ind.type), ctors]

    def _block_member(self, c: Constant) -> None:
        n, lps, t = self.name(c.name), self.names_of(c.level_params), self.expr(c.type)
        info = c.extra
        if c.kind == "induct" and isinstance(info, InductiveInfo):
            all_, ctors = self.names_of(info.all), self.names_of(info.ctors)
            self.emit(
                [
                    "induct",
                    n,
                    lps,
                    t,
                    info.num_params,
                    info.num_indices,
                    all_,
                    ctors,
                    info.num_nested,
                    info.is_rec,
                    info.is_unsafe,
                    info.is_reflexive,
                ]
            )
        elif c.kind == "ctor" and isinstance(info, ConstructorInfo):
            induct = self.name(info.induct)
            self.emit(["ctor", n, lps, t, induct, info.cidx, info.num_params, info.num_fields, info.is_unsafe])
        elif c.kind == "rec" and isinstance(info, RecursorInfo):
            rules = [[self.name(r.ctor), r.num_fields, self.expr(r.rhs)] for r in info.rules]
            self.emit(
                [
                    "rec",
                    n,
                    lps,
                    t,
                    self.names_of(info.all),
                    info.num_params,
                    info.num_indices,
                    info.num_motives,
                    info.num_minors,
                    rules,
                    info.k,
                    info.is_unsafe,
                ]
            )
        else:
            self.constant(c)


def _inductive(c: Constant) -> InductiveInfo:
    if not isinstance(c.extra, InductiveInfo):
        raise ReplayError(f"{name_to_str(c.name)} has no inductive fields")
    return c.extra


def build_request(
    request_id: str, imports: list[str], plan: list[list[Constant]], interner: Interner, axioms_of: list[Name]
) -> bytes:
    request = _Request(interner)
    for group in plan:
        request.group(group)
    request.emit(["axioms", [request.name(n) for n in axioms_of]])
    head = json.dumps(["BEGIN", request_id, ["Init", *imports]], ensure_ascii=False)
    return ("\n".join([head, *request.lines, '["DONE"]']) + "\n").encode()


def parse_reply(raw: bytes, request_id: str) -> ReplayOutcome:
    head, _, body = raw.decode("utf-8", "replace").partition(" ")
    if head != request_id:
        raise ReplayError(f"reply to {head!r}, expected {request_id!r}")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ReplayError("unreadable reply") from exc
    if "error" in data:
        raise ReplayError(f"replay refused the request: {data['error']}")
    failure = data.get("failure")
    return ReplayOutcome(
        failure=(failure["name"], failure["detail"]) if failure else None,
        added=list(data.get("added", [])),
        axioms={k: list(v) for k, v in (data.get("axioms") or {}).items()},
    )
