"""The tokenizer the text checks stand on (judge.lean_lexer): what Lean reads as code, a check
reads as code, whatever literal or comment tries to hide it."""

import random

import pytest

from judge.lean_lexer import code_tokens, identifier, masked, tokens


def idents(text):
    return [identifier(t) for t in code_tokens(text) if t.kind == "ident"]


@pytest.mark.parametrize(
    "text",
    [
        # issue 26: a `'"'` char literal taken for a string swallowed the next line
        "def c : Char := '\"'\naxiom hidden : False\n",
        "def c : Char := '\\''\naxiom hidden : False\n",
        "def c : Char := '\\\\'\naxiom hidden : False -- \"\n",
        # after a number a `'` starts a char literal; inside an identifier it is the identifier's
        "def x' := 2'\"'\naxiom hidden : False\n",
        # nested comments end where Lean ends them
        "/- a /- b -/ c -/ axiom hidden : False",
        '/-- doc "with a quote -/ axiom hidden : False',
        # raw strings have no escapes
        'def s := r"\\" axiom hidden : False',
        'def s := r#"a"b"# axiom hidden : False',
        # the code inside an interpolation, strings with escaped quotes in it
        'def s := s!"{"\\""}" axiom hidden : False',
        'def s := s!"{ {x := 1}.x }" axiom hidden : False',
        # a quoted identifier may hold a quote or a comment opener
        'def «"» := 1\naxiom hidden : False',
        "def «--» := 1 axiom hidden : False",
    ],
)
def test_code_after_a_literal_is_code(text):
    assert "axiom" in idents(text) and "hidden" in idents(text), tokens(text)
    assert "axiom hidden" in masked(text)


@pytest.mark.parametrize(
    "text",
    [
        "-- axiom hidden\n",
        "/- axiom /- hidden -/ axiom -/",
        '"axiom hidden"',
        'r#"axiom "hidden"#',
        's!"axiom {1} hidden"',
        "'a' -- axiom hidden",
    ],
)
def test_words_in_comments_and_literals_are_not_code(text):
    assert "axiom" not in idents(text), tokens(text)


def test_masking_keeps_positions():
    text = 'def s := "a\nb" -- c\n/- d\n-/ x'
    out = masked(text)
    assert len(out) == len(text) and out.count("\n") == text.count("\n")
    assert out.endswith(" x")


def test_any_text_is_tokenized_in_one_pass():
    alphabet = list("\"'`r#{}/-!s «»\\\nax0.λ_α")
    rng = random.Random(26)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(40)))
        found = tokens(text)
        assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False)), text
        assert len(masked(text)) == len(text)
