"""Changing what the bot API owns: tokens, API submissions and batches, runs, idempotency
keys, webhook deliveries. Called by the API views, the tokens page, tasks and commands alike."""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import json
import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from bots import outbound
from bots.models import (
    ApiToken,
    Batch,
    DeliveryStatus,
    IdempotencyKey,
    Run,
    SubmissionOrigin,
    WebhookAttempt,
    WebhookDelivery,
)
from bots.signing import signed_headers
from problems.models import Problem
from submissions.models import AuthorKind, Submission
from submissions.services import submission_create, submissions_in_flight_reserve

logger = logging.getLogger(__name__)

KEY_PREFIX = "arena_"


# --- Tokens ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class NewToken:
    """A token just made: the key and the webhook secret exist in clear only here."""

    token: ApiToken
    key: str
    webhook_secret: str


def token_hash(key: str) -> str:
    # The key carries 256 random bits: a fast hash is enough, a slow one would cost every request.
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user, name: str, is_machine: bool = False, model_name: str = "") -> NewToken:
    name = name.strip()
    model_name = model_name.strip()
    if not name:
        raise ValidationError({"name": "A token needs a name."})
    if is_machine and not model_name:
        raise ValidationError({"model_name": "A bot token needs the model name it submits for."})
    if not is_machine and model_name:
        raise ValidationError({"model_name": "Only a bot token has a model name."})
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= settings.ARENA_API_MAX_TOKENS_PER_USER:
        raise ValidationError({"name": f"At most {settings.ARENA_API_MAX_TOKENS_PER_USER} active tokens per account."})
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    webhook_secret = f"whsec_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=prefix,
        key_hash=token_hash(key),
        is_machine=is_machine,
        model_name=model_name[:200],
        webhook_secret=webhook_secret,
    )
    return NewToken(token=token, key=key, webhook_secret=webhook_secret)


def token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of user's tokens; False if it is not theirs or already revoked."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def token_authenticate(*, key: str) -> ApiToken | None:
    """The active token with this key, or None."""
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    token_mark_used(token_id=token.pk, last_used_at=token.last_used_at)
    return token


def token_mark_used(*, token_id: int, last_used_at: datetime | None) -> None:
    """Record that the token was used now, at most once a minute: polling must not write on
    every request."""
    now = timezone.now()
    if last_used_at is None or now - last_used_at > timedelta(seconds=60):
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)


# --- Submissions through the API ------------------------------------------------------------


def authorship(*, token: ApiToken | None, run: Run | None = None) -> dict[str, str]:
    """author_kind and model_name for a submission: the run's model wins, then the token's."""
    if run is not None:
        return {"author_kind": AuthorKind.MACHINE, "model_name": run.model_name}
    if token is not None and token.is_machine:
        return {"author_kind": AuthorKind.MACHINE, "model_name": token.model_name}
    return {"author_kind": AuthorKind.HUMAN, "model_name": ""}


@dataclasses.dataclass(frozen=True)
class SubmissionRequest:
    problem: Problem
    code: str
    callback_url: str = ""


def _check_callback(*, token: ApiToken | None, callback_url: str) -> None:
    if not callback_url:
        return
    if token is None:
        raise ValidationError(
            {"callback_url": "Callbacks are signed with a token's secret: authenticate with a token."}
        )
    try:
        outbound.check_url(callback_url)
    except outbound.DeliveryRefused as exc:
        raise ValidationError({"callback_url": str(exc)}) from exc


def _check_run(*, user, run: Run | None, problems: list[Problem]) -> None:
    if run is None:
        return
    if run.user_id != user.pk:
        raise ValidationError({"run": "No such run of yours."})
    in_run = set(run.problems.values_list("pk", flat=True))
    outside = sorted({problem.slug for problem in problems if problem.pk not in in_run})
    if outside:
        raise ValidationError({"run": f"Not in the run's problem set: {', '.join(outside)}."})


def api_submission_create(
    *, user, token: ApiToken | None, request: SubmissionRequest, run: Run | None = None, batch: Batch | None = None
) -> Submission:
    _check_callback(token=token, callback_url=request.callback_url)
    _check_run(user=user, run=run, problems=[request.problem])
    with transaction.atomic():
        submission = submission_create(
            user=user, problem=request.problem, code=request.code, **authorship(token=token, run=run)
        )
        SubmissionOrigin.objects.create(
            submission=submission, token=token, run=run, batch=batch, callback_url=request.callback_url
        )
    return submission


