"""GET /health/."""

from django.urls import reverse


def test_health(client, db):
    assert client.get(reverse("health")).json() == {"database": "ok"}
