"""The OpenAPI schema validates under openapi-spec-validator and documents what clients get
(issue 32, item 12): the error answers (429 with Retry-After), a typed `result`, the proposal
POST, the batch's minItems, and no `default` that its own schema refuses."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import OpenAPIV30SpecValidator


@pytest.fixture(scope="module")
def schema():
    """What /api/v1/schema/?format=json serves (test_schema.py fetches it), as plain JSON."""
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


def test_the_schema_is_valid_openapi(schema):
    errors = [
        f"{e.message} at {'/'.join(map(str, e.absolute_path))}" for e in OpenAPIV30SpecValidator(schema).iter_errors()
    ]
    assert errors == []


def test_every_operation_documents_its_errors(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "429"} <= responses.keys(), (method, path)
            assert "Retry-After" in responses["429"]["headers"], (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method == "post":
                assert {"400", "413", "415"} <= responses.keys(), (method, path)
    assert "422" in schema["paths"]["/api/v1/submissions/"]["post"]["responses"]  # Idempotency-Key reused


def test_result_is_typed_and_the_proposal_post_and_batch_bounds_are_listed(schema):
    components = schema["components"]["schemas"]
    result = components["SubmissionOutput"]["properties"]["result"]
    assert result["allOf"] == [{"$ref": "#/components/schemas/JudgeResultOutput"}] and result["nullable"]
    assert {"verdict", "reasons", "theorems", "messages", "time_ms"} <= components["JudgeResultOutput"][
        "properties"
    ].keys()
    assert "201" in schema["paths"]["/api/v1/problems/"]["post"]["responses"]
    submissions = components["BatchInputRequest"]["properties"]["submissions"]
    assert submissions["minItems"] == 1 and submissions["maxItems"] >= 1


def test_a_list_documents_the_404_of_a_page_that_does_not_exist(schema):
    # schemathesis found these (benchmarks/api_fuzz.py --checks status_code_conformance)
    assert "404" in schema["paths"]["/api/v1/problems/"]["get"]["responses"]
    assert "404" in schema["paths"]["/api/v1/webhooks/deliveries/"]["get"]["responses"]
