"""The VERINA importer on the real upstream folder (a user's copy of `datasets/verina/`), found
through ARENA_VERINA_DIR: every task imports, or its refusal names a defect of that task; the
whole folder in a dry run well within 30 s; and `verina_basic_104`'s template (its `structure
Map` comes from `task_aux`) elaborates with the real Lean.

The folder is not shipped with the project (it is upstream's data): without the variable these
tests are skipped.
"""

import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from judge.pipeline import judge_for
from judge.problem_format import ProblemSpec
from problems.importers import verina
from problems.validation import template_error

FOLDER = os.environ.get("ARENA_VERINA_DIR", "")
pytestmark = pytest.mark.skipif(
    not FOLDER or not Path(FOLDER).is_dir(),
    reason="ARENA_VERINA_DIR is not set to a copy of VERINA's datasets/verina/ folder",
)
# Refusals that are defects of the task itself, not of the reader: the statement depends on
# axioms its task_aux states (about Float), which no judge can vouch for.
KNOWN_DEFECTS = {
    "verina_basic_25": "the preamble uses axiom",
    "verina_basic_63": "the preamble uses axiom",
}


def test_every_real_task_is_read_by_the_rules():
    read = verina.read(Path(FOLDER))

    assert len(read.candidates) + len(read.rejections) == 189
    assert read.rejections == []  # the reader refuses none: every section has a place
    by_name = {c.origin: c for c in read.candidates}
    map_task = by_name["verina_basic_104"].data
    assert map_task["preamble"].startswith("structure Map (K V : Type) [BEq K] [BEq V] where")
    several = by_name["verina_advanced_10"].data  # import blocks of type task, solution, llm, test
    assert several["imports"] == ["Mathlib.Data.Nat.Prime.Defs"]
    assert by_name["verina_basic_32"].data["imports"] == []  # its `import Mathlib` is type=solution
    assert all(c.origin == c.data["upstream_id"] for c in read.candidates)


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_over_the_folder_refuses_only_real_defects(validations_sent):
    out = StringIO()
    started = time.monotonic()

    call_command("import_problems", "--format", "verina", FOLDER, "--dry-run", stdout=out)

    seconds = time.monotonic() - started
    lines = out.getvalue().splitlines()
    refused = {line.split()[1]: line for line in lines if line.startswith("REJECTED")}
    assert set(refused) == set(KNOWN_DEFECTS), refused
    for task, defect in KNOWN_DEFECTS.items():
        assert defect in refused[task]
    assert lines[0] == f"created {189 - len(KNOWN_DEFECTS)}, updated 0, unchanged 0, rejected {len(KNOWN_DEFECTS)}"
    assert seconds < 30, f"the dry run took {seconds:.1f} s"
    assert validations_sent == []


@pytest.mark.lean
@pytest.mark.slow
@pytest.mark.timeout(600)  # one Lean run, ~60 s (then cached by the statement's fingerprint)
def test_the_map_task_template_elaborates_with_the_real_lean(settings):
    settings.ARENA_JUDGE = "judge.pipeline.judge_submission"
    (candidate,) = [c for c in verina.read(Path(FOLDER) / "verina_basic_104").candidates]
    spec = ProblemSpec.from_dict({k: v for k, v in candidate.data.items() if k in ProblemSpec.__dataclass_fields__})

    export = judge_for().reference_export(spec)  # InvalidReference if it does not elaborate

    assert export.strip()
    assert template_error(spec) is None  # and its targets are there
