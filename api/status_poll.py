"""The fast path of GET /api/v1/submissions/<id>/, the request bots repeat most.

It gives SubmissionDetailView's answer without DRF's request, negotiation, authentication,
permission and serializer machinery, which took four fifths of a poll's time (a ModelSerializer
builds its fields again for every object):
- two SQL queries: the token, its account and the submission's origin (bots.selectors.poll_token),
  then the submission if that account may see it (submissions.selectors.submission_poll);
- the request counts against the account's limit exactly as PerUserThrottle counts it;
- the body is SubmissionDetailOutput's fields, in its order and formats.

Only the plain case takes it: a GET with no query string, `Authorization: Token|Bearer arena_…`
and a JSON (or no) Accept, by an active token of an active account, for a submission that
account may see. Everything else (?wait, ?format, sessions and the older DRF tokens, the
browsable API, unknown or revoked keys, other users' submissions) goes to the DRF view, which
answers it as it always did. Nothing is cached: every poll reads the row as it is committed, so
no poll shows a state the database has left, nor another account's submission.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import orjson
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions

from api import serializers
from api.errors import error_body
from api.throttling import count_user_request
from bots import selectors as bots_selectors
from bots import services
from submissions.selectors import submission_poll

FIELDS = serializers.SubmissionDetailOutput.Meta.fields
JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})
# What DRF's APIView adds to every answer of this view (GET and OPTIONS; two renderers).
DRF_HEADERS = {"Allow": "GET, HEAD, OPTIONS", "Vary": "Accept"}


def with_fast_poll(drf_view):
    """Wrap SubmissionDetailView.as_view(): the fast path first, DRF when it declines. The
    wrapper keeps the view's attributes (cls, initkwargs), so the OpenAPI schema still sees
    SubmissionDetailView."""

    @functools.wraps(drf_view)
    def view(request: HttpRequest, submission_id: int) -> HttpResponse:
        response = fast_poll(request, submission_id)
        return response if response is not None else drf_view(request, submission_id=submission_id)

    return view


def fast_poll(request: HttpRequest, submission_id: int) -> HttpResponse | None:
    """The answer to a plain poll, or None to let the DRF view answer."""
    meta = request.META
    if request.method != "GET" or meta.get("QUERY_STRING") or meta.get("HTTP_ACCEPT", "") not in JSON_ACCEPTS:
        return None
    key = _arena_key(meta.get("HTTP_AUTHORIZATION", ""))
    if key is None:
        return None
    token = bots_selectors.poll_token(key_hash=services.token_hash(key), submission_id=submission_id)
    if token is None:
        return None  # DRF answers 401
    submission = submission_poll(submission_id=submission_id, user_id=token.user_id, is_staff=token.is_staff)
    if submission is None:
        return None  # DRF answers 404 (and counts it as it counts any request)
    submission.update(run=token.run_id, batch=token.batch_id)
    services.token_mark_used(token_id=token.token_id, last_used_at=_aware(token.token_last_used_at))
    wait = count_user_request(token.user_id)
    if wait is not None:
        refused = exceptions.Throttled(wait)  # DRF's words and its rounding of the wait
        body = error_body(429, str(refused.detail), refused.default_code)
        return _json(body, status=429, headers={**DRF_HEADERS, "Retry-After": str(refused.wait)})
    return _json({name: _field(name, submission) for name in FIELDS}, status=200, headers=DRF_HEADERS)


def _json(body: dict, *, status: int, headers: dict[str, str]) -> HttpResponse:
    # compact and UTF-8, as DRF's JSONRenderer writes it
    return HttpResponse(orjson.dumps(body), content_type="application/json", status=status, headers=headers)


def _arena_key(authorization: str) -> str | None:
    """The key of `Token arena_…` or `Bearer arena_…` (ApiTokenAuthentication's keywords)."""
    parts = authorization.split()
    if len(parts) != 2 or parts[0].lower() not in ("token", "bearer") or not parts[1].startswith(services.KEY_PREFIX):
        return None
    return parts[1] if parts[1].isascii() else None


def _field(name: str, submission: dict):
    if name == "status_url":
        return reverse("api-v1-submission-detail", args=[submission["id"]])
    value = submission[name]
    if name in ("created_at", "finished_at"):
        return _iso(_aware(value))
    if name == "result" and isinstance(value, str | bytes):
        return orjson.loads(value)  # JSON columns come back as text (PostgreSQL, SQLite)
    return value


def _aware(value: datetime | str | None) -> datetime | None:
    """A datetime column's value: SQLite hands raw SQL its text, naive in UTC."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _iso(value: datetime | None) -> str | None:
    """DRF's DateTimeField: ISO 8601 in UTC (TIME_ZONE), with Z for +00:00."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
