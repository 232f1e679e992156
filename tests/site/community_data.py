"""Many problems and submissions, made quickly (bulk rows), for the list pages' tests."""

from __future__ import annotations

import itertools

from judge.problem_format import ProblemSpec
from judge.results import Verdict
from problems.models import Problem
from problems.services import problem_upsert_from_spec
from submissions.models import AuthorKind, Submission, SubmissionStatus
from tests.site.conftest import SOLVE_ADD


def make_problems(count: int, start: int = 0) -> list[Problem]:
    problems = []
    for i in range(start, start + count):
        spec = dict(SOLVE_ADD, slug=f"p-{i:04d}", title=f"Problem {i:04d}", tags=[f"tag{i % 3}"])
        spec["difficulty"] = ["easy", "medium", "hard"][i % 3]
        problems.append(problem_upsert_from_spec(spec=ProblemSpec.from_dict(spec)).problem)
    return problems


def make_submissions(*, problems: list[Problem], users: list, count: int) -> None:
    """count finished submissions spread over problems and users, a third of them ACCEPTED."""
    versions = {p.pk: p.versions.get() for p in problems}
    verdicts = itertools.cycle([Verdict.ACCEPTED, Verdict.COMPILE_ERROR, Verdict.INCOMPLETE_PROOF])
    rows = [
        Submission(
            user=users[i % len(users)],
            problem_version=versions[problems[i % len(problems)].pk],
            code=f"-- {i}",
            status=SubmissionStatus.FINISHED,
            verdict=next(verdicts),
            # user0 solves p-0000 themself (i = 0): a bot's solve would not open its solutions
            author_kind=AuthorKind.MACHINE if i % 4 == 1 else AuthorKind.HUMAN,
            result={"verdict": "x", "messages": []},
        )
        for i in range(count)
    ]
    Submission.objects.bulk_create(rows)
