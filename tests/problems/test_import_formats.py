"""Each importer on fixtures of our own written in the real shapes of its format: every part of
a row lands in the problem or is reported, with the row's upstream name."""

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from judge.problem_format import ProblemSpec
from problems.importers import arena as arena_reader
from problems.importers import clever, codeproof, seed, verina
from problems.models import Problem, ProblemStatus
from problems.services import problem_upsert_from_spec, problems_import
from tests.problems.conftest import FIXTURES
from tests.site.conftest import SOLVE_ADD

pytestmark = pytest.mark.django_db(transaction=True)


def quirks_of(report, slug):
    return [text for _origin, s, text in report.quirks if s == slug]


# --- the Arena's own format, and its dumps ---------------------------------------------------


def test_arena_jsonl_imports_drafts_with_profiles(validations_sent):
    report = problems_import(read=arena_reader.read(FIXTURES / "arena.jsonl"))

    assert sorted(report.created) == ["double-it", "list-head"]
    double = Problem.objects.get(slug="double-it")
    assert (double.status, double.import_profile, double.licence) == (ProblemStatus.DRAFT, "core", "CC0-1.0")
    head = Problem.objects.get(slug="list-head")
    assert (head.import_profile, head.upstream_id, head.lean_version) == ("std", "ours-2", "leanprover/lean4:v4.28.0")
    assert len(validations_sent) == 2


@pytest.fixture
def dumped(settings, tmp_path, validations_sent):
    """Two published problems (one with a preamble and a `let` in its statement), dumped by the
    site's own dump command; the path of the dump's problems.jsonl."""
    settings.ARENA_DATASET_DIR = str(tmp_path / "dumps")
    problem_upsert_from_spec(spec=ProblemSpec.from_dict(SOLVE_ADD | {"licence": "CC-BY-4.0"}))
    let_statement = {
        "slug": "halves",
        "title": "Halves",
        "description": "Split and sum.",
        "preamble": "def half (n : Nat) : Nat := n / 2",
        "definitions": ["def twoHalves (n : Nat) : Nat × Nat"],
        "theorems": [
            {
                "name": "twoHalves_spec",
                "signature": "theorem twoHalves_spec (n : Nat) :\n  let (a, b) := twoHalves n\n  a + b = n",
            }
        ],
        "tests": [{"input": "4", "output": "(2, 2)"}],
        "licence": "CC-BY-4.0",
        "tags": ["pairs"],
    }
    problem_upsert_from_spec(spec=ProblemSpec.from_dict(let_statement))
    call_command("export_dataset", stdout=open("/dev/null", "w"))  # noqa: SIM115
    (path,) = Path(settings.ARENA_DATASET_DIR).glob("*/problems.jsonl")
    return path


def test_a_dump_imports_back_unchanged(dumped, capsys):
    rows = [json.loads(line) for line in dumped.read_text().splitlines()]
    assert {"fingerprint", "template", "version", "published_at"} <= set(rows[0])

    call_command("import_problems", "--format", "arena", str(dumped))

    assert capsys.readouterr().out.startswith("created 0, updated 0, unchanged 2, rejected 0")
    halves = Problem.objects.get(slug="halves")
    assert halves.tests == [{"input": "4", "output": "(2, 2)"}]  # a dump carries no tests: kept


def test_a_dump_imported_under_a_prefix_then_again_is_unchanged(dumped, capsys):
    call_command("import_problems", "--format", "arena", "--prefix", "copy", str(dumped))
    assert capsys.readouterr().out.startswith("created 2, updated 0, unchanged 0, rejected 0")

    call_command("import_problems", "--format", "arena", "--prefix", "copy", str(dumped))

    assert capsys.readouterr().out.startswith("created 0, updated 0, unchanged 2, rejected 0")
    for row in map(json.loads, dumped.read_text().splitlines()):
        copy = Problem.objects.get(slug=f"copy-{row['slug']}")
        carried = {key: getattr(copy, key) for key in row if hasattr(copy, key) and key != "slug"}
        assert carried == {key: row[key] for key in carried}, row["slug"]
        assert copy.to_spec().template() == row["template"]
        assert copy.to_spec().statement_fingerprint == row["fingerprint"]
        assert copy.upstream_id == f"{row['slug']} v{row['version']} (published {row['published_at']})"