class BatchInvalid(Exception):
    """Some items of a batch were refused; nothing was stored. errors[i] is item i's, or {}."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__("invalid batch")
        self.errors = errors


def batch_create(
    *, user, token: ApiToken | None, requests: list[SubmissionRequest], run: Run | None = None, callback_url: str = ""
) -> Batch:
    """All or nothing: every item valid, or BatchInvalid and no row stored (a retry is then safe)."""
    if not 1 <= len(requests) <= settings.ARENA_API_BATCH_MAX_ITEMS:
        raise ValidationError({"submissions": f"A batch holds 1 to {settings.ARENA_API_BATCH_MAX_ITEMS} submissions."})
    _check_callback(token=token, callback_url=callback_url)
    _check_run(user=user, run=run, problems=[r.problem for r in requests])
    errors: list[dict] = []
    with transaction.atomic():
        # each item counts against the owner's in-flight limit: the whole batch fits, or none of it
        submissions_in_flight_reserve(user=user, count=len(requests))
        batch = Batch.objects.create(user=user, run=run, callback_url=callback_url)
        for request in requests:
            try:
                with transaction.atomic():
                    api_submission_create(
                        user=user,
                        token=token,
                        request=dataclasses.replace(request, callback_url=request.callback_url or callback_url),
                        run=run,
                        batch=batch,
                    )
            except ValidationError as exc:
                errors.append(exc.message_dict if hasattr(exc, "error_dict") else {"code": exc.messages})
            else:
                errors.append({})
        if any(errors):
            transaction.set_rollback(True)
            raise BatchInvalid(errors)
    return batch


# --- Runs -----------------------------------------------------------------------------------


def run_create(
    *, user, token: ApiToken | None, model_name: str, k: int, problems: list[Problem], name: str = ""
) -> Run:
    model_name = model_name.strip()
    if not model_name:
        raise ValidationError({"model_name": "A run needs the model name."})
    if not 1 <= k <= settings.ARENA_API_RUN_MAX_K:
        raise ValidationError({"k": f"k is 1 to {settings.ARENA_API_RUN_MAX_K}."})
    if not problems:
        raise ValidationError({"problems": "A run needs at least one problem."})
    with transaction.atomic():
        run = Run.objects.create(user=user, token=token, model_name=model_name[:200], k=k, name=name.strip()[:200])
        run.problems.set(problems)
    return run


# --- Idempotency ----------------------------------------------------------------------------


class IdempotencyConflict(Exception):
    """The key was used before with another request."""


def request_fingerprint(*, method: str, path: str, data) -> str:
    canonical = json.dumps([method, path, data], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent_call(
    *, user, key: str, fingerprint: str, create: Callable[[], tuple[int, dict]]
) -> tuple[int, dict, bool]:
    """Run create() once per (user, key): (status, body, replayed).

    The key's row is inserted in the same transaction as what create() makes, so two retries
    racing each other serialise on the unique index: the second waits, then replays the first.
    A create() that raises stores nothing, so the key may be used again.
    """

    def replay() -> tuple[int, dict, bool]:
        record = IdempotencyKey.objects.get(user=user, key=key)
        if record.fingerprint != fingerprint:
            raise IdempotencyConflict
        return record.response_status, record.response_body, True

    if IdempotencyKey.objects.filter(user=user, key=key).exists():
        return replay()
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                user=user, key=key, fingerprint=fingerprint, response_status=0, response_body={}
            )
            status, body = create()
            IdempotencyKey.objects.filter(pk=record.pk).update(response_status=status, response_body=body)
    except IntegrityError:
        return replay()
    return status, body, False


def idempotency_keys_prune(*, older_than: timedelta) -> int:
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


# --- Webhooks -------------------------------------------------------------------------------


def webhook_payload(submission: Submission) -> dict:
    return {
        "event": "submission.finished",
        "submission": {
            "id": submission.pk,
            "problem": submission.problem_version.problem.slug,
            "problem_version": submission.problem_version.number,
            "status": submission.status,
            "verdict": submission.verdict,
            "judging": submission.judging,
            "finished_at": submission.finished_at.isoformat() if submission.finished_at else None,
            "run": submission.origin.run_id,
            "batch": submission.origin.batch_id,
        },
    }


def webhook_delivery_create(*, submission_id: int) -> WebhookDelivery | None:
    """A delivery for a finished submission with a callback URL; enqueued once committed."""
    origin = (
        SubmissionOrigin.objects.select_related("submission__problem_version__problem", "token")
        .filter(submission_id=submission_id)
        .exclude(callback_url="")
        .first()
    )
    if origin is None or origin.token is None:
        return None
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            user_id=origin.submission.user_id,
            submission=origin.submission,
            token=origin.token,
            url=origin.callback_url,
            payload=webhook_payload(origin.submission),
        )
        transaction.on_commit(partial(_enqueue_delivery, str(delivery.pk), None), robust=True)
    return delivery


def webhook_retry_delay(attempt: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (1, 2, ...)."""
    return settings.ARENA_WEBHOOK_RETRY_BASE_SECONDS * 3 ** (attempt - 1)


def webhook_attempt(*, delivery_id: str) -> int | None:
    """POST a pending delivery once. Returns the seconds to wait before the next attempt, or
    None when it is done (delivered, or given up after ARENA_WEBHOOK_MAX_ATTEMPTS)."""
    with transaction.atomic():
        # Claim the attempt: a duplicate task message finds the count moved and does nothing.
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status != DeliveryStatus.PENDING or delivery.token is None:
            return None
        number = delivery.attempts + 1
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1)
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = signed_headers(
        secret=delivery.token.webhook_secret, delivery_id=str(delivery.pk), timestamp=int(time.time()), body=body
    )
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    try:
        status_code = outbound.post(
            delivery.url, body=body, headers=headers, timeout=settings.ARENA_WEBHOOK_TIMEOUT_SECONDS
        )
        if not 200 <= status_code < 300:
            error = "redirect not followed" if 300 <= status_code < 400 else f"answered {status_code}"
    except outbound.DeliveryRefused as exc:
        error = f"refused: {exc}"
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        response_status=status_code,
        error=error[:500],
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    if not error:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.DELIVERED, delivered_at=timezone.now()
        )
        return None
    if number >= settings.ARENA_WEBHOOK_MAX_ATTEMPTS or error.startswith("refused"):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
        logger.warning("webhook %s given up after %s attempts: %s", delivery.pk, number, error)
        return None
    return webhook_retry_delay(number)


def _enqueue_delivery(delivery_id: str, countdown: int | None) -> None:
    from bots.tasks import deliver_webhook_task

    deliver_webhook_task.apply_async(args=[delivery_id], countdown=countdown)
