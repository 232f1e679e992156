"""Hostile or broken input: a clear error, nothing stored."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from problems.models import Problem, ProblemChange, ProblemValidation
from problems.services import problem_propose
from tests.problems.conftest import FIXTURES

pytestmark = pytest.mark.django_db(transaction=True)


def nothing_stored():
    return (
        not Problem.objects.exists() and not ProblemValidation.objects.exists() and not ProblemChange.objects.exists()
    )


def test_malformed_file_is_refused_whole(tmp_path, validations_sent):
    path = tmp_path / "set.jsonl"
    path.write_text((FIXTURES / "arena.jsonl").read_text() + '{"slug": "half", "title": \n')

    with pytest.raises(CommandError, match=r"line 3: not valid JSON .* \(nothing imported\)"):
        call_command("import_problems", "--format", "arena", str(path))
    assert nothing_stored()


def test_file_that_is_not_utf8_is_refused(tmp_path, validations_sent):
    path = tmp_path / "set.jsonl"
    path.write_bytes(b'{"slug": "\xff"}\n')

    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_problems", "--format", "codeproof", str(path))
    assert nothing_stored()


def test_duplicate_slug_in_a_set_imports_nothing(tmp_path, validations_sent):
    line = (FIXTURES / "arena.jsonl").read_text().splitlines()[0]
    path = tmp_path / "set.jsonl"
    path.write_text(line + "\n" + line.replace("Double a number", "Twice") + "\n")

    with pytest.raises(CommandError, match="duplicate slug 'double-it': line 1 and line 2; nothing imported"):
        call_command("import_problems", "--format", "arena", str(path))
    assert nothing_stored()


def test_proposal_with_a_taken_slug_is_refused(author, proposal_data, validations_sent):
    problem_propose(author=author, data=dict(proposal_data))

    with pytest.raises(ValidationError, match="a problem with the slug 'solve-add-proposal' already exists"):
        problem_propose(author=author, data=proposal_data | {"title": "Another"})
    assert Problem.objects.count() == 1 and ProblemValidation.objects.count() == 1


def test_ten_megabyte_description_is_refused(author, proposal_data, validations_sent):
    with pytest.raises(ValidationError, match=r"the description is 10,485,760 bytes; the limit is 65,536"):
        problem_propose(author=author, data=proposal_data | {"description": "x" * (10 * 1024 * 1024)})
    assert nothing_stored()


@pytest.mark.parametrize("name", ["2fast", "has space", "semi;colon", "x := y"])
def test_theorem_name_that_is_not_a_lean_identifier(author, proposal_data, validations_sent, name):
    proposal_data["theorems"] = [{"name": name, "signature": f"theorem {name} : True"}]

    with pytest.raises(ValidationError, match="is not a Lean identifier"):
        problem_propose(author=author, data=proposal_data)
    assert nothing_stored()


def test_ten_megabyte_description_in_an_import_is_a_rejection(tmp_path, validations_sent, capsys):
    row = json.loads((FIXTURES / "arena.jsonl").read_text().splitlines()[0])
    row["description"] = "y" * (10 * 1024 * 1024)
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(row) + "\n")

    call_command("import_problems", "--format", "arena", str(path))

    assert "REJECTED line 1 double-it: the description is 10,485,760 bytes" in capsys.readouterr().out
    assert nothing_stored()


def test_reserved_slug_is_refused(author, proposal_data, validations_sent):
    with pytest.raises(ValidationError, match="reserved"):
        problem_propose(author=author, data=proposal_data | {"slug": "moderation"})
    assert nothing_stored()
