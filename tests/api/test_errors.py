"""JSON error bodies everywhere under /api/: unmatched routes, 405, 413, 415, and v1's shape."""

import pytest
from rest_framework.test import APIClient


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/nothing/", "/api/v1/submissions/abc/"])
def test_an_unmatched_route_is_a_json_404(db, path):
    answer = APIClient().get(path)
    assert answer.status_code == 404 and answer["Content-Type"] == "application/json"
    assert answer.json() == {"code": "not_found", "detail": "No such route."}


def test_a_wrong_method_is_a_json_405_with_allow(api, problem):
    answer = api.delete("/api/v1/problems/")
    assert answer.status_code == 405 and answer.json()["code"] == "method_not_allowed"
    assert "GET" in answer["Allow"]


def test_an_unsupported_media_type_is_a_json_415(api, problem):
    answer = api.post("/api/v1/submissions/", "problem=solve-add", content_type="text/plain")
    assert answer.status_code == 415 and answer.json()["code"] == "unsupported_media_type"


def test_malformed_json_is_a_json_400(api, problem):
    answer = api.post("/api/v1/submissions/", "{not json", content_type="application/json")
    assert answer.status_code == 400 and answer.json()["code"] == "parse_error"


def test_a_body_over_the_limit_is_a_json_413_before_it_is_read(api, problem, settings):
    settings.ARENA_API_MAX_BODY_BYTES = 100
    answer = api.post("/api/v1/submissions/", {"problem": "solve-add", "code": "x" * 200}, format="json")
    assert answer.status_code == 413 and answer.json()["code"] == "request_too_large"
    # the unversioned API too
    assert api.post("/api/submissions/", {"problem": "solve-add", "code": "x" * 200}, format="json").status_code == 413


def test_a_non_numeric_content_length_is_a_json_400(api):
    answer = api.post("/api/v1/submissions/", "{}", content_type="application/json", CONTENT_LENGTH="lots")
    assert answer.status_code == 400 and answer.json()["code"] == "bad_request"


def test_the_unversioned_api_keeps_its_error_shapes(api, problem):
    answer = api.post("/api/submissions/", {"problem": "nope", "code": "x"}, format="json")
    assert answer.status_code == 400 and answer.json() == {"problem": ["No such problem."]}


def test_pages_outside_the_api_keep_html_errors(db):
    answer = APIClient().get("/no-such-page/")
    assert answer.status_code == 404 and not answer["Content-Type"].startswith("application/json")