def test_an_altered_dump_row_is_refused(dumped, tmp_path):
    rows = [json.loads(line) for line in dumped.read_text().splitlines()]
    rows[0]["preamble"] = "def sneaky : Nat := 1"
    altered = tmp_path / "altered.jsonl"
    altered.write_text("".join(json.dumps(r) + "\n" for r in rows))

    report = problems_import(read=arena_reader.read(altered))

    assert report.rejected == [
        ("line 1", rows[0]["slug"], "its statement does not match its fingerprint (altered since the dump)")
    ]


# --- CodeProofBenchmark -----------------------------------------------------------------------


def test_codeproof_reads_each_form_and_reports_it(validations_sent):
    read = codeproof.read(FIXTURES / "codeproof_quirks.jsonl", solutions=FIXTURES / "codeproof_solutions.lean")
    report = problems_import(read=read)

    assert report.created == [
        "codeproof-solve-add",
        "codeproof-is-in",
        "codeproof-is-zero",
        "codeproof-halves-sum",
        "codeproof-succ",
    ]
    assert report.rejected == [
        (
            "clampTen",
            "codeproof-clamp-ten",
            "no theorem (its spec is in the subtype return type): a problem needs at least one theorem to prove",
        )
    ]
    assert quirks_of(report, "codeproof-solve-add") == []  # a leading newline, a reflowed proof: no quirk
    is_in = Problem.objects.get(slug="codeproof-is-in")
    assert is_in.theorems == [
        {"name": "isIn_correct", "signature": "theorem isIn_correct (x:Int)(xs:List Int) :\nisIn x xs = true ↔ x∈ xs"}
    ]
    assert "statement as its type" in quirks_of(report, "codeproof-is-in")[0]
    assert Problem.objects.get(slug="codeproof-is-zero").theorems == [
        {"name": "isZero_spec", "signature": "theorem isZero_spec (n : Nat) : isZero n = true ↔ n = 0"}
    ]
    halves = Problem.objects.get(slug="codeproof-halves-sum")
    assert halves.preamble.startswith("def splitHalf (xs : List Int) : List Int × List Int :=")
    assert halves.theorems[0]["signature"].endswith("let (a, b) := splitHalf xs\n  halvesSum xs = a.sum + b.sum")
    assert quirks_of(report, "codeproof-halves-sum") == [
        "theorem_signature: helper definition splitHalf moved from the theorem field into the preamble"
    ]
    differs = quirks_of(report, "codeproof-succ")
    assert len(differs) == 1 and "succ'_spec" in differs[0]  # succ'_pos differs in spacing only
    solve_add = Problem.objects.get(slug="codeproof-solve-add")
    assert (solve_add.imports, solve_add.import_profile, solve_add.upstream_id) == (["Mathlib"], "mathlib", "solveAdd")
    assert "do not redistribute" in solve_add.licence
    assert {origin for origin, _slug, _text in report.quirks} <= {"isIn", "isZero", "halvesSum", "succ'"}


def test_codeproof_layout_sample_with_its_prop_def_quirk(validations_sent):
    report = problems_import(read=codeproof.read(FIXTURES / "codeproof-layout-sample.jsonl"))  # our own five

    assert len(report.created) == 5 and not report.rejected
    assert [(o, s) for o, s, _t in report.quirks] == [("isEven", "codeproof-is-even")]


# --- the seed Arena ----------------------------------------------------------------------------


