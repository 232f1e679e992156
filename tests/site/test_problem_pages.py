"""The problem list and the problem page with its statement and form."""

from django.urls import reverse

from problems.models import ProblemStatus
from submissions.models import Submission
from tests.site.conftest import GOOD_CODE


def test_problem_list_shows_published_problems_only(client, problem):
    html = client.get(reverse("problem-list")).content.decode()
    assert "Solve an addition" in html and problem.get_absolute_url() in html
    problem.status = ProblemStatus.DRAFT
    problem.save()
    assert "Solve an addition" not in client.get(reverse("problem-list")).content.decode()
    assert client.get(problem.get_absolute_url()).status_code == 404


def test_problem_page_has_statement_and_the_template_in_a_form(signed_in, problem):
    html = signed_in.get(problem.get_absolute_url()).content.decode()
    assert "<h1>Solve an addition</h1>" in html
    assert "<code>x</code>" in html  # the description's Markdown, rendered
    assert '<pre class="lean"><code>def solveAdd (a b : Int) : Int :=\n  sorry' in html
    assert '<textarea name="code"' in html and "theorem solveAdd_spec" in html
    assert '<label for="id_code">' in html


def test_description_html_is_sanitised(client, problem):
    problem.description = "Hi <script>alert(1)</script> <a href='javascript:alert(2)'>x</a>"
    problem.save()
    html = client.get(problem.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html and "javascript:alert" not in html


def test_anonymous_visitors_are_asked_to_sign_in(client, problem):
    assert "Sign in</a> to submit" in client.get(problem.get_absolute_url()).content.decode()
    response = client.post(reverse("submission-create", args=[problem.slug]), {"code": GOOD_CODE})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert Submission.objects.count() == 0
