"""A fixed sample of the curriculum's regression corpus on the real judge (the whole corpus:
benchmarks/curriculum.py). For each problem: the reference ACCEPTED with no spec-audit finding,
the uniqueness theorems proved, the tests consistent, every wrong implementation rejected as
expected. Three problems, to stay within ~5 minutes of CI (each costs three template exports:
the problem's, the one with its uniqueness theorems, the tests'; five took 9 minutes in a
fresh-clone CI run), chosen for the proof styles and verdict kinds: a decidable spec whose wrong
implementation gets a counterexample (is-prime), a structure with invariants whose wrong
implementation can only fail its proof (clock-add), well-founded recursion with termination_by
and a sorting spec (merge-sort). The subtype style (is-sorted) and mutual recursion (level-sums)
are judged by benchmarks/curriculum.py with the rest of the corpus."""

from __future__ import annotations

import pytest

from judge.pipeline import judge_for
from problems.curriculum import load_curriculum
from problems.curriculum.corpus import check_problem

pytestmark = [pytest.mark.lean, pytest.mark.timeout(600)]

SAMPLE = ("clock-add", "is-prime", "merge-sort")
BY_SLUG = {p.spec.slug: p for p in load_curriculum()}


@pytest.fixture(scope="module")
def judge(runner):
    """One judge for the module, warmed up as a worker is; every check is one owner's job."""
    judge = judge_for(runner)
    judge.warm_up()
    return judge


def test_the_sample_spans_the_levels_beyond_the_samples():
    assert sorted(BY_SLUG[slug].level for slug in SAMPLE) == [2, 3, 8]


@pytest.mark.parametrize("slug", SAMPLE)
def test_curriculum_problem_on_the_real_judge(judge, slug):
    outcomes = check_problem(judge, BY_SLUG[slug])
    assert {o.check for o in outcomes} >= {"reference", "wrong 1"}
    assert [o for o in outcomes if not o.ok] == []