def test_seed_contest_rows_property_before_theorem_and_string_tests(validations_sent):
    report = problems_import(read=seed.read(FIXTURES / "seed.jsonl"))

    assert report.created == ["seed-beautiful-table", "seed-max-int", "seed-greet", "seed-neg"]
    assert report.rejected == [
        ("addTwo", "seed-add-two", "test 1 '1 2': 2 item(s), the function takes 2 and an output")
    ]
    table = Problem.objects.get(slug="seed-beautiful-table")
    assert table.preamble.startswith("def rowSums")
    assert table.preamble.index("def rowSums") < table.preamble.index("def beautifulTable_prop")
    assert table.tests == [
        {"input": ["2", "3"], "output": "[[3, 0], [0, 3]]"},
        {"input": ["1", "5"], "output": "[[5]]"},
    ]
    assert Problem.objects.get(slug="seed-max-int").tests[1:] == [
        {"input": ["-1", "-4"], "output": "-1"},
        {"input": ["(-2)", "0"], "output": "0"},
    ]
    assert quirks_of(report, "seed-max-int") == ["test 2: upstream's run says 'fail': expected -1, got -4"]
    assert Problem.objects.get(slug="seed-greet").tests == [{"input": "Ann Lee", "output": "Hello, Ann Lee!"}]
    assert len(Problem.objects.get(slug="seed-neg").theorems) == 2  # the easy.jsonl shape


def test_seed_test_strings_split_as_lean_items():
    assert seed.top_level_items("4 7 [[7,0,0,0], [0,7,0,0]] \"a b\" 'c' (-1) #[1, 2]") == [
        "4",
        "7",
        "[[7,0,0,0], [0,7,0,0]]",
        '"a b"',
        "'c'",
        "(-1)",
        "#[1, 2]",
    ]
    assert seed.explicit_arity("def f {α : Type} (n k : Nat) [Inhabited α] (xs : List α) : Nat") == 3


# --- CLEVER -----------------------------------------------------------------------------------


def test_clever_through_its_own_parser(validations_sent):
    report = problems_import(read=clever.read(FIXTURES / "clever"))

    assert report.created == ["clever-0", "clever-1"]
    assert report.rejected == [("problem_2", "clever-2", "no `correctness_definition` block")]
    zero = Problem.objects.get(slug="clever-0")
    assert zero.preamble.startswith("set_option autoImplicit false\n\ndef twice (n : Nat) : Nat := n + n\n\n")
    assert "noncomputable def at_least_zero" in zero.preamble  # outside any block, used by the spec
    assert "unused_helper" not in zero.preamble and "#test" not in zero.preamble
    assert zero.definitions == ["def implementation (n: Nat) : Nat"]
    assert zero.theorems[0]["name"] == "correctness"
    assert zero.reference_solution.startswith("import Mathlib\nimport Std.Data.HashMap\n\nset_option autoImplicit")
    assert zero.tests == [{"input": 2, "output": 4}, {"input": 0, "output": 0}]
    assert (zero.licence, zero.lean_version, zero.upstream_id) == (
        "MIT",
        "leanprover/lean4:v4.24.0",
        "human_eval/problem_0",
    )
    assert (zero.imports, zero.import_profile) == (["Mathlib", "Std.Data.HashMap"], "mathlib")
    one = Problem.objects.get(slug="clever-1")
    assert one.preamble.index("def twice") < one.preamble.index("def quad") < one.preamble.index("def is_small")
    assert one.preamble.endswith("impl n = quad n ∧ (is_small n → impl n < 40)")  # no `--` of `-- -- end_def`
    assert one.reference_solution == ""
    assert quirks_of(report, "clever-1") == [
        "marker written '--- start_def problem_spec'; read as upstream's parser reads it",
        "marker written '-- -- end_def problem_spec'; read as upstream's parser reads it",
        "helper twice added: the problem uses it, upstream's metadata does not list it",
        "helper is_small added: the problem uses it, upstream's metadata does not list it",
        "the upstream proof is incomplete (sorry): no reference solution (its code is not kept)",
    ]
    assert any("debug.skipKernelTC = true not carried" in note for note in report.notes)
    assert any("3 `#test` command(s)" in note for note in report.notes)


def test_clever_reads_the_installed_package():
    root = clever.installed_root()
    assert root is not None, "clever-bench is pinned in requirements.txt"

    read = clever.read(None)

    assert len(read.candidates) + len(read.rejections) == 161
    by_name = {c.origin: c for c in read.candidates}
    problem_145 = by_name["problem_145"].data["preamble"]
    assert "#test" not in problem_145 and problem_145.startswith("set_option autoImplicit false\n\ndef digit_sum")
    assert "check_derivative" in by_name["problem_62"].data["preamble"]


