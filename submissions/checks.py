"""Checks (issue 27): Lean's proof state of some code against a problem, for its owner alone.

A check is not a submission: it has no verdict, and it is never counted in statistics,
leaderboards or dumps (it is its own table, which none of them read). A run reports how many
checks its owner made (check_counts), beside its pass@k. What the answer holds is the judge's
CheckResult (judge/results.py), asked through the seam: `site_judge().check(problem, code,
owner=...)`, on a judge worker, never in the web process.

    create --rate limit, one in flight--> cached? --yes--> finished (a copy, from_cache)
                                             |
                                             no --> queued --run (claim)--> running --> finished
    (unanswered after ARENA_CHECK_EXPIRE_SECONDS: finished as an error; its owner may check again)
    (after ARENA_CHECK_KEEP_DAYS: its code and answer are dropped, the row stays for the run's count)

Every state change is a conditional UPDATE, so a message delivered twice runs the check once.
The row's `token` is its poll id: 32 random bytes, answered only to the account that asked.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import secrets
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from judge.problem_format import ProblemSpec
from judge.results import CheckResult
from judge.results import CheckStatus as ResultStatus
from judge.seam import exporter_identity, site_judge
from judge.source_checks import normalise_line_endings
from lib.rate_limits import count_request
from problems.models import Problem, ProblemStatus, ProblemVersion
from problems.profiles import missing_modules_message, profile_get
from problems.selectors import problem_latest_version
from submissions.models import Check, CheckStatus

logger = logging.getLogger(__name__)

NOT_A_VERDICT = "A check is not a submission: only a submission gets a verdict."
PENDING = (CheckStatus.QUEUED, CheckStatus.RUNNING)


class CheckRateLimited(Exception):
    """Past ARENA_CHECK_RATE: `wait` seconds until the window ends."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"Too many checks: try again in {int(wait) + 1} s.")
        self.wait = wait


class CheckInFlight(Exception):
    """The owner's previous check has no answer yet (one at a time per account)."""

    def __init__(self, check: Check) -> None:
        super().__init__("Your previous check has no answer yet: wait for it (or poll it), then check again.")
        self.check = check


def check_key(*, fingerprint: str, checker_version: str, code: str) -> str:
    """What a kept answer is keyed by: the problem version, the exporter and toolchain, the
    checker, the code. Equal keys give equal answers, so one may stand for the other."""
    code_digest = hashlib.sha256(code.encode()).hexdigest()
    parts = [fingerprint, exporter_identity(), checker_version, code_digest]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _spec(problem: Problem) -> tuple[ProblemSpec, ProblemVersion | None]:
    """The statement checked against: a published problem's frozen version, a draft as it is now."""
    version = problem_latest_version(problem=problem) if problem.status == ProblemStatus.PUBLISHED else None
    return (version.to_spec() if version else problem.to_spec()), version


