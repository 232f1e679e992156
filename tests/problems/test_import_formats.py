"""Each importer on fixtures of our own written in its format, every listed quirk reported."""

import shutil

import pytest
from django.core.management import call_command

from problems.importers import arena as arena_reader
from problems.importers import clever, codeproof, seed, verina
from problems.models import Problem, ProblemStatus
from problems.services import problems_import
from tests.problems.conftest import FIXTURES

pytestmark = pytest.mark.django_db(transaction=True)
SAMPLE = FIXTURES / "codeproof-layout-sample.jsonl"  # our own five problems in the upstream layout


def quirks_of(report, slug):
    return [text for _origin, s, text in report.quirks if s == slug]


def test_arena_jsonl_imports_drafts_with_profiles(validations_sent):
    report = problems_import(read=arena_reader.read(FIXTURES / "arena.jsonl"))

    assert sorted(report.created) == ["double-it", "list-head"]
    double = Problem.objects.get(slug="double-it")
    assert (double.status, double.import_profile, double.licence) == (ProblemStatus.DRAFT, "core", "CC0-1.0")
    head = Problem.objects.get(slug="list-head")
    assert (head.import_profile, head.upstream_id, head.lean_version) == ("std", "ours-2", "leanprover/lean4:v4.28.0")
    assert len(validations_sent) == 2


def test_codeproof_reports_every_quirk(validations_sent):
    read = codeproof.read(FIXTURES / "codeproof_quirks.jsonl", solutions=FIXTURES / "codeproof_solutions.lean")
    report = problems_import(read=read)

    assert report.created == ["codeproof-solve-add", "codeproof-is-zero", "codeproof-square", "codeproof-succ"]
    assert report.rejected == [
        (
            "line 3",
            "codeproof-clamp-ten",
            "no theorem (its spec is in the subtype return type): a problem needs at least one theorem to prove",
        )
    ]
    assert any("written as `def isZero_spec … : Prop`" in q for q in quirks_of(report, "codeproof-is-zero"))
    is_zero = Problem.objects.get(slug="codeproof-is-zero")
    assert is_zero.theorems == [
        {"name": "isZero_spec", "signature": "theorem isZero_spec (n : Nat) : isZero n = true ↔ n = 0"}
    ]
    assert any("helper definition 'timesSelf' moved" in q for q in quirks_of(report, "codeproof-square"))
    assert Problem.objects.get(slug="codeproof-square").preamble == "def timesSelf (n : Nat) : Nat := n * n"
    assert any("differs from the reference solution's" in q for q in quirks_of(report, "codeproof-succ"))
    assert quirks_of(report, "codeproof-solve-add") == []
    solve_add = Problem.objects.get(slug="codeproof-solve-add")
    assert (solve_add.imports, solve_add.import_profile) == (["Mathlib"], "mathlib")
    assert "do not redistribute" in solve_add.licence


def test_codeproof_shipped_sample_with_its_prop_def_quirk(validations_sent):
    report = problems_import(read=codeproof.read(SAMPLE))

    assert len(report.created) == 5 and not report.rejected
    assert [s for _o, s, _t in report.quirks] == ["codeproof-is-even"]


def test_seed_arena_property_def_and_tests(validations_sent):
    report = problems_import(read=seed.read(FIXTURES / "seed.jsonl"))

    assert report.created == ["seed-max-int", "seed-neg"]
    max_int = Problem.objects.get(slug="seed-max-int")
    assert max_int.preamble.startswith("def maxInt_prop (a b out : Int) : Prop")
    assert max_int.tests == [{"input": "3 5", "output": "5"}, {"input": "-1 -4", "output": "-1"}]
    assert len(Problem.objects.get(slug="seed-neg").theorems) == 2