# --- VERINA -----------------------------------------------------------------------------------


def test_verina_sections_by_their_rules(validations_sent):
    report = problems_import(read=verina.read(FIXTURES / "verina"))

    assert report.created == ["verina-add-one", "verina-pair-swap"]
    assert report.rejected == [
        ("verina_broken", "verina-broken", "task.lean: section 'code' is never closed"),
        ("verina_unknown_section", "verina-unknown-section", "task.lean line 48: unknown section 'lemma_aux'"),
    ]
    add_one = Problem.objects.get(slug="verina-add-one")
    assert add_one.definitions == ["def addOne (n : Nat) (h_precond : addOne_precond (n)) : Nat"]
    assert add_one.theorems[0]["name"] == "addOne_spec_satisfied"
    assert add_one.preamble.startswith("@[reducible, simp]\ndef addOne_precond (n : Nat) : Prop :=\n  True")
    assert add_one.reference_solution.startswith(add_one.preamble + "\n\ndef addOne")  # a whole file
    assert add_one.reference_solution.endswith(
        ":= by\n  unfold addOne_postcond addOne\n  induction n with\n  | zero => rfl\n  | succ k _ =>\n    rfl"
    )
    assert add_one.tests == [{"input": {"n": 1}, "output": 2, "wrong_outputs": [1]}, {"input": {"n": 0}, "output": 1}]
    assert (add_one.licence, add_one.lean_version, add_one.imports, add_one.import_profile) == (
        "Apache-2.0",
        "leanprover/lean4:v4.23.0",
        [],
        "core",
    )
    assert add_one.declared_imports == ["Mathlib"]  # upstream's evaluation always has it in scope
    assert quirks_of(report, "verina-add-one") == []
    pair = Problem.objects.get(slug="verina-pair-swap")
    assert pair.imports == ["Std.Data.HashMap"]  # `type=task` only
    assert pair.preamble.startswith("structure Pair where")  # task_aux first
    assert "def swapPair_precond (p : Pair) : Prop :=\n  True" in pair.preamble  # an empty precond is True
    assert 'let s := "x := y"' in pair.preamble
    assert quirks_of(report, "verina-pair-swap") == [
        "`import type=llm` block (Std.Data.HashSet): upstream's harness, not imported",
        "signature.json disagrees with task.json's signature (task.json's is used)",
        "upstream's reference solution imports Std.Data.HashSet (`import type=solution`): not the statement's, "
        "so not the problem's imports (kept in declared_imports)",
        "no reference solution: upstream's needs Std.Data.HashSet",
        "`solution_aux` (upstream's solution helpers) not imported: there is no reference solution",
    ]
    assert report.notes[0].startswith("coverage_report.md in 1 task folder(s): not imported")


# --- every format -----------------------------------------------------------------------------


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


def test_an_option_off_the_allow_list_is_refused_in_any_problem(validations_sent, tmp_path):
    path = tmp_path / "set.jsonl"
    row = json.loads((FIXTURES / "arena.jsonl").read_text().splitlines()[0])
    rows = [
        row | {"slug": "no-limit", "preamble": "set_option maxHeartbeats 0"},
        row | {"slug": "no-kernel", "preamble": "set_option debug.skipKernelTC true in\ndef x : Nat := 1"},
        row | {"slug": "strict", "preamble": "set_option autoImplicit false"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))

    report = problems_import(read=arena_reader.read(path))

    assert report.created == ["strict"]
    assert [(slug, reason) for _origin, slug, reason in report.rejected] == [
        (
            "no-limit",
            "the preamble sets an option a problem may not: maxHeartbeats takes a number from 1 to 400,000, not '0'",
        ),
        (
            "no-kernel",
            "the preamble sets an option a problem may not: the option debug.skipKernelTC is not one a problem may set "
            "(autoImplicit, relaxedAutoImplicit, maxRecDepth, maxHeartbeats, synthInstance.maxHeartbeats)",
        ),
    ]