def _clean_code(code: str) -> str:
    code = normalise_line_endings(code)
    try:
        size = len(code.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise ValidationError("The code is not valid Unicode text.", code="encoding") from exc
    limit = settings.ARENA_MAX_CODE_BYTES
    if size > limit:
        raise ValidationError(f"The code is {size:,} bytes (UTF-8); the limit is {limit:,} bytes.", code="too_large")
    if not code.strip():
        raise ValidationError("The code is empty.", code="empty")
    return code


def check_create(*, user, problem: Problem, code: str) -> Check:
    """Ask for a check of `code` against `problem` (one the caller may see: problem_get_visible).

    Raises CheckRateLimited (ARENA_CHECK_RATE, one count for the API, the editor and the form),
    ValidationError (the code, a problem this site cannot judge) or CheckInFlight. An identical
    check answered within ARENA_CHECK_CACHE_SECONDS is copied, finished, without Lean.
    """
    wait = count_request(scope="check", who=str(user.pk), rate=settings.ARENA_CHECK_RATE)
    if wait is not None:
        raise CheckRateLimited(wait)
    code = _clean_code(code)
    profile = profile_get(problem.import_profile)
    if not profile.served:
        raise ValidationError(missing_modules_message(profile), code="profile_not_served")
    spec, version = _spec(problem)
    key = check_key(fingerprint=spec.statement_fingerprint, checker_version=site_judge().checker_version, code=code)
    now = timezone.now()
    with transaction.atomic():
        # the owner's row stays locked until commit: two requests cannot both start a check
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        in_flight = _pending(Check.objects.filter(user=user), now=now).first()
        if in_flight is not None:
            raise CheckInFlight(in_flight)
        cached = (
            Check.objects.filter(
                key=key,
                status=CheckStatus.FINISHED,
                finished_at__gte=now - timedelta(seconds=settings.ARENA_CHECK_CACHE_SECONDS),
            )
            .exclude(result__status=ResultStatus.ERROR)  # our failure is worth trying again
            .order_by("-finished_at")
            .first()
        )
        check = Check.objects.create(
            token=secrets.token_urlsafe(32),
            user=user,
            problem=problem,
            problem_version=version,
            code=code,
            key=key,
            status=CheckStatus.FINISHED if cached else CheckStatus.QUEUED,
            result=cached.result if cached else None,
            from_cache=cached is not None,
            finished_at=now if cached else None,
        )
        if not cached:
            _enqueue_on_commit(check.pk, queue=profile.queue)
    return check


def _pending(checks, *, now: datetime):
    """The checks of `checks` still waiting for an answer that may yet come."""
    alive = now - timedelta(seconds=settings.ARENA_CHECK_EXPIRE_SECONDS)
    return checks.filter(status__in=PENDING, created_at__gte=alive)


def check_run(*, check_id: int) -> bool:
    """Run a queued check on this worker and record its answer; False if another delivery has
    it, it is answered, or it expired. What the task runs."""
    now = timezone.now()
    claimed = _pending(Check.objects.filter(pk=check_id, status=CheckStatus.QUEUED), now=now).update(
        status=CheckStatus.RUNNING
    )
    if not claimed:
        return False
    check = Check.objects.select_related("problem", "problem_version").get(pk=check_id)
    spec = check.problem_version.to_spec() if check.problem_version else check.problem.to_spec()
    try:
        # the same owner as the account's submissions: a kept exporter serves both, never another's
        result = site_judge().check(spec, check.code, owner=f"user:{check.user_id}")
        if not isinstance(result, CheckResult):
            raise TypeError(f"the judge returned {type(result).__name__}, not CheckResult")
    except Exception as exc:  # our fault, never the code's: said so, and not kept as an answer
        logger.exception("check %s failed", check_id)
        result = CheckResult(status=ResultStatus.ERROR, refusal=f"The check failed on our side ({type(exc).__name__}).")
    Check.objects.filter(pk=check_id, status=CheckStatus.RUNNING).update(
        status=CheckStatus.FINISHED, result=result.to_dict(), finished_at=timezone.now()
    )
    return True


def _expire(check: Check, *, now: datetime) -> Check:
    """A pending check past ARENA_CHECK_EXPIRE_SECONDS is finished as an error (its worker or
    message was lost); a late answer is then not written over it."""
    if not check.is_pending or check.created_at >= now - timedelta(seconds=settings.ARENA_CHECK_EXPIRE_SECONDS):
        return check
    expired = CheckResult(
        status=ResultStatus.ERROR,
        refusal=f"No answer within {settings.ARENA_CHECK_EXPIRE_SECONDS} s (our fault): check again.",
    )
    Check.objects.filter(pk=check.pk, status__in=PENDING).update(
        status=CheckStatus.FINISHED, result=expired.to_dict(), finished_at=now
    )
    check.refresh_from_db()
    return check


def check_get(*, token: str, user) -> Check:
    """The user's own check by its poll id; Check.DoesNotExist for any other (or none)."""
    if not user.is_authenticated:
        raise Check.DoesNotExist
    check = Check.objects.select_related("problem").get(token=token, user=user)
    return _expire(check, now=timezone.now())


# A waiting request holds a web thread: at most this many check waits per process (the form's
# and the API's together); past it the answer is the id to poll at once.
_waiters = threading.BoundedSemaphore(settings.ARENA_API_MAX_WAITERS_PER_PROCESS)


def check_wait(*, check: Check, seconds: float) -> Check:
    """The check once answered, or as it is after `seconds` (read again every tenth of a second)."""
    if seconds <= 0 or not check.is_pending or not _waiters.acquire(blocking=False):
        return check
    try:
        deadline = time.monotonic() + seconds
        while check.is_pending and time.monotonic() < deadline:
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))
            check = _expire(Check.objects.select_related("problem").get(pk=check.pk), now=timezone.now())
        return check
    finally:
        _waiters.release()


