"""The unbiased pass@k estimator against its definition, counted by brute force."""

from itertools import combinations

import pytest

from bots.pass_at_k import pass_at_k


def brute_force(n: int, c: int, k: int) -> float:
    outcomes = [True] * c + [False] * (n - c)
    draws = list(combinations(range(n), k))
    return sum(any(outcomes[i] for i in draw) for draw in draws) / len(draws)


@pytest.mark.parametrize("n,c,k", [(1, 0, 1), (1, 1, 1), (5, 2, 1), (5, 2, 3), (6, 1, 5), (7, 4, 7), (8, 0, 3)])
def test_matches_the_probability_it_estimates(n, c, k):
    assert pass_at_k(n=n, c=c, k=k) == pytest.approx(brute_force(n, c, k))


def test_pass_at_1_is_the_fraction_accepted():
    assert pass_at_k(n=10, c=3, k=1) == pytest.approx(0.3)


def test_undefined_below_k_attempts():
    assert pass_at_k(n=2, c=2, k=3) is None


def test_large_n_keeps_its_precision():
    assert pass_at_k(n=2000, c=1, k=10) == pytest.approx(10 / 2000)
