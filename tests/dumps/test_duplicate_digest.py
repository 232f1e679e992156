"""The stored digest behind a dump's duplicate check, and rows spliced from pre-serialised parts."""

from __future__ import annotations

import hashlib
import importlib
import json
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from dumps.services import dataset_export
from judge.problem_format import ProblemSpec
from problems.models import ProblemVersion
from problems.services import problem_upsert_from_spec
from submissions.models import Submission, normalised_code
from tests.site.conftest import GOOD_CODE, SOLVE_ADD

DIGEST_SQL = importlib.import_module("submissions.migrations.0005_submission_code_digest").DIGEST_SQL

AWKWARD_CODES = [
    GOOD_CODE,
    GOOD_CODE.replace("\n", " \t\r\n"),  # CRLF and trailing blanks
    "\n\n" + GOOD_CODE + "\f\v\n\n\n",
    "-- é 😀 \u00a0\n" + GOOD_CODE,  # a no-break space is not a blank here
    "-- a\n   \n-- b",
]


def lines(dump_dir, dump, name):
    return (dump_dir / dump.name / f"{name}.jsonl").read_bytes().splitlines(keepends=True)


def test_the_digest_is_the_normalised_codes_in_python_and_in_the_migrations_sql(make, solver):
    problem = make.problem("open-problem")
    made = [make.submission(user=solver, problem=problem, code=code) for code in AWKWARD_CODES]
    version = made[0].problem_version
    (bulk,) = Submission.objects.bulk_create([Submission(user=solver, problem_version=version, code=" x \n")])
    for submission in [*made, Submission.objects.get(pk=bulk.pk)]:
        expected = hashlib.sha256(normalised_code(submission.code).encode()).digest()
        assert bytes(submission.code_digest) == expected
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM submissions_submission WHERE code_digest IS DISTINCT FROM {DIGEST_SQL}")
        assert cursor.fetchall() == []
    assert len({bytes(s.code_digest) for s in made}) == 3  # the first three are one solution


def test_a_twin_under_a_later_version_of_the_problem_is_dropped(make, solver, dump_dir):
    problem = make.problem("open-problem")
    first = make.submission(user=solver, problem=problem)
    old = first.problem_version
    ProblemVersion.objects.create(
        problem=problem,
        number=2,
        imports=old.imports,
        preamble="-- version 2",
        definitions=old.definitions,
        theorems=old.theorems,
        fingerprint="v2-" + old.fingerprint[3:],
        created_at=timezone.now() - timedelta(days=40),
    )
    twin = make.submission(user=solver, problem=problem, code=GOOD_CODE + "  \n\n")
    assert twin.problem_version.number == 2
    dump = dataset_export()
    solutions = [json.loads(line) for line in lines(dump_dir, dump, "solutions")]
    assert [(r["id"], r["problem_version"]) for r in solutions] == [(first.pk, 1)]
    assert [json.loads(line)["id"] for line in lines(dump_dir, dump, "submissions")] == [first.pk, twin.pk]


def test_quotes_control_characters_and_unicode_come_out_exactly_in_canonical_json(make, solver, dump_dir):
    awkward = 'a "quoted" \\ back\tslash, é, 😀, \u2028, </script>'
    spec = SOLVE_ADD | {"slug": "awkward", "title": "Awkward", "licence": "CC-BY-4.0", "preamble": f"/- {awkward} -/"}
    problem = problem_upsert_from_spec(spec=ProblemSpec.from_dict(spec)).problem
    ProblemVersion.objects.filter(problem=problem).update(created_at=timezone.now() - timedelta(days=60))
    code = f"-- {awkward}\x01\x1f\x7f oops\n" + GOOD_CODE  # "oops": a COMPILE_ERROR with reasons and messages
    submission = make.submission(user=solver, problem=problem, code=code)
    dump = dataset_export()
    (line,) = lines(dump_dir, dump, "submissions")
    row = json.loads(line)
    version = submission.problem_version
    assert (row["code"], row["preamble"], row["theorems"]) == (code, version.preamble, version.theorems)
    assert row["verdict"] == "COMPILE_ERROR" and row["reasons"] and row["messages"]
    # one compact object per line, nothing escaped twice: the bytes the standard library makes of it
    assert line == json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
