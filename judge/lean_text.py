"""Lean text split as Lean's tokens, for the checks and importers that must cut it.

Not a parser: on the tokens of `judge.lean_lexer` (the project's one Lean tokenizer), enough
structure (brackets, command keywords, `let`-like bindings) to tell a `:=` that ends a statement
from one inside a `let`, a string, a comment or a binder's default, and to cut a file into its
commands. Pure: no process, no Django.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from judge.lean_lexer import Token
from judge.lean_lexer import tokens as lexer_tokens

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

# Lean's multi-character symbols the splitting rules look at (the lexer gives single characters).
_SYMBOLS = sorted([":=", "=>", "<;>", "::", "->", "<-", "@["], key=len, reverse=True)


class LeanTextError(ValueError):
    """The text cannot be tokenised (an unclosed comment or string): the message says where."""


def tokens(text: str, *, comments: bool = False) -> Iterator[Token]:
    """Lean's tokens of text (`judge.lean_lexer`, the one tokenizer), with the symbols above
    joined; comments only when asked (doc comments `/-- -/`, `/-! -/` are kind "doc", always)."""
    raw = lexer_tokens(text)
    i = 0
    while i < len(raw):
        token = raw[i]
        i += 1
        if not token.closed and token.kind in ("comment", "string"):
            what = "a block comment" if token.kind == "comment" else "a string"
            raise LeanTextError(f"{what} opened at offset {token.start} is never closed")
        if token.kind == "comment":
            doc = token.text.startswith(("/--", "/-!"))
            if doc or comments:
                yield dataclasses.replace(token, kind="doc" if doc else "comment")
        elif token.kind == "symbol":
            symbol = next(
                (s for s in _SYMBOLS if text.startswith(s, token.start) and _adjacent(raw, i - 1, len(s))), None
            )
            if symbol is None:
                yield token
            else:
                yield Token("symbol", symbol, token.start, token.start + len(symbol))
                i += len(symbol) - 1
        else:
            yield token


def _adjacent(raw: list[Token], at: int, count: int) -> bool:
    """`count` one-character symbol tokens follow one another from `raw[at]`, with no gap."""
    run = raw[at : at + count]
    return len(run) == count and all(
        t.kind == "symbol" and t.start == raw[at].start + k and len(t.text) == 1 for k, t in enumerate(run)
    )


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
