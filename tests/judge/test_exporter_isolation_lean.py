"""Isolation between consecutive jobs of one owner on one kept exporter process (real Lean).

A job that declares, sets options, adds an instance and a simp lemma, opens a namespace and
leaves a `namespace` and a `variable` open; the same owner's next job, on the same process (and
on the header environment the process kept from the first: the memory fix of issue 28), sees
none of it. Bounded: one exporter process, two jobs.
"""

from __future__ import annotations

import dataclasses
import time

import pytest

from judge import lean_runner
from judge.config import load_config
from judge.export_auth import ExportKey, authenticate
from judge.export_format import Interner, parse_export
from judge.pipeline import exporter_job

pytestmark = pytest.mark.lean

OWNER = "user:isolation"
KEPT_HEADER = "ARENA-KEPT-HEADER"  # Export.lean: the job elaborates on a header kept from an earlier job

FIRST = """set_option autoImplicit false
set_option pp.all true
instance leakInst : OfNat Bool 7 := ⟨true⟩
@[simp] theorem leak_comm (a b : Nat) : a * b = b * a := Nat.mul_comm a b
theorem leak_uses_simp (a b : Nat) : a * b = b * a := by simp
example : (7 : Bool) = true := rfl
def leak : Nat := 1
#check (1 + 1 : Nat)
open Nat
namespace Leak
variable (hidden : Nat)
"""

SECOND = """def useAuto (a : α) : α := a
theorem comm2 (a b : Nat) : a * b = b * a := by simp
example : (7 : Bool) = true := rfl
#check (1 + 1 : Nat)
#check leak
#check succ
def top (n : Nat) : Nat := n
def usesHidden : Nat := hidden
"""


@pytest.fixture(scope="module")
def runner():
    """One pre-started exporter, ready before the first job (a cold start on a loaded machine
    can take longer than a job's wall limit)."""
    config = dataclasses.replace(load_config(), pool_size=1, exporter_jobs=8, prestart_timeout_seconds=900.0)
    runner = lean_runner.make_runner(config)
    runner.prestart(exporter_job(b"", None))
    deadline = time.monotonic() + 900
    while not any(s["ready"] and s["alive"] for s in runner.pool_status()) and time.monotonic() < deadline:
        time.sleep(0.5)
    yield runner
    runner.close()


def export(runner, code: str):
    key = ExportKey.new()
    run = runner.run(exporter_job(code.encode(), None, key=key, imports=[], owner=OWNER))
    return run, parse_export(authenticate(run.stdout, key), Interner())


def errors_by_line(export) -> dict[int, str]:
    return {m["line"]: m["text"] for m in export.messages if m["severity"] == "error"}


def infos(export) -> list[str]:
    return [m["text"] for m in export.messages if m["severity"] == "information"]


def leaked(export) -> list[tuple]:
    return [n for n in export.constants if any(isinstance(c, str) and c.lower().startswith("leak") for c in n)]


def test_nothing_of_a_job_is_visible_to_the_same_owners_next_job(runner):
    first_run, first = export(runner, FIRST)
    assert first_run.prestarted, "no pre-started exporter became ready"
    # the first job did what it meant to: the option, the instance and the simp lemma took effect
    assert errors_by_line(first) == {}, first.messages
    assert any("@HAdd.hAdd" in text for text in infos(first)), first.messages  # pp.all
    assert leaked(first), sorted(first.constants)
    assert first_run.handoff is not None, "the process was not offered for the owner's next job"
    first_run.handoff.keep()

    second_run, second = export(runner, SECOND)
    assert second_run.reused, "the second job did not run on the first job's process"
    assert KEPT_HEADER in second_run.stderr  # on the header environment the first job's import left
    errors = errors_by_line(second)
    assert 1 not in errors, errors  # autoImplicit is back to its default
    # no simp lemma, no instance, no `leak`, no `open Nat`, no `variable`
    assert {2, 3, 5, 6, 8} <= set(errors), errors
    assert "1 + 1 : Nat" in infos(second), second.messages  # pp.all is off again
    assert not leaked(second), leaked(second)
    names = {n[-1] for n in second.constants if n}
    assert "top" in names and "Leak" not in {c for n in second.constants for c in n}  # no namespace left open
    if second_run.handoff is not None:
        second_run.handoff.discard()
