"""POST /api/v1/problems/: a bot's proposal; never the reference solution in any answer."""

import pytest
from rest_framework.authtoken.models import Token

from problems.models import Problem
from tests.problems.conftest import run_validations

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/problems/"


@pytest.fixture
def bot(client, author):
    token = Token.objects.create(user=author)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def test_proposal_is_created_and_its_report_readable(bot, proposal_data, validations_sent, judge_double):
    response = bot.post(URL, proposal_data, content_type="application/json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["slug"], body["status"], body["validation"]["status"]) == ("solve-add-proposal", "draft", "queued")
    assert "reference_solution" not in response.content.decode()
    run_validations(validations_sent)
    report = bot.get(f"/api/v1/proposals/{body['slug']}/").json()
    assert report["validation"]["status"] == "passed"
    assert {c["check"]: c["status"] for c in report["validation"]["checks"]}["reference_solution"] == "passed"
    assert "b - a" not in str(report)


def test_anonymous_proposal_is_refused(client, proposal_data, validations_sent):
    response = client.post(URL, proposal_data, content_type="application/json")

    assert response.status_code in (401, 403)
    assert not Problem.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"description": "d" * (100 * 1024)}, "the description is 102,400 bytes; the limit is 65,536"),
        ({"theorems": [{"name": "no good", "signature": "theorem no good : True"}]}, "is not a Lean identifier"),
        ({"imports": ["Lean"]}, "go beyond the import profile"),
        ({"import_profile": "everything"}, "unknown import profile 'everything'"),
        ({"slug": "Not A Slug"}, "must be lowercase letters"),
    ],
)
def test_bad_proposal_is_a_json_error(bot, proposal_data, validations_sent, change, message):
    response = bot.post(URL, proposal_data | change, content_type="application/json")

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Problem.objects.exists()


def test_non_object_body_is_a_json_error(bot, validations_sent):
    response = bot.post(URL, [1, 2], content_type="application/json")

    assert response.status_code == 400
    assert "JSON object" in response.json()["detail"]


def test_duplicate_slug_is_a_json_error(bot, proposal_data, validations_sent):
    bot.post(URL, proposal_data, content_type="application/json")

    response = bot.post(URL, proposal_data, content_type="application/json")

    assert response.status_code == 400
    assert "already exists" in response.json()["detail"]
    assert Problem.objects.count() == 1


def test_someone_elses_proposal_is_not_found(client, bot, proposal_data, validations_sent, django_user_model):
    bot.post(URL, proposal_data, content_type="application/json")
    other = django_user_model.objects.create_user(username="eve", password="eve-pass-123")
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=other).key}"

    assert client.get(f"/api/v1/proposals/{proposal_data['slug']}/").status_code == 404


@pytest.mark.parametrize("size", [2 * 1024 * 1024, 10 * 1024 * 1024])
def test_oversized_proposal_is_refused_before_it_is_read(bot, proposal_data, validations_sent, size):
    """Bodies past the API's limit (1 MiB) are a JSON 413, like every /api/ route."""
    response = bot.post(URL, proposal_data | {"description": "d" * size}, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert not Problem.objects.exists()
