"""The problem list: search, filters (tag, difficulty, import profile), sort, pages; per problem
its solvers and acceptance rate; for a signed-in user, solved and attempted marks."""

from __future__ import annotations

from django.urls import reverse

from judge.results import Verdict
from problems.models import Problem
from submissions.models import Submission, SubmissionStatus
from tests.site.community_data import make_problems


def finished(user, problem, verdict):
    Submission.objects.create(
        user=user,
        problem_version=problem.versions.get(),
        code="-- x",
        status=SubmissionStatus.FINISHED,
        verdict=verdict,
    )


def titles(response) -> list[str]:
    return [p.title for p in response.context["page"].object_list]


def test_search_filters_and_sort(client, db, django_user_model):
    problems = make_problems(6)  # tags tag0..tag2 and difficulties easy/medium/hard in turn
    Problem.objects.filter(pk=problems[5].pk).update(imports=["Std"])
    solver = django_user_model.objects.create_user(username="solver")
    finished(solver, problems[4], Verdict.ACCEPTED)
    list_url = reverse("problem-list")
    assert titles(client.get(list_url, {"q": "0003"})) == ["Problem 0003"]
    assert titles(client.get(list_url, {"tag": "tag1"})) == ["Problem 0001", "Problem 0004"]
    assert titles(client.get(list_url, {"difficulty": "hard"})) == ["Problem 0002", "Problem 0005"]
    assert titles(client.get(list_url, {"profile": "Std"})) == ["Problem 0005"]
    assert len(titles(client.get(list_url, {"profile": "core"}))) == 5
    assert titles(client.get(list_url, {"sort": "solvers"}))[0] == "Problem 0004"
    assert titles(client.get(list_url, {"sort": "nonsense"}))[0] == "Problem 0000"  # unknown sort: by title


def test_solvers_acceptance_and_my_marks(signed_in, user, other_user, problem):
    finished(user, problem, Verdict.COMPILE_ERROR)
    finished(other_user, problem, Verdict.ACCEPTED)
    finished(other_user, problem, Verdict.ACCEPTED)
    response = signed_in.get(reverse("problem-list"))
    row = response.context["page"].object_list[0]
    assert (row.solver_count, row.accepted_count, row.attempt_count) == (1, 2, 3)
    html = response.content.decode()
    assert '<td class="num">1</td>' in html and '<td class="num">67%</td>' in html
    assert "mark-attempted" in html and "mark-solved" not in html
    finished(user, problem, Verdict.ACCEPTED)
    assert "mark-solved" in signed_in.get(reverse("problem-list")).content.decode()


def test_pages_of_fifty(client, db):
    make_problems(51)
    first = client.get(reverse("problem-list"))
    assert len(titles(first)) == 50 and 'rel="next"' in first.content.decode()
    assert titles(client.get(reverse("problem-list"), {"page": 2})) == ["Problem 0050"]
    assert len(titles(client.get(reverse("problem-list"), {"page": "junk"}))) == 50
