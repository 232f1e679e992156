"""Publishing needs a passed validation of the current content; every change is recorded."""

import pytest
from django.core.exceptions import ValidationError

from problems.models import ProblemStatus
from problems.services import problem_edit, problem_propose, problem_publish, problem_retire
from tests.problems.conftest import run_validations

pytestmark = pytest.mark.django_db(transaction=True)


def test_cannot_publish_before_validation(author, maintainer, proposal_data, validations_sent):
    problem = problem_propose(author=author, data=proposal_data)

    with pytest.raises(ValidationError, match="validation is queued"):
        problem_publish(problem=problem, user=maintainer)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.DRAFT


def test_cannot_publish_a_failed_validation(author, maintainer, proposal_data, validations_sent, judge_double):
    proposal_data["reference_solution"] += "-- oops"
    problem = problem_propose(author=author, data=proposal_data)
    run_validations(validations_sent)

    with pytest.raises(ValidationError, match="validation is failed"):
        problem_publish(problem=problem, user=maintainer)


def test_publish_after_validation_freezes_a_version(author, maintainer, proposal_data, validations_sent, judge_double):
    problem = problem_propose(author=author, data=proposal_data)
    run_validations(validations_sent)

    problem_publish(problem=problem, user=maintainer)

    problem.refresh_from_db()
    assert problem.status == ProblemStatus.PUBLISHED
    assert problem.versions.count() == 1
    assert [c.action for c in problem.changes.order_by("pk")] == ["proposed", "validated", "published"]
    assert problem.changes.get(action="published").user == maintainer


def test_an_edit_makes_the_validation_stale(author, maintainer, proposal_data, validations_sent, judge_double):
    problem = problem_propose(author=author, data=proposal_data)
    run_validations(validations_sent)

    problem_edit(
        problem=problem, user=maintainer, data={"reference_solution": proposal_data["reference_solution"] + "\n"}
    )

    with pytest.raises(ValidationError):
        problem_publish(problem=problem, user=maintainer)
    edit = problem.changes.get(action="edited")
    assert edit.user == maintainer and list(edit.fields) == ["reference_solution"]
    assert len(validations_sent) == 1  # a new validation was requested


def test_statement_change_of_a_published_problem_makes_a_new_version(
    author, maintainer, proposal_data, validations_sent, judge_double
):
    problem = problem_propose(author=author, data=proposal_data)
    run_validations(validations_sent)
    problem_publish(problem=problem, user=maintainer)

    problem_edit(problem=problem, user=maintainer, data={"title": "A new title"})
    assert problem.versions.count() == 1
    problem_edit(problem=problem, user=maintainer, data={"preamble": "def helper (n : Nat) : Nat := n"})

    assert problem.versions.count() == 2


def test_retire_is_recorded(author, maintainer, proposal_data, validations_sent):
    problem = problem_propose(author=author, data=proposal_data)

    problem_retire(problem=problem, user=maintainer, note="duplicate of solve-add")

    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RETIRED
    change = problem.changes.get(action="retired")
    assert (change.user, change.note) == (maintainer, "duplicate of solve-add")
