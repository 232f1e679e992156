"""While the database cannot be reached, pages and the API answer a clear 503, not a 500.
(tests/site/test_outages.py shows it against a real PostgreSQL that is shut down.)"""

import pytest
from django.db import OperationalError

from api import problems as problems_api
from submissions import problem_pages


def unreachable(*args, **kwargs):
    raise OperationalError('connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused')


@pytest.fixture
def database_down(monkeypatch):
    monkeypatch.setattr(problems_api, "problem_list_published", unreachable)
    monkeypatch.setattr(problem_pages, "problem_list_with_stats", unreachable)


def test_the_api_answers_503_json_with_retry_after(client, db, database_down):
    response = client.get("/api/problems/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "database is unavailable" in response.json()["detail"]


def test_a_page_answers_503_in_words(client, db, database_down):
    response = client.get("/")
    assert response.status_code == 503
    assert "nothing you sent was lost" in response.content.decode()


def test_other_errors_stay_500(client, db, monkeypatch):
    monkeypatch.setattr(problems_api, "problem_list_published", lambda: 1 / 0)
    client.raise_request_exception = False
    assert client.get("/api/problems/").status_code == 500
