"""Validation's text checks (issue 26, hole 2): what Lean reads as code is what they read, and
each header field is one header. No Lean here: the export checks behind them are in
test_validation_lean.py."""

import pytest

from judge.problem_format import ProblemSpec, TheoremSpec
from problems.validation import FAILED, PASSED, _check_headers, _check_preamble_text

SPEC = ProblemSpec(
    slug="solve-add",
    title="Solve",
    definitions=("def solveAdd (a b : Int) : Int",),
    theorems=(TheoremSpec("solveAdd_spec", "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b"),),
)


def with_(**fields):
    return ProblemSpec(**{**SPEC.__dict__, **fields})


@pytest.mark.parametrize(
    "preamble",
    [
        # the issue's proposal: a char literal `'"'` opened a "string" for the old regex
        "def quote : Char := '\"'\naxiom solveAdd.cheat : False\n",
        "/- a /- nested -/ comment -/ axiom cheat : False",
        'def s := r#"raw " string"# axiom cheat : False',
        'def «"» : Nat := 1\naxiom cheat : False',
    ],
)
def test_an_axiom_behind_a_literal_or_comment_is_seen(preamble):
    check = _check_preamble_text(with_(preamble=preamble))
    assert check.status == FAILED and "axiom" in check.detail, check


def test_words_inside_literals_and_comments_are_not_flagged():
    preamble = "/- axiom /- sorry -/ -/\ndef s : String := \"axiom\"\ndef c : Char := 'a' -- sorry\n"
    assert _check_preamble_text(with_(preamble=preamble)).status == PASSED


@pytest.mark.parametrize(
    "header",
    [
        "def solveAdd (a b : Int) : Int\naxiom cheat : False\ndef other : Nat",
        "def solveAdd (a b : Int) : Int\n#eval 1\ndef other : Nat",
        "def solveAdd (a b : Int) : Int\n@[simp] theorem other : True",
        "theorem solveAdd (a b : Int) : Int",
    ],
)
def test_a_field_holding_more_than_one_header_fails(header):
    check = _check_headers(with_(definitions=(header,)))
    assert check.status == FAILED, check


def test_honest_headers_pass():
    spec = with_(
        definitions=("def solveAdd (a b : Int) : Int -- the sum's missing part\n",),
        theorems=(
            TheoremSpec("solveAdd_spec", "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b ∧ #[a].size = 1"),
        ),
    )
    assert _check_headers(spec).status == PASSED, _check_headers(spec)
