"""pass@k, the unbiased estimator of Chen et al. (2021), "Evaluating Large Language Models
Trained on Code": with n attempts of which c passed, the chance that k attempts drawn from
the n without replacement include at least one that passed,

    pass@k = 1 - C(n - c, k) / C(n, k)      (defined for n >= k)

Computed exactly with integers, so large n loses no precision.
"""

from __future__ import annotations

from fractions import Fraction
from math import comb


def pass_at_k(*, n: int, c: int, k: int) -> float | None:
    """None when there are fewer than k attempts: the estimator is not defined there."""
    if k < 1 or n < k or not 0 <= c <= n:
        return None
    return float(1 - Fraction(comb(n - c, k), comb(n, k)))
