"""The authoring pages: preview saves nothing, propose, the report, the maintainers' actions."""

import pytest
from django.urls import reverse

from problems.models import Problem, ProblemStatus
from tests.problems.conftest import run_validations

pytestmark = pytest.mark.django_db(transaction=True)


def form_data(**overrides):
    data = {
        "slug": "solve-add-proposal",
        "title": "Solve an addition",
        "description": "Find **x**.\r\n<script>alert(1)</script>",
        "import_profile": "core",
        "preamble": "",
        "definitions": "def solveAdd (a b : Int) : Int\r\n",
        "theorems": "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b",
        "tests": "",
        "reference_solution": "def solveAdd (a b : Int) : Int :=\r\n  b - a\r\n",
        "difficulty": "easy",
        "tags": "arithmetic, intro",
        "licence": "CC0-1.0",
        "source": "",
    }
    return data | overrides


def test_preview_renders_page_and_template_and_saves_nothing(client, author):
    client.force_login(author)

    page = client.post(reverse("problem-propose"), form_data(preview="1")).content.decode()

    assert "Preview (not saved)" in page
    assert "<strong>x</strong>" in page and "<script>alert(1)</script>" not in page
    assert "def solveAdd (a b : Int) : Int :=\n  sorry" in page
    assert not Problem.objects.exists()


def test_propose_then_see_the_report(client, author, validations_sent, judge_double):
    client.force_login(author)

    response = client.post(reverse("problem-propose"), form_data(save="1"))

    assert response.status_code == 302
    problem = Problem.objects.get()
    assert problem.tags == ["arithmetic", "intro"] and "\r" not in problem.reference_solution
    run_validations(validations_sent)
    page = client.get(response.url).content.decode()
    assert 'data-status="passed"' in page
    assert "reference_solution" in page and "Publish" not in page  # the author is not a maintainer


def test_form_errors_are_shown_and_nothing_stored(client, author, validations_sent):
    client.force_login(author)

    response = client.post(reverse("problem-propose"), form_data(save="1", theorems="lemma x : True"))

    assert response.status_code == 400
    assert "each theorem must start with" in response.content.decode()
    assert not Problem.objects.exists()


def test_maintainer_publishes_from_the_proposal_page(client, author, maintainer, validations_sent, judge_double):
    client.force_login(author)
    client.post(reverse("problem-propose"), form_data(save="1"))
    run_validations(validations_sent)
    client.force_login(maintainer)

    queue = client.get(reverse("problem-moderation")).content.decode()
    client.post(reverse("problem-moderate", args=["solve-add-proposal", "publish"]))

    assert "solve-add-proposal" in queue and "Passed" in queue
    assert Problem.objects.get().status == ProblemStatus.PUBLISHED
    assert client.get(reverse("problem-detail", args=["solve-add-proposal"])).status_code == 200


def test_only_maintainers_moderate(client, author, validations_sent, judge_double):
    client.force_login(author)
    client.post(reverse("problem-propose"), form_data(save="1"))
    run_validations(validations_sent)

    response = client.post(reverse("problem-moderate", args=["solve-add-proposal", "publish"]))

    assert response.status_code == 403  # told the page is for the staff, not shown a sign-in form
    assert Problem.objects.get().status == ProblemStatus.DRAFT
    assert client.get(reverse("problem-moderation")).status_code == 403


def test_a_draft_is_hidden_from_others(client, author, django_user_model, validations_sent):
    client.force_login(author)
    client.post(reverse("problem-propose"), form_data(save="1"))
    client.force_login(django_user_model.objects.create_user(username="eve", password="eve-pass-123"))

    assert client.get(reverse("problem-proposal", args=["solve-add-proposal"])).status_code == 404
    assert client.get(reverse("problem-detail", args=["solve-add-proposal"])).status_code == 404


def test_author_edits_a_draft_and_a_new_validation_is_queued(client, author, validations_sent, django_user_model):
    client.force_login(author)
    client.post(reverse("problem-propose"), form_data(save="1"))
    url = reverse("problem-edit", args=["solve-add-proposal"])

    client.post(url, form_data(save="1", description="A clearer description."))
    assert len(validations_sent) == 1  # the description is not what validation vouches for

    response = client.post(
        url,
        form_data(
            save="1",
            description="A clearer description.",
            reference_solution="def solveAdd (a b : Int) : Int := b - a",
        ),
    )

    assert response.status_code == 302
    problem = Problem.objects.get()
    assert problem.description == "A clearer description."
    assert problem.changes.filter(action="edited", user=author).count() == 2
    assert problem.validations.count() == 2 and len(validations_sent) == 2
    client.force_login(django_user_model.objects.create_user(username="eve", password="eve-pass-123"))
    assert client.post(url, form_data(save="1", title="Mine now")).status_code == 404


def test_the_proposal_form_offers_the_fixed_difficulties_and_refuses_others():
    from problems.forms import ProblemForm

    field = ProblemForm().fields["difficulty"]
    assert [value for value, _ in field.choices] == ["", "easy", "medium", "hard"]
    form = ProblemForm(data={"difficulty": "Very hard"})
    form.is_valid()
    assert "difficulty" in form.errors
