"""The OpenAPI schema is generated from the code, validates, and has a docs page."""

from django.core.management import call_command
from rest_framework.test import APIClient


def test_the_schema_validates_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/submissions/batch/" in text and "/api/problems/" not in text


def test_the_schema_and_docs_are_served(db):
    schema = APIClient().get("/api/v1/schema/?format=json")
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")
    assert "arenaToken" in schema.json()["components"]["securitySchemes"]
    docs = APIClient().get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
