"""A bot's solve is the bot's (issue 32, item 3): when only a user's bot solved a problem, the
user's list, problem page, solutions, profile count and the API's solved filter say unsolved;
the profile lists it under the bots; the bots' board ranks models, each with its owner."""

from __future__ import annotations

import re

from django.urls import reverse

from bots.services import token_create
from judge.results import Verdict
from submissions.models import AuthorKind, Submission, SubmissionStatus
from submissions.selectors import leaderboard
from tests.api.conftest import client_for


def accepted(user, problem, kind=AuthorKind.HUMAN, model_name=""):
    return Submission.objects.create(
        user=user,
        problem_version=problem.versions.get(),
        code="-- x",
        status=SubmissionStatus.FINISHED,
        verdict=Verdict.ACCEPTED,
        author_kind=kind,
        model_name=model_name,
    )


def test_only_my_bot_solved_it(signed_in, user, other_user, problem):
    accepted(user, problem, AuthorKind.MACHINE, "prover-7b")
    theirs = accepted(other_user, problem)

    listing = signed_in.get(reverse("problem-list")).content.decode()
    assert "mark-solved" not in listing
    page = signed_in.get(problem.get_absolute_url()).content.decode()
    assert 'verdict-accepted">Solved' not in page and "Others' solutions" not in page
    assert signed_in.get(theirs.get_absolute_url()).status_code == 403  # not opened by the bot's solve
    profile = signed_in.get(reverse("profile", args=[user.username])).content.decode()
    assert re.search(r"0 problems solved by you", profile)
    assert "Solved by your bots" in profile and "prover-7b (1)" in profile

    me = client_for(token_create(user=user, name="me").key)
    bot = client_for(token_create(user=user, name="b", is_machine=True, model_name="prover-7b").key)
    other_model = client_for(token_create(user=user, name="c", is_machine=True, model_name="prover-8b").key)

    def slugs(client, solved: str) -> list[str]:
        return [p["slug"] for p in client.get(f"/api/v1/problems/?solved={solved}").json()["results"]]

    assert slugs(me, "true") == [] and slugs(me, "false") == [problem.slug]
    assert slugs(bot, "true") == [problem.slug]
    assert slugs(other_model, "true") == []


def test_my_own_solve_counts_and_opens(signed_in, user, other_user, problem):
    accepted(user, problem)
    theirs = accepted(other_user, problem)
    assert "mark-solved" in signed_in.get(reverse("problem-list")).content.decode()
    assert signed_in.get(theirs.get_absolute_url()).status_code == 200


def test_the_bots_board_ranks_models_with_their_owner(client, user, other_user, problem):
    accepted(user, problem, AuthorKind.MACHINE, "prover-7b")
    accepted(user, problem, AuthorKind.MACHINE, "prover-8b")
    accepted(other_user, problem)
    bots = leaderboard(author_kind=AuthorKind.MACHINE)
    assert [(r.model_name, r.username, r.solved) for r in bots] == [
        ("prover-7b", "alice", 1),
        ("prover-8b", "alice", 1),
    ]
    humans = leaderboard(author_kind=AuthorKind.HUMAN)
    assert [(r.username, r.solved) for r in humans] == [("bob", 1)]
    html = client.get(reverse("leaderboards")).content.decode()
    assert html.count('class="model-name">prover-') == 2
