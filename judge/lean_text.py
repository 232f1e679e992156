"""Lean text read as Lean's tokens, for the checks and importers that must split it.

Not a parser: enough of Lean's lexical rules (nested block comments, line comments, strings with
escapes, character literals, identifiers with `'`, `!`, `?` and «quotes», brackets) to tell a
`:=` that ends a statement from one inside a `let`, a string, a comment or a binder's default,
and to cut a file into its commands. Pure: no process, no Django.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

# Opening and closing brackets of terms and binders (⟨⟩ anonymous constructors, ⦃⦄ strict
# implicits, ‹› assumptions).
OPEN = {"(": ")", "[": "]", "{": "}", "⟨": "⟩", "⦃": "⦄", "‹": "›", "@[": "]"}
CLOSE = set(OPEN.values())
# Keywords whose binding takes one `:=` of its own inside a term.
BINDING_KEYWORDS = {"let", "have", "letI", "haveI", "let_fun", "let_delayed", "set", "obtain", "suffices"}
# Keywords that begin a command: a new one ends the one before (at bracket depth 0).
COMMAND_KEYWORDS = {
    "def",
    "theorem",
    "lemma",
    "abbrev",
    "instance",
    "structure",
    "class",
    "inductive",
    "axiom",
    "opaque",
    "example",
    "namespace",
    "section",
    "end",
    "open",
    "variable",
    "universe",
    "set_option",
    "attribute",
    "export",
    "mutual",
    "noncomputable",
    "private",
    "protected",
    "partial",
    "unsafe",
    "macro",
    "syntax",
    "notation",
    "infix",
    "infixl",
    "infixr",
    "prefix",
    "postfix",
    "import",
}
# Modifiers that may stand before a declaration keyword without starting a command of their own.
MODIFIERS = {"noncomputable", "private", "protected", "partial", "unsafe"}

_IDENT_START = r"[^\W\d]|[_\u0370-\u03ff\u1f00-\u1fff\u2100-\u214f\U0001d400-\U0001d7ff]"
_IDENT_REST = r"[\w'!?\u0370-\u03ff\u1f00-\u1fff\u2080-\u209c\u2100-\u214f\U0001d400-\U0001d7ff]"
_IDENT_PART = rf"(?:«[^»]*»|(?:{_IDENT_START}){_IDENT_REST}*)"
_IDENT = re.compile(rf"{_IDENT_PART}(?:\.{_IDENT_PART})*")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?")
_CHAR = re.compile(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^'\\\n])'")
_SYMBOLS = sorted([":=", "=>", "<;>", "::", "->", "<-", "@["], key=len, reverse=True)


class LeanTextError(ValueError):
    """The text cannot be tokenised (an unclosed comment or string): the message says where."""


@dataclasses.dataclass(frozen=True)
class Token:
    kind: str  # ident, number, string, char, symbol, comment, doc
    text: str
    start: int
    end: int


def tokens(text: str, *, comments: bool = False) -> Iterator[Token]:  # noqa: C901 - one branch per kind of token
    """Lean's tokens of text; comments only when asked (doc comments `/-- -/` are kind "doc")."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            if comments:
                yield Token("comment", text[i:end], i, end)
            i = end
        elif text.startswith("/-", i):
            end = _block_comment_end(text, i)
            if comments or text.startswith("/--", i) or text.startswith("/-!", i):
                kind = "doc" if text.startswith("/--", i) or text.startswith("/-!", i) else "comment"
                if comments or kind == "doc":
                    yield Token(kind, text[i:end], i, end)
            i = end
        elif ch == '"' or (ch in "sfrm" and text.startswith('!"', i + 1)):
            start = i
            i = _string_end(text, i + (2 if ch != '"' else 0))
            yield Token("string", text[start:i], start, i)
        elif ch == "'" and (match := _CHAR.match(text, i)):
            yield Token("char", match.group(), i, match.end())
            i = match.end()
        elif match := _IDENT.match(text, i):
            yield Token("ident", match.group(), i, match.end())
            i = match.end()
        elif ch.isdigit() and (match := _NUMBER.match(text, i)):
            yield Token("number", match.group(), i, match.end())
            i = match.end()
        else:
            symbol = next((s for s in _SYMBOLS if text.startswith(s, i)), ch)
            yield Token("symbol", symbol, i, i + len(symbol))
            i += len(symbol)


