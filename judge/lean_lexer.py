"""Lean 4's lexical structure, for the checks made on text before Lean runs.

A regex that takes `'"'` (a char literal) for the start of a string hides the next line from a
check; so does one that ignores nesting in `/- /- -/ -/` or the code inside `s!"{…}"`. This
tokenizer follows Lean's own token function (`Lean.Parser.Basic`: `whitespace`, `tokenFn`,
`identFn`, `strLitFnAux`, `charLitFnAux`, `rawStrLitFnAux`, `interpolatedStrFn`):

- comments: `--` to the end of the line; `/-` … `-/` nested (doc comments `/--`, `/-!` too);
- strings with escapes (`\\"`, `\\` + newline), raw strings `r"…"`, `r#"…"#` (no escapes),
  interpolated strings after `s!`, `m!`, `f!`, `throwError`… whose `{…}` parts are code;
- char literals: `'` at the start of a token followed by anything but `'`; a `'` inside an
  identifier (`x'`) is the identifier's;
- identifiers by Lean's character classes (`«…»` escapes, dotted), numbers, name literals.

It never fails: text Lean would refuse is tokenized somehow, and Lean refuses it later. The
checks built on it give early, readable errors; what they protect is checked again on what Lean
elaborated (the export).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

# terms before which Lean reads an interpolated string (`interpolatedStr`), not a plain one
INTERPOLATING = frozenset(
    {
        "throwError",
        "throwErrorAt",
        "logInfo",
        "logInfoAt",
        "logWarning",
        "logWarningAt",
        "logError",
        "logErrorAt",
        "dbg_trace",
        "trace",
        "s!",
        "m!",
        "f!",
        "println!",
    }
)


@dataclasses.dataclass(frozen=True)
class Token:
    kind: str  # ident, number, string, char, name, symbol, comment
    text: str
    start: int
    end: int
    closed: bool = True  # False: a comment, string or char literal the text never closes


def _is_letter_like(c: str) -> bool:
    o = ord(c)
    return (
        (0x3B1 <= o <= 0x3C9 and o != 0x3BB)  # lower greek except λ
        or (0x391 <= o <= 0x3A9 and o not in (0x3A0, 0x3A3))  # upper greek except Π Σ
        or 0x3CA <= o <= 0x3FB  # Coptic
        or 0x1F00 <= o <= 0x1FFE  # polytonic Greek
        or 0x2100 <= o <= 0x214F  # letterlike symbols
        or 0x1D49C <= o <= 0x1D59F  # script, double-struck, fraktur
    )


def _is_subscript_alnum(c: str) -> bool:
    o = ord(c)
    return 0x2080 <= o <= 0x2089 or 0x2090 <= o <= 0x209C or 0x1D62 <= o <= 0x1D6A


def _ascii_alpha(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z")


def is_id_first(c: str) -> bool:
    return _ascii_alpha(c) or c == "_" or _is_letter_like(c)


def is_id_rest(c: str) -> bool:
    return _ascii_alpha(c) or ("0" <= c <= "9") or c in "_'!?" or _is_letter_like(c) or _is_subscript_alnum(c)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.tokens: list[Token] = []

    def at(self, i: int) -> str:
        """The character at `i`; past the end a NUL, which no rule takes (never "": `"" in s`
        holds for every string)."""
        return self.text[i] if i < self.n else "\0"

    def add(self, kind: str, start: int, end: int, closed: bool = True) -> None:
        self.tokens.append(Token(kind, self.text[start:end], start, end, closed))

    def run(self) -> list[Token]:  # noqa: C901 - one branch per token kind, in Lean's order
        # a stack of open interpolations: the brace depth inside each `{…}` of an interpolated string
        braces: list[int] = []
        i = 0
        while i < self.n:
            c = self.text[i]
            if c.isspace():
                i += 1
            elif c == "-" and self.at(i + 1) == "-":
                end = self.text.find("\n", i)
                end = self.n if end < 0 else end
                self.add("comment", i, end)
                i = end
            elif c == "/" and self.at(i + 1) == "-":
                i = self.block_comment(i)
            elif c == '"':
                code = [t for t in self.tokens[-2:] if t.kind != "comment"]
                interpolated = bool(code) and code[-1].kind == "ident" and code[-1].text in INTERPOLATING
                i = self.string_body(i + 1, start=i, interpolated=interpolated, braces=braces)
            elif c == "'" and i + 1 < self.n and self.at(i + 1) != "'":
                i = self.char(i)
            elif "0" <= c <= "9":
                i = self.number(i)
            elif c == "`" and (is_id_first(self.at(i + 1)) or self.at(i + 1) == "«"):
                end = self.ident(i + 1)
                self.add("name", i, end)
                i = end
            elif c == "r" and self.raw_start(i + 1):
                i = self.raw_string(i)
            elif is_id_first(c) or c == "«":
                end = self.ident(i)
                self.add("ident", i, end)
                i = end
            elif c == "{" and braces:
                braces[-1] += 1
                self.add("symbol", i, i + 1)
                i += 1
            elif c == "}" and braces:
                if braces[-1] == 0:
                    braces.pop()
                    i = self.string_body(i + 1, start=i, interpolated=True, braces=braces)
                else:
                    braces[-1] -= 1
                    self.add("symbol", i, i + 1)
                    i += 1
            else:
                self.add("symbol", i, i + 1)
                i += 1
        return self.tokens

    def block_comment(self, start: int) -> int:
        depth, i = 1, start + 2
        while i < self.n and depth:
            if self.text.startswith("/-", i):
                depth, i = depth + 1, i + 2
            elif self.text.startswith("-/", i):
                depth, i = depth - 1, i + 2
            else:
                i += 1
        self.add("comment", start, i, closed=depth == 0)
        return i

    def string_body(self, i: int, *, start: int, interpolated: bool, braces: list[int]) -> int:
        """From inside a string to its end (the closing quote), or to an interpolation's `{`."""
        while i < self.n:
            c = self.text[i]
            if c == "\\":
                i += 2
            elif c == '"':
                self.add("string", start, i + 1)
                return i + 1
            elif c == "{" and interpolated:
                self.add("string", start, i + 1)
                braces.append(0)
                return i + 1
            else:
                i += 1
        self.add("string", start, self.n, closed=False)
        return self.n

    def char(self, start: int) -> int:
        i = start + 1
        if self.at(i) == "\\":
            i += 1
            escape = self.at(i)
            i += {"x": 3, "u": 5}.get(escape, 1)
        else:
            i += 1
        closed = self.at(i) == "'"
        if closed:
            i += 1
        self.add("char", start, min(i, self.n), closed=closed)
        return min(i, self.n)

    def raw_start(self, i: int) -> bool:
        while self.at(i) == "#":
            i += 1
        return self.at(i) == '"'

    def raw_string(self, start: int) -> int:
        i = start + 1
        hashes = 0
        while self.at(i) == "#":
            hashes, i = hashes + 1, i + 1
        closing = '"' + "#" * hashes
        found = self.text.find(closing, i + 1)
        end = self.n if found < 0 else found + len(closing)
        self.add("string", start, end, closed=found >= 0)
        return end

    def number(self, start: int) -> int:
        i = start + 1
        if self.text[start] == "0" and self.at(i) in ("x", "X", "b", "B", "o", "O"):
            i += 1
            while self.at(i) and (self.at(i).isalnum() and self.at(i).isascii() or self.at(i) == "_"):
                i += 1
        else:
            while "0" <= self.at(i) <= "9" or self.at(i) == "_":
                i += 1
            if self.at(i) == "." and "0" <= self.at(i + 1) <= "9":
                i += 1
                while "0" <= self.at(i) <= "9":
                    i += 1
            if self.at(i) in ("e", "E") and (
                "0" <= self.at(i + 1) <= "9" or (self.at(i + 1) in "+-" and "0" <= self.at(i + 2) <= "9")
            ):
                i += 2
                while "0" <= self.at(i) <= "9":
                    i += 1
        self.add("number", start, i)
        return i

    def ident(self, i: int) -> int:
        """A dotted identifier from `i` (which starts a part)."""
        while True:
            if self.at(i) == "«":
                end = self.text.find("»", i + 1)
                i = self.n if end < 0 else end + 1
            elif is_id_first(self.at(i)):
                i += 1
                while is_id_rest(self.at(i)):
                    i += 1
            else:
                return i
            if self.at(i) == "." and (is_id_first(self.at(i + 1)) or self.at(i + 1) == "«"):
                i += 1
            else:
                return i


def tokens(text: str) -> list[Token]:
    """Every token of `text`, comments included (kind "comment"), in order."""
    return _Scanner(text).run()


def code_tokens(text: str) -> Iterator[Token]:
    """The tokens that are code: no comments, no literal's contents."""
    return (t for t in tokens(text) if t.kind != "comment")


def masked(text: str) -> str:
    """`text` with every comment and the inside of every string and char literal blanked (each
    character a space, newlines kept): line and column positions stay, and a regex over the
    result sees only code."""
    out = list(text)
    for token in tokens(text):
        if token.kind == "comment":
            inner = range(token.start, token.end)
        elif token.kind in ("string", "char"):
            inner = range(token.start + 1, max(token.start + 1, token.end - 1))
        else:
            continue
        for i in inner:
            if out[i] != "\n":
                out[i] = " "
    return "".join(out)


def identifier(token: Token) -> str:
    """An identifier token's name, `«»` removed from its parts."""
    return token.text.replace("«", "").replace("»", "")
