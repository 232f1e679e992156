"""Every list page makes as many queries with 200 problems and 1,000 submissions as with 20 and
100: no query per row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from problems.models import Problem
from submissions.models import Submission
from tests.site.community_data import make_problems, make_submissions

PAGES = [
    reverse("problem-list"),
    reverse("problem-list") + "?sort=solvers&tag=tag1",
    reverse("leaderboards"),
    reverse("recent-submissions"),
    reverse("my-submissions"),
    reverse("profile", args=["user0"]),
    reverse("problem-solutions", args=["p-0000"]),
]


def queries_per_page(client) -> dict[str, int]:
    counts = {}
    for url in PAGES:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        counts[url] = len(captured)
    return counts


@pytest.fixture
def community(db, django_user_model, client):
    users = [django_user_model.objects.create_user(username=f"user{i}", password="x") for i in range(10)]
    client.force_login(users[0])

    made_so_far = []

    def grow(problems: int, submissions: int) -> dict[str, int]:
        made = make_problems(problems, start=len(made_so_far))
        made_so_far.extend(made)
        make_submissions(problems=made, users=users, count=submissions)
        return queries_per_page(client)

    return grow


def test_list_pages_make_a_bounded_number_of_queries(community, django_user_model):
    small = community(20, 100)
    large = community(180, 900)  # 200 problems and 1,000 submissions in all
    assert Problem.objects.count() == 200 and Submission.objects.count() == 1000
    assert large == small
