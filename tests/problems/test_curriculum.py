"""The curriculum (problems/curriculum): its files, loading it, the level on the site (list
order and filter, the problem page's next problem), the difficulty choice's migration, the card.
The real-judge checks of the corpus are tests/judge/test_curriculum_corpus_lean.py and
benchmarks/curriculum.py."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from accounts.licence import site_licence
from dumps.card import render_card
from judge.problem_format import InvalidProblem, ProblemSpec, load_problem_set
from judge.results import Verdict
from problems.curriculum import LEVELS, level_file, load_curriculum, parse_problem
from problems.models import Problem
from problems.services import problem_upsert_from_spec
from submissions.models import Submission, SubmissionStatus
from tests.site.community_data import make_problems

CURRICULUM = load_curriculum()
SAMPLES = load_problem_set(open(settings.ARENA_SAMPLE_PROBLEMS, encoding="utf-8").read())


def test_every_level_has_at_least_five_problems_each_complete():
    per_level = {level: [p for p in CURRICULUM if p.level == level] for level in LEVELS}
    assert all(len(problems) >= 5 for problems in per_level.values()), {n: len(p) for n, p in per_level.items()}
    for problem in CURRICULUM:
        assert problem.spec.description and problem.spec.reference_solution and problem.notes, problem.spec.slug
        assert problem.spec.licence == "CC-BY-4.0" and problem.spec.difficulty in ("easy", "medium", "hard")
        assert problem.wrong_implementations, problem.spec.slug
        if problem.level <= 4:  # the issue: a uniqueness theorem for every problem of levels 1-4
            assert problem.uniqueness, f"{problem.spec.slug} has no uniqueness theorem"
        elif not problem.uniqueness:
            assert "determined" in problem.notes, f"{problem.spec.slug}: the notes must say why there is none"


def test_the_samples_keep_their_slugs_and_statements():
    by_slug = {p.spec.slug: p for p in CURRICULUM}
    for sample in SAMPLES:
        ours = by_slug[sample.slug]
        assert ours.level in (1, 2, 3, 4)
        assert ours.spec.statement_fingerprint == sample.statement_fingerprint
        assert ours.spec.reference_solution == sample.reference_solution


def test_no_two_problems_share_a_statement():
    fingerprints = [p.spec.statement_fingerprint for p in CURRICULUM]
    assert len(set(fingerprints)) == len(fingerprints)
    signatures = [tuple(t.signature for t in p.spec.theorems) for p in CURRICULUM]
    assert len(set(signatures)) == len(signatures)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"level": 9}, "level must be"),
        ({"wrong_implementations": []}, "wrong implementation"),
        ({"wrong_implementations": [{"code": "def f := 1", "expect": "MAYBE", "why": "?"}]}, "expect must be"),
        ({"uniqueness": [{"name": "x"}]}, "string fields"),
        ({"reference_solution": None}, "reference solution"),
    ],
)
def test_a_bad_curriculum_line_is_refused_with_the_reason(change, message):
    line = json.loads(level_file(1).read_text(encoding="utf-8").splitlines()[0])
    line.update(change)
    with pytest.raises(InvalidProblem, match=message):
        parse_problem(line, level=1)


def test_load_curriculum_publishes_every_problem_with_its_level_idempotently(db):
    call_command("load_curriculum")
    assert Problem.objects.filter(status="published").count() == len(CURRICULUM)
    assert dict(Problem.objects.values_list("slug", "level")) == {p.spec.slug: p.level for p in CURRICULUM}
    versions = sum(p.versions.count() for p in Problem.objects.all())
    call_command("load_curriculum")
    assert sum(p.versions.count() for p in Problem.objects.all()) == versions


def titles(response) -> list[str]:
    return [p.title for p in response.context["page"].object_list]


def test_the_list_orders_by_level_and_filters_by_it(client, db):
    others = make_problems(2)  # outside the curriculum: no level, listed last
    for number, (level, title) in enumerate([(2, "A two"), (1, "B one"), (1, "A one"), (3, "A three")]):
        spec = ProblemSpec.from_dict(
            {
                "slug": f"c-{number}",
                "title": title,
                "definitions": ["def f (n : Nat) : Nat"],
                "theorems": [{"name": "f_spec", "signature": f"theorem f_spec (n : Nat) : f n = n + {number}"}],
            }
        )
        problem_upsert_from_spec(spec=spec, level=level)
    url = reverse("problem-list")
    listed = titles(client.get(url))
    assert listed == ["A one", "B one", "A two", "A three", others[0].title, others[1].title]
    assert titles(client.get(url, {"level": "1"})) == ["A one", "B one"]
    assert titles(client.get(url, {"level": "9"})) == listed  # not a level: no filter
    assert titles(client.get(url, {"level": "1", "sort": "title"})) == ["A one", "B one"]
    html = client.get(url).content.decode()
    assert '<option value="8">8. Dynamic programming and divide-and-conquer</option>' in html
    assert '<a href="?level=3" title="3. Recursion on Nat">3</a>' in html


def test_the_next_unsolved_problem_of_the_level(client, db, django_user_model):
    call_command("load_curriculum")
    level_1 = list(Problem.objects.filter(level=1).order_by("title", "slug"))
    first, second, third = level_1[0], level_1[1], level_1[2]
    page = client.get(first.get_absolute_url())
    assert page.context["next_problem"] == second
    assert f'href="{second.get_absolute_url()}"' in page.content.decode()
    # the last one wraps around to the level's first
    assert client.get(level_1[-1].get_absolute_url()).context["next_problem"] == first

    solver = django_user_model.objects.create_user(username="solver")
    Submission.objects.create(
        user=solver,
        problem_version=second.versions.get(),
        code="-- x",
        status=SubmissionStatus.FINISHED,
        verdict=Verdict.ACCEPTED,
    )
    client.force_login(solver)
    assert client.get(first.get_absolute_url()).context["next_problem"] == third  # solved ones skipped

    loner = make_problems(1)[0]  # outside the curriculum: no link
    assert client.get(loner.get_absolute_url()).context["next_problem"] is None


def test_the_migration_makes_every_difficulty_a_choice_and_loses_nothing(db):
    migration = importlib.import_module("problems.migrations.0004_curriculum_level_difficulty_choices")
    easy, expert, blank = make_problems(3)
    Problem.objects.filter(pk=easy.pk).update(difficulty=" Easy")
    Problem.objects.filter(pk=expert.pk).update(difficulty="expert", tags=["x"])
    Problem.objects.filter(pk=blank.pk).update(difficulty="")
    migration.difficulties_to_choices(apps, None)
    assert dict(Problem.objects.values_list("pk", "difficulty")) == {easy.pk: "easy", expert.pk: "", blank.pk: ""}
    assert Problem.objects.get(pk=expert.pk).tags == ["x", "difficulty:expert"]


def test_the_card_describes_the_curriculum(db):
    card = render_card(
        name="t", counts={}, licence=site_licence(), checker_version="c", now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert "## The curriculum" in card and "Arena curriculum" in card
    assert "8. dynamic programming and divide-and-conquer" in card