def _block_comment_end(text: str, start: int) -> int:
    depth, i = 0, start
    while i < len(text):
        if text.startswith("/-", i):
            depth, i = depth + 1, i + 2
        elif text.startswith("-/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    raise LeanTextError(f"a block comment opened at offset {start} is never closed")


def _string_end(text: str, quote: int) -> int:
    i = quote + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i + 1
        else:
            i += 1
    raise LeanTextError(f"a string opened at offset {quote} is never closed")


def body_assign(text: str) -> int | None:
    """The offset of the `:=` that ends a declaration's header and starts its body, or None.

    A `:=` inside brackets (a binder's default, a structure instance), inside a string or a
    comment, or taken by a `let`/`have` in the statement is not one."""
    depth = 0
    pending: dict[int, int] = {}  # bracket depth -> `let`-like bindings still waiting for their `:=`
    for token in tokens(text):
        if token.kind == "symbol" and token.text in OPEN:
            depth += 1
        elif token.kind == "symbol" and token.text in CLOSE:
            pending.pop(depth, None)
            depth = max(depth - 1, 0)
        elif token.kind == "ident" and token.text in BINDING_KEYWORDS:
            pending[depth] = pending.get(depth, 0) + 1
        elif token.kind == "symbol" and token.text == ":=" and depth == 0:
            if pending.get(0):
                pending[0] -= 1
            else:
                return token.start
    return None


def header_of(text: str) -> str:
    """A declaration without its body: `def f (x : Nat) : Nat := x` -> `def f (x : Nat) : Nat`."""
    at = body_assign(text)
    return (text if at is None else text[:at]).rstrip()


def command_starts(text: str) -> list[int]:
    """Offsets where the top-level commands of text begin (a doc comment or an attribute that
    stands before a declaration begins it; `#test`-like commands count too)."""
    starts: list[int] = []
    depth = 0
    lead: int | None = None  # a doc comment or @[…] waiting for its declaration
    previous: Token | None = None
    for token in tokens(text):
        if depth == 0:
            if token.kind == "doc" and token.text.startswith("/-!"):
                starts.append(token.start)  # a module doc is a command of its own
                lead = None
            elif token.kind == "doc" or (token.kind == "symbol" and token.text == "@["):
                lead = token.start if lead is None else lead
            elif _begins_command(text, token, previous):
                starts.append(lead if lead is not None else token.start)
                lead = None
        if token.kind == "symbol" and token.text in OPEN:
            depth += 1
        elif token.kind == "symbol" and token.text in CLOSE:
            depth = max(depth - 1, 0)
        if token.kind != "doc":
            previous = token
    return starts


def _begins_command(text: str, token: Token, previous: Token | None) -> bool:
    if token.kind == "symbol" and token.text == "#":
        return token.end < len(text) and text[token.end].isalpha()  # `#eval`, `#test`; not `#[…]`
    if token.kind != "ident" or token.text not in COMMAND_KEYWORDS:
        return False
    # `private def`, `class inductive`, `noncomputable section`: one command
    return previous is None or not (previous.kind == "ident" and previous.text in MODIFIERS | {"class"})


def commands(text: str) -> list[str]:
    """The top-level commands of text, each with its doc comment and attributes, stripped."""
    starts = command_starts(text)
    if not starts:
        return [text.strip()] if text.strip() else []
    pieces = []
    if text[: starts[0]].strip():
        pieces.append(text[: starts[0]].strip())
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        pieces.append(text[start:end].strip())
    return [piece for piece in pieces if piece]


def declared_name(command: str) -> str | None:
    """The name a declaration command declares (`def f …` -> "f"), or None."""
    seen_keyword = False
    for token in tokens(command):
        if token.kind != "ident":
            if seen_keyword:
                return None
            continue
        if token.text in COMMAND_KEYWORDS - MODIFIERS - {"set_option", "open", "namespace", "end", "import"}:
            seen_keyword = True  # `class inductive D`: the name follows the last keyword
        elif seen_keyword:
            return token.text
    return None


def identifiers(text: str) -> set[str]:
    """Every identifier the text mentions, and each dotted one's last part and prefixes."""
    found: set[str] = set()
    for token in tokens(text):
        if token.kind == "ident":
            found.add(token.text)
            parts = token.text.split(".")
            found.update(".".join(parts[: i + 1]) for i in range(len(parts)))
            found.add(parts[-1])
    return found


def unproved(text: str) -> bool:
    """The text says `sorry` or `admit` (as a token: not in a comment, a string or a longer name)."""
    return any(t.kind == "ident" and t.text in ("sorry", "admit") for t in tokens(text))


def same_tokens(left: str, right: str) -> bool:
    """Equal up to whitespace and comments."""
    return [t.text for t in tokens(left)] == [t.text for t in tokens(right)]
