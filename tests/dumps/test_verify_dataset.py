"""verify_dataset re-judges rows with the local judge (here the recording double: real Lean is
not run in these tests) and reports every checksum or verdict that disagrees."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from dumps.services import dataset_export


def test_a_faithful_dump_verifies(scenario, dump_dir, judge_double, capsys):
    dump = dataset_export()
    judge_double.reset()
    call_command("verify_dataset", str(dump_dir / dump.name), "--sample", "2")
    out = capsys.readouterr().out
    assert "4 verdict(s) checked, 0 disagreement(s)" in out
    assert len(judge_double.calls) == 4  # two rows of each file, re-judged from the dump alone
    spec, code = judge_double.calls[0]
    assert spec.theorem_names == ["solveAdd_spec"] and "solveAdd" in code


def test_without_sample_every_row_is_judged(scenario, dump_dir, judge_double, capsys):
    dump = dataset_export()
    judge_double.reset()
    call_command("verify_dataset", str(dump_dir / dump.name))
    assert len(judge_double.calls) == dump.counts["solutions"] + dump.counts["submissions"]


def test_a_forged_verdict_and_its_broken_checksum_are_reported(scenario, dump_dir, capsys):
    dump = dataset_export()
    path = dump_dir / dump.name / "submissions.jsonl"
    rows = [json.loads(line) for line in path.open()]
    forged = next(r for r in rows if r["verdict"] == "COMPILE_ERROR")
    forged["verdict"] = "ACCEPTED"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_dataset", str(dump_dir / dump.name), "--files", "submissions")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "DISAGREE submissions.jsonl: checksum differs from SHA256SUMS" in out
    assert f"DISAGREE submissions.jsonl row {forged['id']}: dump says ACCEPTED, the judge says COMPILE_ERROR" in out


def test_a_statement_changed_under_its_fingerprint_is_reported_without_judging(
    scenario, dump_dir, judge_double, capsys
):
    dump = dataset_export()
    path = dump_dir / dump.name / "solutions.jsonl"
    rows = [json.loads(line) for line in path.open()]
    rows[0]["theorems"][0]["signature"] = "theorem solveAdd_spec (a b : Int) : True"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    judge_double.reset()
    with pytest.raises(SystemExit):
        call_command("verify_dataset", str(dump_dir / dump.name), "--files", "solutions")
    assert f"row {rows[0]['id']}: statement does not match its problem_fingerprint" in capsys.readouterr().out
    assert len(judge_double.calls) == len(rows) - 1


def test_bad_arguments_are_refused(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a folder"):
        call_command("verify_dataset", str(tmp_path / "nowhere"))
    with pytest.raises(CommandError, match="unknown file"):
        call_command("verify_dataset", str(tmp_path), "--files", "passwords")
