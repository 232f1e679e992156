"""What a dump leaves out: unlicensed, retired and embargoed problems' solutions, verdicts of an
older checker, judge errors, submissions made before a licence was accepted, duplicates."""

from __future__ import annotations

import json
from datetime import timedelta

from django.utils import timezone

from dumps.services import dataset_export
from judge.results import Verdict
from submissions.models import Submission, normalised_code
from submissions.services import submission_judge
from tests.site.conftest import GOOD_CODE


def rows(dump_dir, dump, name):
    return [json.loads(line) for line in (dump_dir / dump.name / f"{name}.jsonl").open()]


def test_excluded_submissions_appear_in_no_file(scenario, dump_dir):
    dump = dataset_export()
    ids = {r["id"] for name in ("solutions", "submissions") for r in rows(dump_dir, dump, name)}
    assert ids and ids.isdisjoint({s.pk for s in scenario["excluded"]})


def test_problems_without_an_allowed_licence_and_retired_ones_are_left_out(scenario, dump_dir):
    dump = dataset_export()
    slugs = {r["slug"] for r in rows(dump_dir, dump, "problems")}
    assert slugs == {"open-problem", "recent-problem"}
    assert not slugs & {"unlicensed-problem", "proprietary-problem", "retired-problem"}


def test_an_embargoed_problem_is_dumped_without_its_solutions(scenario, dump_dir, settings):
    dump = dataset_export()
    assert {r["problem"] for r in rows(dump_dir, dump, "submissions")} == {"open-problem"}
    settings.ARENA_DATASET_EMBARGO_DAYS = 1
    later = dataset_export(now=timezone.now() + timedelta(seconds=2))
    assert {r["problem"] for r in rows(dump_dir, later, "solutions")} == {"open-problem", "recent-problem"}


def test_only_the_first_of_exact_duplicate_solutions_is_kept(scenario, dump_dir):
    dump = dataset_export()
    codes = [normalised_code(r["code"]) for r in rows(dump_dir, dump, "solutions")]
    assert len(codes) == len(set(codes)) == 3
    assert normalised_code(GOOD_CODE.replace("\n", "   \n") + "\n\n") == normalised_code(GOOD_CODE)


def test_judge_errors_are_not_data(make, solver, dump_dir, judge_double):
    from tests.site.judge_doubles import judge_error

    problem = make.problem("open-problem")
    judge_double.script = [judge_error(), judge_error(), judge_error()]
    submission = make.submission(user=solver, problem=problem)
    for _ in range(2):  # the retries the pipeline makes
        submission_judge(submission_id=submission.pk, worker="test")
    assert Submission.objects.get(pk=submission.pk).verdict == Verdict.JUDGE_ERROR
    dump = dataset_export()
    assert dump.counts == {"problems": 1, "solutions": 0, "submissions": 0, "runs": 0}


def test_a_new_checker_version_empties_solutions_until_rejudged(scenario, dump_dir, monkeypatch):
    from tests.site import judge_doubles

    monkeypatch.setattr(judge_doubles, "CHECKER_VERSION", "double-3")
    dump = dataset_export()
    assert dump.checker_version == "double-3"
    assert dump.counts["solutions"] == dump.counts["submissions"] == 0


def test_an_excluded_twin_does_not_hide_an_included_solution(make, solver, dump_dir):
    problem = make.problem("open-problem")
    earlier = make.submission(user=solver, problem=problem)
    Submission.objects.filter(pk=earlier.pk).update(checker_version="old-checker-1")
    later = make.submission(user=solver, problem=problem)  # the same code, judged by the current checker
    dump = dataset_export()
    assert [r["id"] for r in rows(dump_dir, dump, "solutions")] == [later.pk]
