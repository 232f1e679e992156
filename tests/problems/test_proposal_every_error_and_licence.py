"""Issue 32, item 11: the proposal form names every defect in one round (the form's own and the
problem format's), and its licence is a fixed choice of what a dataset dump may carry."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from judge.problem_format import InvalidProblem, ProblemSpec
from problems.models import Problem
from tests.problems.test_authoring_pages import form_data

pytestmark = pytest.mark.django_db(transaction=True)

MANY_DEFECTS = {
    "definitions": "def solveAdd (a b : Int) : Int := b - a\r\nnot a header",
    "theorems": "lemma wrong : True\r\n\r\ntheorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by simp",
    "preamble": "set_option maxHeartbeats 0",
    "tests": "[1,",
}


def test_the_problem_format_names_every_defect_not_the_first():
    with pytest.raises(InvalidProblem) as raised:
        ProblemSpec.from_dict(
            {
                "slug": "Bad Slug",
                "title": "",
                "imports": ["not a module"],
                "definitions": ["def f (n : Nat) : Nat := n", "def f (n : Nat) : Nat"],
                "theorems": [{"name": "t", "signature": "theorem u : True"}],
                "tags": "one",
            }
        )
    assert raised.value.messages == [
        "slug 'Bad Slug' must be lowercase letters, digits and dashes",
        "field 'title' must not be empty",
        "import 'not a module' is not a module name",
        "definition header 'def f (n : Nat) : Nat := n' must not have a body",
        "theorem name 't' disagrees with its signature ('u')",
        "field 'tags' must be a list of strings",
    ]
    assert str(raised.value) == "; ".join(raised.value.messages)


def test_a_preview_shows_every_error_at_once(client, author):
    client.force_login(author)

    response = client.post(reverse("problem-propose"), form_data(preview="1", **MANY_DEFECTS))

    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    for message in [
        "not valid JSON",  # the tests field, the form's own check
        "each theorem must start with 'theorem NAME': 'lemma wrong : True'",
        "definition header 'def solveAdd (a b : Int) : Int := b - a' must not have a body",
        "definition 'not a header' must start with 'def <name>'",
        "signature of 'solveAdd_spec' must not have a proof",
        "the preamble sets an option a problem may not",
    ]:
        assert message in page, message
    assert "theorems must be a non-empty list" not in page and not Problem.objects.exists()


def test_a_valid_form_still_lists_every_problem_format_defect(client, author):
    client.force_login(author)
    defects = {key: value for key, value in MANY_DEFECTS.items() if key != "tests"}
    defects["theorems"] = defects["theorems"].replace("lemma wrong", "theorem wrong")

    page = html.unescape(client.post(reverse("problem-propose"), form_data(preview="1", **defects)).content.decode())

    assert page.count("must not have a body") == 1 and "must not have a proof" in page
    assert "must start with 'def <name>'" in page and "sets an option a problem may not" in page
    assert "Preview (not saved)" not in page


def test_the_licence_is_a_choice_of_what_a_dump_may_carry(client, author, settings):
    settings.ARENA_DATASET_PROBLEM_LICENCES = [settings.ARENA_LICENCE_ID, "CC0-1.0", "MIT"]
    client.force_login(author)

    page = client.get(reverse("problem-propose")).content.decode()
    refused = client.post(reverse("problem-propose"), form_data(preview="1", licence="whatever I like"))

    assert '<select name="licence"' in page
    assert f'<option value="{settings.ARENA_LICENCE_ID}" selected>' in page  # the site's, by default
    assert '<option value="CC0-1.0">CC0-1.0</option>' in page and '<option value="MIT">MIT</option>' in page
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()


def test_an_imported_problems_own_licence_stays_on_its_edit_page(client, author, maintainer):
    client.force_login(author)
    client.post(reverse("problem-propose"), form_data(save="1"))
    Problem.objects.update(licence="research only, do not redistribute")
    client.force_login(maintainer)

    page = client.get(reverse("problem-edit", args=["solve-add-proposal"])).content.decode()
    saved = client.post(
        reverse("problem-edit", args=["solve-add-proposal"]),
        form_data(save="1", licence="research only, do not redistribute"),
    )

    assert "research only, do not redistribute (as imported; dumps leave it out)" in page
    assert saved.status_code == 302 and Problem.objects.get().licence == "research only, do not redistribute"
