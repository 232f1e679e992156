"""Issue 32, item 11 (in part): a filter for a tag or difficulty no problem has shows what was
asked, not "any" over an empty list; a proposed problem credits its proposer on its page."""

from __future__ import annotations

from django.urls import reverse

from problems.models import Problem


def test_an_unknown_tag_or_difficulty_is_shown_as_asked(client, problem):
    html = client.get(reverse("problem-list") + "?tag=nosuch&difficulty=legendary").content.decode()
    assert '<option value="nosuch" selected>nosuch (no problem has it)</option>' in html
    assert '<option value="legendary" selected>legendary (no problem has it)</option>' in html
    assert "No problem matches." in html


def test_the_proposer_is_credited_on_the_problem_page(client, problem, other_user):
    assert "Proposed by" not in client.get(problem.get_absolute_url()).content.decode()
    Problem.objects.filter(pk=problem.pk).update(author=other_user)
    html = client.get(problem.get_absolute_url()).content.decode()
    assert f'Proposed by <a href="{reverse("profile", args=[other_user.username])}">bob</a>' in html
