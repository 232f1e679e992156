"""Issue 32, item 18: a dump carries bots' runs and batches, so a run's pass@1 … pass@k is
rebuilt from the exported files alone, with the card's formula, and equals the site's."""

from __future__ import annotations

import json
import math

import pyarrow.parquet as pq
import pytest

from bots.models import Batch
from bots.selectors import run_scores
from bots.services import SubmissionRequest, api_submission_create, run_create
from dumps.services import dataset_export
from submissions.services import submission_judge
from tests.site.conftest import GOOD_CODE


def pass_at(n: int, c: int, j: int) -> float:
    """The card's formula, written here from the card, not taken from the site's code."""
    return 1 - math.comb(n - c, j) / math.comb(n, j)


def run_pass_at(counts: list[tuple[int, int]], k: int) -> list[float]:
    return [sum(pass_at(n, c, j) for n, c in counts) / len(counts) for j in range(1, k + 1)]


@pytest.fixture
def a_run(make, django_user_model):
    robot = django_user_model.objects.create_user(username="robot-lab", password="robot-pass-123")
    one, two = make.problem("run-one"), make.problem("run-two")
    recent = make.problem("run-recent", published_days_ago=2)  # under embargo: no rows in the dump
    run = run_create(user=robot, token=None, model_name="prover-7b", k=3, problems=[one, two, recent], name="eval")
    batch = Batch.objects.create(user=robot, run=run)
    attempts = {
        one: ["oops 1", GOOD_CODE, "oops 2", "-- again\n" + GOOD_CODE],  # n=4, c=2
        two: ["oops 3", "oops 4", "oops 5"],  # n=3, c=0
        recent: [GOOD_CODE, GOOD_CODE, GOOD_CODE],  # n=3, c=3
    }
    for problem, codes in attempts.items():
        for code in codes:
            submission = api_submission_create(
                user=robot,
                token=None,
                request=SubmissionRequest(problem=problem, code=code),
                run=run,
                batch=batch if problem == one else None,
            )
            submission_judge(submission_id=submission.pk, worker="test")
    return run, batch


def test_a_runs_pass_at_k_is_rebuilt_from_the_dump_alone(a_run, dump_dir):
    run, batch = a_run
    site = [entry["value"] for entry in run_scores([run])[0].pass_at]

    dump = dataset_export()
    folder = dump_dir / dump.name
    (row,) = pq.read_table(folder / "runs.parquet").to_pylist()

    assert (row["id"], row["model_name"], row["name"], row["k"], row["author"]) == (
        run.pk,
        "prover-7b",
        "eval",
        3,
        "robot-lab",
    )
    counts = {p["problem"]: (p["judged"], p["accepted"]) for p in row["problems"]}
    assert counts == {"run-one": (4, 2), "run-two": (3, 0), "run-recent": (3, 3)}
    rebuilt = run_pass_at(list(counts.values()), row["k"])
    assert rebuilt == pytest.approx(site)
    assert rebuilt == pytest.approx([1 / 2, 11 / 18, 2 / 3])
    assert [json.loads(line) for line in (folder / "runs.jsonl").open()] == [row]  # JSONL, the same row


def test_a_runs_attempts_are_the_submission_rows_with_its_id(a_run, dump_dir):
    run, batch = a_run
    scores = {p.problem: p for p in run_scores([run])[0].problems}

    folder = dump_dir / dataset_export().name
    rows = [r for r in pq.read_table(folder / "submissions.parquet").to_pylist() if r["run"] == run.pk]

    attempts: dict[str, tuple[int, int]] = {}
    for r in rows:
        n, c = attempts.get(r["problem"], (0, 0))
        attempts[r["problem"]] = (n + 1, c + (r["verdict"] == "ACCEPTED"))
    # the embargoed problem's attempts are not in the dump; the others give the site's n and c
    assert attempts == {slug: (scores[slug].judged, scores[slug].accepted) for slug in ("run-one", "run-two")}
    for slug, (n, c) in attempts.items():
        assert [pass_at(n, c, j) for j in (1, 2, 3)] == pytest.approx(scores[slug].pass_at)
    assert {r["batch"] for r in rows if r["problem"] == "run-one"} == {batch.pk}
    assert {r["batch"] for r in rows if r["problem"] == "run-two"} == {None}
