"""Inputs for the counterexample search and the test checks, as Lean terms (text).

A spec theorem's leading binders are read from the reference's export: those of a supported
type (`Nat`, `Int`, `Bool`, `Char`, `String`, `List α`, `Array α`, `Option α`, `α × β`,
`Fin n`) are the inputs. The exporter elaborates each text against the binder's type, so a
text here only has to be a well-formed literal: nothing here is trusted with a verdict (the
trusted side checks what was proved against the reference statement).

Values come small and edge first (0, 1, -1, empty, singleton, duplicates), then a seeded,
deterministic sample, bounded in number and size.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections.abc import Iterator
from typing import Any

from judge.export_format import Interner, Name
from judge.lean_lexer import tokens

# A type the inputs know: ("Nat",), ("List", elem), ("Prod", a, b), ("Fin", n)…
Shape = tuple[Any, ...]

SCALARS: dict[Name, str] = {
    ("Nat",): "Nat",
    ("Int",): "Int",
    ("Bool",): "Bool",
    ("Char",): "Char",
    ("String",): "String",
}
CONTAINERS: dict[Name, str] = {("List",): "List", ("Array",): "Array", ("Option",): "Option"}
MAX_TEXT = 400  # a generated or converted input longer than this is left out

_SCALAR_VALUES: dict[str, list[str]] = {
    "Nat": ["0", "1", "2", "3", "5", "10", "4", "7", "100"],
    "Int": ["0", "1", "-1", "2", "-2", "3", "-3", "5", "-7", "10"],
    "Bool": ["false", "true"],
    "Char": ["'a'", "'b'", "'z'", "'A'", "'0'", "' '"],
    "String": ['""', '"a"', '"ab"', '"aa"', '"abc"', '"ba"', '"hello"', '"Hello World"'],
}


def shape_of(interner: Interner, type_id: int) -> Shape | None:
    """The shape of a binder's type, or None when the inputs do not cover it."""
    node = interner.exprs[type_id]
    if node[0] == "const" and node[1] in SCALARS:
        return (SCALARS[node[1]],)
    if node[0] != "app":
        return None
    head, args = _spine(interner, type_id)
    if head is None:
        return None
    if head in CONTAINERS and len(args) == 1:
        inner = shape_of(interner, args[0])
        return (CONTAINERS[head], inner) if inner is not None else None
    if head == ("Prod",) and len(args) == 2:
        first, second = shape_of(interner, args[0]), shape_of(interner, args[1])
        return ("Prod", first, second) if first is not None and second is not None else None
    if head == ("Fin",) and len(args) == 1:
        bound = nat_literal(interner, args[0])
        return ("Fin", bound) if bound is not None and 0 < bound <= 10_000 else None
    return None


# digits a numeral may have to be read as a number here (Python's int() refuses over 4,300)
MAX_READ_DIGITS = 100


def nat_literal(interner: Interner, expr_id: int) -> int | None:
    """`5` as the kernel sees a numeral: a literal, or `OfNat.ofNat Nat 5 _`; None for a
    numeral too long to be a bound or an input (a submission's terms choose its length)."""
    node = interner.exprs[expr_id]
    if node[0] != "nat":
        head, args = _spine(interner, expr_id)
        if head != ("OfNat", "ofNat") or len(args) != 3:
            return None
        node = interner.exprs[args[1]]
        if node[0] != "nat":
            return None
    return int(node[1]) if len(node[1]) <= MAX_READ_DIGITS else None


def _spine(interner: Interner, expr_id: int) -> tuple[Name | None, list[int]]:
    args: list[int] = []
    node = interner.exprs[expr_id]
    while node[0] == "app":
        args.append(node[2])
        node = interner.exprs[node[1]]
    return (node[1] if node[0] == "const" else None), args[::-1]


