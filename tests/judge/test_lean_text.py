"""Lean text split as Lean's tokens: a `:=` in a `let`, a string, a comment or a binder's default
is not the one that starts a body; commands end where the next begins, not at a substring."""

import pytest

from judge.lean_text import LeanTextError, body_assign, commands, declared_name, header_of, same_tokens, unproved
from judge.problem_format import InvalidProblem, ProblemSpec


@pytest.mark.parametrize(
    "statement",
    [
        "theorem t (xs : List Int) :\n  let (a, b) := (xs.take 1, xs.drop 1)\n  a ++ b = xs",
        "theorem t (n : Nat := 3) : n = n",
        'theorem t : "a := b".length = 6',
        "theorem t : True -- := trivial",
        "theorem t : True /- := trivial /- nested := -/ -/",
        "theorem t : ({ fst := 1, snd := 2 } : Nat × Nat).1 = 1",
        "theorem t : have h : 1 = 1 := rfl; h = h",
        "theorem t : 'a' ≠ ':'",
    ],
)
def test_a_statement_may_hold_a_colon_equals_of_its_own(statement):
    assert body_assign(statement) is None
    ProblemSpec.from_dict({"slug": "s", "title": "t", "theorems": [{"name": "t", "signature": statement}]})


@pytest.mark.parametrize(
    "statement",
    [
        "theorem t : True := trivial",
        "theorem t : let x := 1; x = 1 := rfl",
        "theorem t : True :=\n  by trivial",
    ],
)
def test_a_proof_after_the_statement_is_still_refused(statement):
    assert body_assign(statement) is not None
    with pytest.raises(InvalidProblem, match="must not have a proof"):
        ProblemSpec.from_dict({"slug": "s", "title": "t", "theorems": [{"name": "t", "signature": statement}]})


def test_an_unclosed_comment_is_a_clear_error():
    with pytest.raises(LeanTextError, match="never closed"):
        body_assign("theorem t : /- True")


def test_commands_keep_doc_comments_attributes_and_modifiers_with_their_declaration():
    text = (
        "import Mathlib\n\n/-- doc with def inside -/\n@[simp] private def a : Nat := 1\n"
        "def b : List (Nat × Nat) := [(1, 2)]\nnoncomputable def c : Nat := 2\n"
        "class inductive D | x\n#eval a\ntheorem e : #[1].size = 1 := rfl\n"
    )

    found = commands(text)

    assert [declared_name(c) for c in found] == [None, "a", "b", "c", "D", None, "e"]
    assert found[1].startswith("/-- doc with def inside -/\n@[simp] private def a")
    assert found[5] == "#eval a"


def test_headers_tokens_and_sorry():
    assert header_of("def f (x : Nat := 1) : Nat :=\n  let y := x\n  y") == "def f (x : Nat := 1) : Nat"
    assert same_tokens("theorem t :\n    a  =  b -- why", "theorem t : a = b")
    assert not same_tokens("theorem t : a = b", "theorem t : b = a")
    assert unproved("by\n  sorry") and not unproved('by -- sorry\n  exact "sorry"') and not unproved("sorry_lemma")
