"""A dump's files parse, hold exactly the rows an independent query finds, and verify."""

from __future__ import annotations

import json
import subprocess
import tarfile
from datetime import datetime

import pyarrow.parquet as pq
import yaml

from dumps.services import dataset_export
from judge.results import Verdict
from problems.models import Problem
from submissions.models import Submission
from tests.site.judge_doubles import CHECKER_VERSION


def read_jsonl(path):
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_every_file_parses_and_jsonl_equals_parquet(scenario, dump_dir):
    dump = dataset_export()
    folder = dump_dir / dump.name
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["LICENSE", "README.md", "SHA256SUMS"] + [f"{n}.{ext}" for n in dump.counts for ext in ("jsonl", "parquet")]
    )
    for name in ("problems", "solutions", "submissions"):
        rows = read_jsonl(folder / f"{name}.jsonl")
        table = pq.read_table(folder / f"{name}.parquet")
        assert table.to_pylist() == rows
        assert dump.counts[name] == len(rows)


def test_counts_equal_an_independent_query(scenario, dump_dir):
    dump = dataset_export()
    folder = dump_dir / dump.name
    # The same filters written out again, not through dumps.selectors.
    eligible = Submission.objects.filter(
        problem_version__problem__status="published",
        problem_version__problem__licence__in=["CC-BY-4.0"],
        problem_version__problem__slug="open-problem",
        checker_version=CHECKER_VERSION,
        licence="cc-by-sa-4.0-open-weights",
        status="finished",
    ).exclude(verdict=Verdict.JUDGE_ERROR)
    assert dump.counts["problems"] == Problem.objects.filter(status="published", licence="CC-BY-4.0").count() == 2
    assert dump.counts["submissions"] == eligible.count() == 5
    assert dump.counts["solutions"] == eligible.filter(verdict="ACCEPTED").count() - 1 == 3  # one duplicate
    assert {r["id"] for r in read_jsonl(folder / "solutions.jsonl")} == {s.pk for s in scenario["solutions"]}
    assert {r["id"] for r in read_jsonl(folder / "submissions.jsonl")} == {s.pk for s in scenario["submissions"]}
    assert {r["slug"] for r in read_jsonl(folder / "problems.jsonl")} == {"open-problem", "recent-problem"}


def test_checksums_verify_with_sha256sum_and_the_archive_holds_the_folder(scenario, dump_dir):
    dump = dataset_export()
    folder = dump_dir / dump.name
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == len(dump.files) - 1 == 10  # every file but SHA256SUMS
    with tarfile.open(dump_dir / dump.archive_name) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    assert members == {f"{dump.name}/{p.name}": p.read_bytes() for p in folder.iterdir()}
    assert subprocess.run(["sha256sum", dump_dir / dump.archive_name], capture_output=True, text=True).stdout.split()[
        0
    ] == (dump.archive_sha256)


def test_solution_rows_carry_their_receipts_and_licence(scenario, dump_dir):
    dump = dataset_export()
    row = read_jsonl(dump_dir / dump.name / "solutions.jsonl")[0]
    submission = scenario["solutions"][0]
    version = submission.problem_version
    assert row["problem_fingerprint"] == version.fingerprint == version.to_spec().statement_fingerprint
    assert (row["lean_version"], row["checker_version"]) == (submission.lean_version, CHECKER_VERSION)
    assert datetime.fromisoformat(row["verdict_time"]) == submission.finished_at
    assert row["axioms"] is None  # the judge's result records no axioms yet
    assert row["theorem_results"] == [{"name": "solveAdd_spec", "status": "proved"}]
    assert (row["licence"], row["licence_version"], row["problem_licence"]) == (
        "cc-by-sa-4.0-open-weights",
        "1",
        "CC-BY-4.0",
    )


def test_the_card_names_the_licence_configs_and_features(scenario, dump_dir):
    dump = dataset_export()
    card = (dump_dir / dump.name / "README.md").read_text()
    header = yaml.safe_load(card.split("---\n")[1])
    assert (header["license"], header["license_name"], header["license_link"]) == (
        "other",
        "cc-by-sa-4.0-open-weights",
        "LICENSE",
    )
    assert header["size_categories"] == ["n<1K"]
    assert [c["config_name"] for c in header["configs"]] == ["problems", "solutions", "submissions", "runs"]
    info = {i["config_name"]: i for i in header["dataset_info"]}
    (split,) = info["solutions"]["splits"]
    assert split["name"] == "train" and split["num_examples"] == 3 and split["num_bytes"] > 0
    assert {"name": "code", "dtype": "string"} in info["solutions"]["features"]
    assert "open-weights" in (dump_dir / dump.name / "LICENSE").read_text()


def test_the_card_records_sizes_sources_and_their_licences(make, solver, dump_dir):
    """dataset_info as `datasets` expects it (num_bytes, download_size), source_datasets, and a
    credit per source of imported problems (issue 32, item 18)."""
    from problems.models import Problem

    imported = make.problem("imported-one", licence="MIT")
    Problem.objects.filter(pk=imported.pk).update(source="CLEVER (trishullab/clever)")
    make.submission(user=solver, problem=imported)
    dump = dataset_export()
    card = (dump_dir / dump.name / "README.md").read_text()
    header = yaml.safe_load(card.split("---")[1])
    for info in header["dataset_info"]:
        (split,) = info["splits"]
        if info["config_name"] == "runs":  # no bot run here: an empty config, said so
            assert split["num_examples"] == 0 and "runs.parquet`, `runs.jsonl` | 0 |" in card
            continue
        assert split["num_bytes"] > 0 and info["download_size"] > 0, info["config_name"]
    assert header["source_datasets"] == ["original", "extended|CLEVER (trishullab/clever)"]
    assert "1 problem from **CLEVER (trishullab/clever)**, under `MIT`" in card
