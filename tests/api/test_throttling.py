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
    # the table is not a model's: a transactional test before this one (a live site, a worker)
    # may have left counts in it that no rollback removes
    cache.clear()
    api.get("/api/v1/tokens/")
    APIClient().get("/api/v1/problems/")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM arena_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert sum("throttle:user:" in key for key in keys) == 1  # the signed-in request
    assert sum("throttle:ip:" in key for key in keys) == 1  # the anonymous one
    cache.clear()


def test_on_redis_one_round_trip_counts_what_the_cache_counts(api, problem, settings):
    """With CACHE_URL=redis://… a count is SET NX EX + INCRBY on a client of the process; the
    key, the number and its expiry are those of cache.add()/cache.incr()."""
    from django.core.cache import caches

    from api.throttling import count_request
    from tests.site.celery_workers import TEST_REDIS_URL

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": "throttle-test",
        }
    }
    redis_cache = caches["default"]
    client = redis_cache._cache.get_client(write=True)

    def forget() -> None:  # only this test's keys: other tests may share the Redis database
        for key in client.keys("throttle-test:*"):
            client.delete(key)

    forget()
    try:
        settings.ARENA_API_USER_RATE = "2/min"
        assert [api.get("/api/v1/tokens/").status_code for _ in range(3)] == [200, 200, 429]
        assert count_request(scope="t", who="x", rate="5/h", cost=2) is None
        (key,) = client.keys("throttle-test:1:throttle:t:x:*")
        assert redis_cache.get(key.decode().split(":", 2)[2]) == 2  # the cache reads the raw count
        assert 3600 <= client.ttl(key) <= 3601
        assert count_request(scope="t", who="x", rate="5/h", cost=4) is not None  # refused...
        assert redis_cache.get(key.decode().split(":", 2)[2]) == 2  # ...and counted nothing
    finally:
        forget()
