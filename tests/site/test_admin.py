"""The maintainers' admin: pages render, and editing a statement freezes a new version."""

import json

import pytest
from django.urls import reverse

from submissions.services import submission_create, submission_judge
from tests.site.conftest import GOOD_CODE


@pytest.fixture
def judged(problem, user, enqueued, judge_double):
    submission = submission_create(user=user, problem=problem, code=GOOD_CODE)
    submission_judge(submission_id=submission.pk, worker="w")
    return submission


@pytest.mark.parametrize("name", ["problems_problem", "problems_problemversion", "submissions_submission"])
def test_changelists_render(admin_client, judged, name):
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_submission_page_shows_its_judgings(admin_client, judged):
    html = admin_client.get(reverse("admin:submissions_submission_change", args=[judged.pk])).content.decode()
    assert "ACCEPTED" in html and "Judge runs" in html


def problem_form(problem, **changes):
    data = {
        "slug": problem.slug,
        "title": problem.title,
        "description": problem.description,
        "imports": json.dumps(problem.imports),
        "preamble": problem.preamble,
        "definitions": json.dumps(problem.definitions),
        "theorems": json.dumps(problem.theorems),
        "reference_solution": problem.reference_solution,
        "tests": json.dumps(problem.tests),
        "difficulty": problem.difficulty,
        "tags": json.dumps(problem.tags),
        "licence": "",
        "source": "",
        "status": problem.status,
        "author": "",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "1",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
        "versions-0-id": str(problem.versions.get().pk),
        "versions-0-problem": str(problem.pk),
    }
    data.update(changes)
    return data


def test_editing_a_theorem_in_the_admin_makes_a_new_version(admin_client, problem):
    theorems = [{"name": "solveAdd_spec", "signature": "theorem solveAdd_spec (a b : Int) : solveAdd a b + a = b"}]
    url = reverse("admin:problems_problem_change", args=[problem.pk])
    response = admin_client.post(url, problem_form(problem, theorems=json.dumps(theorems)))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(problem.versions.values_list("number", flat=True)) == [2, 1]


def test_a_theorem_breaking_the_format_is_refused_in_the_admin(admin_client, problem):
    theorems = [{"name": "other", "signature": "theorem solveAdd_spec (a b : Int) : a = a"}]
    url = reverse("admin:problems_problem_change", args=[problem.pk])
    response = admin_client.post(url, problem_form(problem, theorems=json.dumps(theorems)))
    assert response.status_code == 200
    assert "disagrees with its signature" in response.content.decode()
    assert problem.versions.count() == 1


def test_submission_page_shows_code_monospace_and_the_result_in_sections(admin_client, judged):
    html = admin_client.get(reverse("admin:submissions_submission_change", args=[judged.pk])).content.decode()
    assert '<pre class="arena-admin-code">' in html and "   2</span>    b - a" in html  # indentation kept
    assert "<h4>Theorems</h4>" in html and "<code>solveAdd_spec</code>: proved" in html
