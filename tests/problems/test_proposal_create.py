"""A proposal is stored as a draft, its validation queued on its profile's queue after commit."""

import pytest
from django.core.exceptions import ValidationError

from problems.models import Problem, ProblemChange, ProblemStatus, ProblemValidation
from problems.services import problem_propose

pytestmark = pytest.mark.django_db(transaction=True)


def test_proposal_is_a_draft_with_a_queued_validation(author, proposal_data, validations_sent):
    problem = problem_propose(author=author, data=proposal_data)

    assert problem.status == ProblemStatus.DRAFT
    assert problem.author == author
    validation = ProblemValidation.objects.get(problem=problem)
    assert validation.status == "queued"
    assert validation.subject_fingerprint == problem.subject_fingerprint
    assert validations_sent == [(validation.pk, "judge")]
    assert list(ProblemChange.objects.filter(problem=problem).values_list("action", flat=True)) == ["proposed"]


def test_crlf_from_browsers_is_stored_as_lf(author, proposal_data, validations_sent):
    proposal_data["preamble"] = "def helper (n : Nat) : Nat :=\r\n  n\r\n"
    proposal_data["reference_solution"] = proposal_data["reference_solution"].replace("\n", "\r\n")

    problem = problem_propose(author=author, data=proposal_data)

    assert "\r" not in problem.preamble + problem.reference_solution


def test_user_proposal_gets_its_profile_modules_and_no_others(author, proposal_data, validations_sent):
    proposal_data["import_profile"] = "std"

    problem = problem_propose(author=author, data=proposal_data)

    assert problem.imports == ["Std"]
    assert validations_sent[0][1] == "judge"


def test_import_lean_is_refused_for_a_user(author, proposal_data, validations_sent):
    proposal_data["imports"] = ["Lean"]

    with pytest.raises(ValidationError, match="imports Lean go beyond the import profile .core."):
        problem_propose(author=author, data=proposal_data)
    assert not Problem.objects.exists()


def test_mathlib_proposal_waits_on_the_mathlib_queue(author, proposal_data, validations_sent):
    proposal_data["import_profile"] = "mathlib"

    problem_propose(author=author, data=proposal_data)

    assert validations_sent[0][1] == "judge-mathlib"
