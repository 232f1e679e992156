"""Rate limits per account and per address, counted in the shared (database) cache, with Retry-After."""

from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from tests.api.conftest import client_for


def test_per_user_limit_answers_429_with_retry_after(api, problem, settings):
    settings.ARENA_API_USER_RATE = "3/min"
    codes = [api.get("/api/v1/tokens/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = api.get("/api/v1/tokens/")
    assert refused.json()["code"] == "throttled" and 1 <= int(refused["Retry-After"]) <= 60


def test_the_user_limit_covers_every_token_of_the_account(user, token, problem, settings):
    from bots.services import token_create

    settings.ARENA_API_USER_RATE = "2/min"
    second = token_create(user=user, name="second")
    assert client_for(token.key).get("/api/v1/tokens/").status_code == 200
    assert client_for(second.key).get("/api/v1/tokens/").status_code == 200
    assert client_for(second.key).get("/api/v1/tokens/").status_code == 429


def test_per_ip_limit_covers_anonymous_clients(problem, settings):
    settings.ARENA_API_IP_RATE = "2/min"
    codes = [APIClient().get("/api/v1/problems/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    other_address = APIClient(REMOTE_ADDR="198.51.100.7")
    assert other_address.get("/api/v1/problems/").status_code == 200


def test_counts_live_in_the_shared_database_cache(api, problem, settings):
    """Every web process reads the same table, so the limit is not multiplied by the workers."""
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    api.get("/api/v1/tokens/")
    APIClient().get("/api/v1/problems/")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM arena_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert sum("throttle:user:" in key for key in keys) == 1  # the signed-in request
    assert sum("throttle:ip:" in key for key in keys) == 1  # the anonymous one
    cache.clear()