def check_counts(*, user, problem_ids: list[int], since: datetime) -> dict[int, int]:
    """How many checks `user` asked per problem since `since` (a run's opening): what a run
    reports beside its pass@k."""
    rows = (
        Check.objects.filter(user=user, problem_id__in=problem_ids, created_at__gte=since)
        .values("problem_id")
        .annotate(n=Count("pk"))
    )
    return {row["problem_id"]: row["n"] for row in rows}


def checks_prune(*, now: datetime | None = None) -> int:
    """Drop the code and the answer of every check finished more than ARENA_CHECK_KEEP_DAYS ago
    (a check is scratch work: its owner polled it long since); the row stays, so a run still
    counts it. How many were pruned."""
    before = (now or timezone.now()) - timedelta(days=settings.ARENA_CHECK_KEEP_DAYS)
    old = Check.objects.filter(finished_at__lt=before).exclude(code="", result=None)
    return old.update(code="", result=None)


@dataclasses.dataclass(frozen=True)
class CheckView:
    """A check as the pages and the API show it: positions as Lean gives them (1-based lines,
    code-point columns), the result as stored (CheckResult.to_dict())."""

    token: str
    status: str
    problem: str
    problem_version: int | None
    from_cache: bool
    created_at: datetime
    finished_at: datetime | None
    result: dict | None
    note: str = NOT_A_VERDICT


def check_view(check: Check) -> CheckView:
    version = check.problem_version.number if check.problem_version_id and check.problem_version else None
    return CheckView(
        token=check.token,
        status=check.status,
        problem=check.problem.slug,
        problem_version=version,
        from_cache=check.from_cache,
        created_at=check.created_at,
        finished_at=check.finished_at,
        result=check.result,
    )


def _enqueue_on_commit(check_id: int, *, queue: str) -> None:
    # robust: a broker that is down must not fail the request after the row is committed; the
    # check then expires (ARENA_CHECK_EXPIRE_SECONDS) and its owner may check again
    def enqueue_check() -> None:
        _send(check_id, queue=queue)

    transaction.on_commit(enqueue_check, robust=True)


# Ahead of every other message on the judge's queue (CELERY_TASK_DEFAULT_PRIORITY, Redis): someone
# is waiting for this answer. A flood of checks is bounded by ARENA_CHECK_RATE and one in flight
# per account; their share of Lean time is the runner's (LeanJob.interactive).
CHECK_PRIORITY = 0


def _send(check_id: int, *, queue: str, **options: Any) -> None:
    from submissions.tasks import run_check_task

    run_check_task.apply_async(args=[check_id], queue=queue, priority=CHECK_PRIORITY, **options)


def check_page(check: Check) -> dict[str, Any]:
    """A check as the problem page shows it (as text without JavaScript; `editor` for the editor's
    Goals panel, which shows the state at the cursor)."""
    result = check.result or {}
    return {
        "pending": check.is_pending,
        "status": result.get("status", ""),
        "refusal": result.get("refusal", ""),
        "sorries": [s for s in result.get("sorries") or [] if isinstance(s, dict)],
        "messages": [m for m in result.get("messages") or [] if isinstance(m, dict)],
        "open_theorems": [str(t) for t in result.get("open_theorems") or []],
        "truncated": bool(result.get("truncated")),
        "editor": {
            "id": check.token,
            "status_url": reverse("api-v1-check-detail", args=[check.token]),
            "code": check.code,
            "status": check.status,
            "result": check.result,
        },
    }
