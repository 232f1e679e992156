"""Problem versions: a statement change makes a new one; submissions keep theirs."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from judge.problem_format import ProblemSpec
from problems.models import Problem, ProblemStatus, ProblemVersion
from problems.services import problem_save, problem_upsert_from_spec
from submissions.services import submission_create
from tests.site.conftest import GOOD_CODE, SOLVE_ADD


def test_publishing_freezes_version_1_with_the_fingerprint(problem):
    version = problem.versions.get()
    assert version.number == 1
    assert version.fingerprint == ProblemSpec.from_dict(SOLVE_ADD).statement_fingerprint
    assert version.to_spec().template() == problem.to_spec().template()


def test_title_and_description_changes_keep_the_version(problem):
    problem.title = "Another title"
    problem.description = "New words."
    problem_save(problem=problem)
    assert problem.versions.count() == 1


@pytest.mark.parametrize(
    "field, value",
    [
        ("imports", ["Std"]),
        ("preamble", "def helper : Nat := 1"),
        ("definitions", ["def solveAdd (a b : Int) : Int", "def extra (n : Nat) : Nat"]),
        (
            "theorems",
            [
                {
                    "name": "solveAdd_spec",
                    "signature": "theorem solveAdd_spec (a b : Int) : solveAdd a b + a = b",
                }
            ],
        ),
    ],
)
def test_a_statement_change_makes_a_new_version(problem, user, enqueued, field, value):
    old = submission_create(user=user, problem=problem, code=GOOD_CODE)
    setattr(problem, field, value)
    problem_save(problem=problem)
    assert list(problem.versions.values_list("number", flat=True)) == [2, 1]
    new = submission_create(user=user, problem=problem, code=GOOD_CODE)
    old.refresh_from_db()
    assert old.problem_version.number == 1
    assert new.problem_version.number == 2
    assert getattr(new.problem_version, field) == value


def test_drafts_have_no_version_until_published(db):
    spec = ProblemSpec.from_dict(SOLVE_ADD)
    problem = problem_upsert_from_spec(spec=spec, status=ProblemStatus.DRAFT).problem
    assert problem.versions.count() == 0
    problem.status = ProblemStatus.PUBLISHED
    problem_save(problem=problem)
    assert problem.versions.count() == 1


def test_a_problem_breaking_the_format_is_refused(problem):
    problem.theorems = [{"name": "wrong_name", "signature": "theorem other (n : Nat) : n = n"}]
    with pytest.raises(ValidationError, match="disagrees with its signature"):
        problem_save(problem=problem)
    assert problem.versions.count() == 1


def test_load_sample_problems_is_idempotent(db, tmp_path):
    path = tmp_path / "problems.jsonl"
    path.write_text(json.dumps(SOLVE_ADD) + "\n")
    call_command("load_sample_problems", str(path))
    call_command("load_sample_problems", str(path))
    assert Problem.objects.get().status == ProblemStatus.PUBLISHED
    assert ProblemVersion.objects.count() == 1

    changed = dict(SOLVE_ADD, preamble="def helper : Nat := 1")
    path.write_text(json.dumps(changed) + "\n")
    call_command("load_sample_problems", str(path))
    assert ProblemVersion.objects.count() == 2


def test_the_shipped_sample_problems_load(db, settings):
    call_command("load_sample_problems", settings.ARENA_SAMPLE_PROBLEMS)
    assert Problem.objects.filter(slug="solve-add", status=ProblemStatus.PUBLISHED).exists()


def test_reloading_the_samples_keeps_a_maintainers_retirement(db, tmp_path):
    path = tmp_path / "problems.jsonl"
    path.write_text(json.dumps(SOLVE_ADD) + "\n")
    call_command("load_sample_problems", str(path))
    Problem.objects.filter(slug="solve-add").update(status=ProblemStatus.RETIRED)
    call_command("load_sample_problems", str(path))
    assert Problem.objects.get().status == ProblemStatus.RETIRED
