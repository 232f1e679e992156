"""No e-mail, password hash, token or reference solution in any byte of a dump; opted-out
authors appear by an anonymised id; machine authors are marked as such."""

from __future__ import annotations

import gzip
import json
import tarfile

from dumps.services import author_pseudonym, dataset_export
from tests.dumps.conftest import REFERENCE_MARKER, SECRET_EMAIL


def archive_bytes(path) -> list[bytes]:
    """The archive as stored, gunzipped, and every member's content."""
    raw = path.read_bytes()
    with tarfile.open(path) as tar:
        members = [tar.extractfile(m).read() for m in tar.getmembers()]
    return [raw, gzip.decompress(raw), *members]


def test_seeded_email_token_password_hash_and_reference_are_in_no_byte(scenario, dump_dir):
    dump = dataset_export()
    alice = scenario["alice"]
    secrets = [SECRET_EMAIL, scenario["token"], alice.password, alice.password.split("$")[-1], REFERENCE_MARKER]
    blobs = archive_bytes(dump_dir / dump.archive_name)
    blobs += [p.read_bytes() for p in (dump_dir / dump.name).iterdir()]
    for secret in secrets:
        assert all(secret.encode() not in blob for blob in blobs), secret
    # the search is not vacuous: what a dump must hold is found the same way
    assert any(b"alice" in blob for blob in blobs[2:])


def test_an_opted_out_author_appears_only_by_anonymised_id(scenario, dump_dir):
    dump = dataset_export()
    rows = [json.loads(line) for line in (dump_dir / dump.name / "submissions.jsonl").open()]
    bob_rows = [r for r in rows if r["code"].startswith("-- bob's")]
    assert bob_rows and all(r["author"] == author_pseudonym(scenario["bob"].pk) for r in bob_rows)
    assert bob_rows[0]["author"].startswith("anon-") and len(bob_rows[0]["author"]) == 21
    assert all(b'"bob"' not in p.read_bytes() for p in (dump_dir / dump.name).iterdir())
    assert {r["author"] for r in rows} == {"alice", "robot-lab", author_pseudonym(scenario["bob"].pk)}


def test_an_email_shaped_username_is_anonymised_too(make, django_user_model, dump_dir):
    problem = make.problem("open-problem")
    user = django_user_model.objects.create_user(username="dana@example.net", password="dana-pass-123")
    make.submission(user=user, problem=problem)
    dump = dataset_export()
    row = json.loads((dump_dir / dump.name / "solutions.jsonl").read_text())
    assert row["author"] == author_pseudonym(user.pk)
    assert all(b"dana@example.net" not in blob for blob in archive_bytes(dump_dir / dump.archive_name))


def test_machine_and_human_authors_are_told_apart(scenario, dump_dir):
    dump = dataset_export()
    rows = {r["author"]: r for r in map(json.loads, (dump_dir / dump.name / "solutions.jsonl").open())}
    assert (rows["robot-lab"]["author_kind"], rows["robot-lab"]["model_name"]) == ("machine", "prover-7b")
    assert (rows["alice"]["author_kind"], rows["alice"]["model_name"]) == ("human", "")
