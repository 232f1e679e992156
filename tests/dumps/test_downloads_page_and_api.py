"""/datasets/ and GET /api/v1/datasets/ list each dump; files are streamed from disk."""

from __future__ import annotations

from django.urls import reverse

from dumps.services import dataset_export


def test_the_page_lists_each_dump_with_counts_checksum_and_licence(scenario, client):
    dump = dataset_export()
    html = client.get(reverse("dataset-list")).content.decode()
    assert dump.name in html and dump.archive_sha256 in html
    assert "cc-by-sa-4.0-open-weights" in html and "open weights" in html
    assert reverse("dataset-file", args=[dump.name, dump.archive_name]) in html


def test_the_page_without_dumps_says_so(client, db):
    assert "No dump yet." in client.get(reverse("dataset-list")).content.decode()


def test_a_file_is_streamed_from_disk_byte_for_byte(scenario, client, dump_dir):
    dump = dataset_export()
    response = client.get(reverse("dataset-file", args=[dump.name, dump.archive_name]))
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == (dump_dir / dump.archive_name).read_bytes()
    assert response["Content-Disposition"].startswith("attachment")
    card = client.get(reverse("dataset-file", args=[dump.name, "README.md"]))
    assert b"".join(card.streaming_content).startswith(b"---\nlicense: other\n")


def test_only_the_dumps_own_files_are_served(scenario, client, dump_dir):
    dump = dataset_export()
    (dump_dir / "secret.txt").write_text("no")
    for filename in ("secret.txt", "..", "../secret.txt", "%2e%2e%2fsecret.txt", "problems.csv"):
        assert client.get(f"/datasets/{dump.name}/{filename}").status_code == 404, filename
    assert client.get(f"/datasets/arena-19990101-000000/{dump.archive_name}").status_code == 404


def test_the_api_lists_dumps_with_sizes_checksums_and_links(scenario, client):
    dump = dataset_export()
    data = client.get("/api/v1/datasets/").json()
    assert data["licence"]["id"] == "cc-by-sa-4.0-open-weights" and data["licence"]["version"] == "1"
    (listed,) = data["dumps"]
    assert listed["name"] == dump.name and listed["counts"] == dump.counts
    assert listed["archive"]["sha256"] == dump.archive_sha256 and listed["archive"]["bytes"] == dump.archive_bytes
    assert listed["archive"]["url"] == f"http://testserver/datasets/{dump.name}/{dump.archive_name}"
    names = {f["name"] for f in listed["files"]}
    assert {"solutions.parquet", "solutions.jsonl", "README.md", "LICENSE", "SHA256SUMS"} <= names
    downloaded = client.get(listed["archive"]["url"].removeprefix("http://testserver"))
    assert downloaded.status_code == 200


def test_the_api_refuses_writes_with_json(client, db):
    response = client.post("/api/v1/datasets/", {})
    assert response.status_code == 405 and "detail" in response.json()