def test_clever_fixture_helpers_references_and_marker_typos(validations_sent):
    report = problems_import(read=clever.read(FIXTURES / "clever"))

    assert report.created == ["clever-0", "clever-1"]
    assert report.rejected == [("problem_2.lean", "clever-2", "no `correctness_definition` block")]
    zero = Problem.objects.get(slug="clever-0")
    assert zero.preamble.startswith("def twice (n : Nat) : Nat := n + n\n\ndef problem_spec")
    assert "unused_helper" not in zero.preamble
    assert zero.definitions == ["def implementation (n: Nat) : Nat"]
    assert zero.theorems[0]["name"] == "correctness"
    assert "rfl" in zero.reference_solution
    assert zero.tests == [{"input": 2, "output": 4}, {"input": 0, "output": 0}]
    assert (zero.licence, zero.lean_version, zero.upstream_id) == (
        "MIT",
        "leanprover/lean4:v4.24.0",
        "human_eval/problem_0",
    )
    assert (zero.imports, zero.import_profile) == (["Mathlib", "Std.Data.HashMap"], "mathlib")
    one = Problem.objects.get(slug="clever-1")
    assert one.preamble.index("def twice") < one.preamble.index("def quad")  # a helper's helper comes along
    assert one.reference_solution == ""
    assert any("marker written '-- -- end_def problem_spec'" in q for q in quirks_of(report, "clever-1"))
    assert any("upstream proof is incomplete" in q for q in quirks_of(report, "clever-1"))


def test_clever_reads_the_installed_package():
    root = clever.installed_root()
    assert root is not None, "clever-bench is pinned in requirements.txt"

    read = clever.read(None)

    assert len(read.candidates) + len(read.rejections) == 161


def test_verina_task_folder(validations_sent):
    report = problems_import(read=verina.read(FIXTURES / "verina"))

    assert report.created == ["verina-add-one"]
    assert report.rejected[0][1:] == ("verina-broken", "task.lean: block 'code' is never closed")
    problem = Problem.objects.get(slug="verina-add-one")
    assert problem.definitions == ["def addOne (n : Nat) (h_precond : addOne_precond (n)) : Nat"]
    assert problem.theorems[0]["name"] == "addOne_spec_satisfied"
    assert problem.preamble.startswith("@[reducible, simp]\ndef addOne_precond (n : Nat) : Prop :=\n  True")
    assert "def addOne_postcond" in problem.preamble
    assert problem.reference_solution.startswith(
        "def addOne (n : Nat) (h_precond : addOne_precond (n)) : Nat :=\n  n + 1"
    )
    assert problem.tests == [{"input": {"n": 1}, "output": 2, "wrong_outputs": [1]}, {"input": {"n": 0}, "output": 1}]
    assert (problem.licence, problem.lean_version, problem.imports) == (
        "Apache-2.0",
        "leanprover/lean4:v4.23.0",
        ["Mathlib"],
    )
    assert problem.description.startswith("Add one to a natural number.")


@pytest.mark.parametrize(
    ("fmt", "path"),
    [
        ("arena", FIXTURES / "arena.jsonl"),
        ("codeproof", FIXTURES / "codeproof_quirks.jsonl"),
        ("seed", FIXTURES / "seed.jsonl"),
        ("clever", FIXTURES / "clever"),
        ("verina", FIXTURES / "verina"),
    ],
)
def test_second_import_changes_nothing(fmt, path, validations_sent, capsys):
    call_command("import_problems", "--format", fmt, str(path))
    first = Problem.objects.count()
    changes = sum(p.changes.count() for p in Problem.objects.all())
    sent = len(validations_sent)
    capsys.readouterr()

    call_command("import_problems", "--format", fmt, str(path))

    out = capsys.readouterr().out
    assert out.startswith(f"created 0, updated 0, unchanged {first},")
    assert Problem.objects.count() == first
    assert sum(p.changes.count() for p in Problem.objects.all()) == changes
    assert len(validations_sent) == sent


def test_changed_upstream_is_an_update(tmp_path, validations_sent):
    path = tmp_path / "set.jsonl"
    shutil.copy(FIXTURES / "arena.jsonl", path)
    problems_import(read=arena_reader.read(path))
    path.write_text(path.read_text().replace("Return `2 * n`.", "Return twice n."))

    report = problems_import(read=arena_reader.read(path))

    assert (report.updated, len(report.unchanged)) == (["double-it"], 1)
    change = Problem.objects.get(slug="double-it").changes.get(action="imported", note__startswith="updated")
    assert list(change.fields) == ["description"]