def values(shape: Shape, depth: int = 0) -> list[str]:
    """Values of a shape, small and edge first."""
    kind = shape[0]
    if kind in _SCALAR_VALUES:
        return list(_SCALAR_VALUES[kind])
    if kind == "Fin":
        bound = shape[1]
        return [str(v) for v in dict.fromkeys([0, bound - 1, 1, bound // 2]) if 0 <= v < bound]
    inner = [values(s, depth + 1)[:4] for s in shape[1:]]
    if kind == "Option":
        return ["none", *(f"some ({v})" for v in inner[0][:3])]
    if kind == "Prod":
        return [f"({a}, {b})" for a, b in itertools.islice(itertools.product(inner[0], inner[1]), 6)]
    elems = inner[0]
    first = elems[0]
    a, b, c = (elems[i] if i < len(elems) else elems[-1] for i in (1, 2, 3))
    lists = [[], [a], [first], [a, b], [a, a], [b, a], [a, b, c], [c, a, b], [a, b, a, c]]
    if depth > 0:
        lists = lists[:5]
    opener = "#[" if kind == "Array" else "["
    return [opener + ", ".join(items) + "]" for items in lists]


def generated_inputs(shapes: list[Shape], seed: str, limit: int) -> list[list[str]]:
    """Up to `limit` argument lists: the diagonal of small values, then tier by tier small sums
    of indices (0–1, 2–3, 4–5) each followed by structured cases (`structured_inputs`: the
    near ones, the far ones), then a sample seeded by `seed` (the same submission gets the
    same inputs)."""
    domains = [values(s) for s in shapes]
    if not domains:
        return []
    chosen: dict[tuple[str, ...], None] = {}

    def add(indices: tuple[int, ...]) -> None:
        if len(chosen) < limit:
            chosen[tuple(d[i % len(d)] for d, i in zip(domains, indices, strict=True))] = None

    longest = max(len(d) for d in domains)
    for i in range(min(longest, 4)):
        add((i,) * len(domains))
    near, far = structured_inputs(shapes)
    for tier, totals in ((near, range(0, 2)), (far, range(2, 4)), ([], range(4, 6))):
        for indices in (ix for total in totals for ix in _with_sum(len(domains), total)):
            add(indices)
        chosen.update(dict.fromkeys(tier[: max(limit - len(chosen), 0)]))
    rng = random.Random(seed)
    for _ in range(limit * 4):
        add(tuple(rng.randrange(len(d)) for d in domains))
    return [list(args) for args in chosen if all(len(a) <= MAX_TEXT for a in args)]


Case = tuple[str, ...]


def structured_inputs(shapes: list[Shape]) -> tuple[list[Case], list[Case]]:
    """Small cases that sums of indices reach late or never, each binder not involved at its
    first value (0, `[]`…), with u, v, w the first three distinct values of a scalar type. The
    near ones:

    - a value and a list of that type (`isIn x xs`): the value second of two (`1, [0, 1]`),
      and the other way round, last and in the middle of three distinct values, absent from
      two distinct values;
    - two values of one type: both orders of each pair of u, v, w;
    - a list of a scalar type: two distinct values in both orders;

    and the far ones: a list of three distinct values in all six orders."""
    firsts = [values(s)[0] for s in shapes]
    near: dict[Case, None] = {}
    far: dict[Case, None] = {}

    def case(changes: dict[int, str]) -> Case:
        return tuple(changes.get(i, first) for i, first in enumerate(firsts))

    lists = [(j, s) for j, s in enumerate(shapes) if len(s) == 2 and s[0] in ("List", "Array")]
    for i, shape in enumerate(shapes):
        small = _three(shape)
        if small is None:
            continue
        u, v, w = small
        for j, other in (found for found in lists if found[1][1] == shape):
            for x, items in ((v, [u, v]), (u, [v, u]), (v, [u, w, v]), (v, [u, v, w]), (w, [u, v])):
                near[case({i: x, j: _list_text(other, items)})] = None
        for j in (k for k in range(i + 1, len(shapes)) if shapes[k] == shape):
            near.update(dict.fromkeys(case({i: a, j: b}) for a, b in itertools.permutations(small, 2)))
    for j, other in lists:
        inner = _three(other[1])
        if inner is not None:
            near.update(dict.fromkeys(case({j: _list_text(other, list(p))}) for p in itertools.permutations(inner[:2])))
            far.update(dict.fromkeys(case({j: _list_text(other, list(p))}) for p in itertools.permutations(inner)))
    fits = [c for c in near if all(len(a) <= MAX_TEXT for a in c)]
    return fits, [c for c in far if c not in near and all(len(a) <= MAX_TEXT for a in c)]


def _three(shape: Shape) -> tuple[str, str, str] | None:
    """The first three distinct values of a scalar shape (None: a container, or fewer)."""
    if shape[0] not in _SCALAR_VALUES and shape[0] != "Fin":
        return None
    found = list(dict.fromkeys(values(shape)))
    return (found[0], found[1], found[2]) if len(found) >= 3 else None


def _list_text(shape: Shape, items: list[str]) -> str:
    return ("#[" if shape[0] == "Array" else "[") + ", ".join(items) + "]"


def _with_sum(width: int, total: int) -> Iterator[tuple[int, ...]]:
    if width == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _with_sum(width - 1, total - first):
            yield (first, *rest)


def test_arguments(test_input: Any, names: list[str], shapes: list[Shape]) -> list[str] | None:
    """A test's input as one Lean text per input binder, or None when it does not fit: a JSON
    object by binder name, a list or a space-separated string positionally, a scalar alone."""
    count = len(shapes)
    if isinstance(test_input, dict):
        if set(test_input) != set(names):
            return None
        raw = [test_input[n] for n in names]
    elif isinstance(test_input, list) and count > 1 and len(test_input) == count:
        raw = list(test_input)
    elif isinstance(test_input, str) and count > 1:
        raw = _split_arguments(test_input)
        if len(raw) != count:
            return None
    else:
        raw = [test_input] if count == 1 else []
        if not raw:
            return None
    texts = [lean_text(value, shape) for value, shape in zip(raw, shapes, strict=True)]
    if any(t is None or len(t) > MAX_TEXT for t in texts):
        return None
    return [t for t in texts if t is not None]


def lean_text(value: Any, shape: Shape | None) -> str | None:  # noqa: C901 - one case per JSON kind
    """A JSON value as a Lean term of the shape (None: the shape is unknown, text kept as is)."""
    kind = shape[0] if shape else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else None
    if value is None:
        return "none" if kind == "Option" else None
    if isinstance(value, str):
        if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            return None  # a lone surrogate: no Lean text, and no UTF-8 to send it in
        if kind == "String":
            return _lean_string(value)
        if kind == "Char":
            return _lean_char(value) if len(value) == 1 else (value if _is_char_literal(value) else None)
        return value.strip() if is_value_text(value) else None
    if isinstance(value, list):
        inner = shape[1] if shape and kind in ("List", "Array") else None
        items = [lean_text(v, inner) for v in value]
        if any(i is None for i in items):
            return None
        return ("#[" if kind == "Array" else "[") + ", ".join(i for i in items if i is not None) + "]"
    return None


# What a value written as Lean text may hold: literals and the brackets of lists, arrays, pairs
# and options. Anything else (`decide +kernel`, a definition's name, a comment) would be a term
# the probes elaborate and prove with, chosen by a problem's author: not a value.
VALUE_WORDS = frozenset({"true", "false", "none", "some"})
VALUE_SYMBOLS = frozenset("[](),-#")


def is_value_text(text: str) -> bool:
    """Whether `text` is a value as Lean writes it: numbers, strings, characters, `true`,
    `false`, `none`, `some`, and `[…]`, `#[…]`, `(…, …)`, `-` around them."""
    found = tokens(text)
    if not found:
        return False
    for token in found:
        if token.kind in ("number", "string", "char"):
            if token.kind == "number" and not token.text.isdigit():
                return False
            continue
        if token.kind == "ident" and token.text in VALUE_WORDS:
            continue
        if token.kind == "symbol" and token.text in VALUE_SYMBOLS:
            continue
        return False
    return True


def _lean_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _lean_char(value: str) -> str:
    if value in ("'", "\\"):
        return "'\\" + value + "'"
    if value == "\n":
        return "'\\n'"
    return f"'{value}'"


def _is_char_literal(value: str) -> bool:
    return re.fullmatch(r"'(\\.|[^'\\])'", value) is not None


def _split_arguments(text: str) -> list[str]:
    """`3 5`, `[1, 2] "a b"`, `-1 -4`: arguments separated by spaces outside brackets and quotes."""
    parts: list[str] = []
    depth, quote, current = 0, "", []
    for ch in text.strip():
        if quote:
            current.append(ch)
            if ch == quote and (len(current) < 2 or current[-2] != "\\"):
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch.isspace() and depth == 0:
            if current:
                parts.append("".join(current))
                current = []
            continue
        current.append(ch)
    if current:
        parts.append("".join(current))
    return parts
