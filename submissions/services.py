"""Changing submissions: create, claim, record a result, sweep, rejudge.

The database is the truth (as in CMS): a Celery message only says "look at submission N".
Every state change is a conditional UPDATE, so a duplicate or late message, or a worker that
lost its lease, cannot write a second result:

    queued --claim--> running --record--> finished
      ^                  |  (JUDGE_ERROR, attempts left: back to queued)
      +--sweep/lease-----+  (lease expired: back to queued, or JUDGE_ERROR after the last attempt)

The result may be written only by the JudgeRun the submission's `current_run` names.

A message is a turn of the judge on its queue, not an order to judge its submission: the claim
takes the fairest claimable submission of that queue (submission_claim_next), so every enqueue
still gives exactly one claim, and no owner's backlog holds the judge while others wait. The
order: form submissions (interactive) before bulk ones (API, batches); then the owner with the
fewest submissions running, then the one the judge served longest ago (round-robin); then the
oldest. Each owner has at most ARENA_MAX_IN_FLIGHT_PER_OWNER submissions queued or running.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.licence import site_licence
from accounts.services import licence_has_accepted_current
from judge.results import JudgeResult, Reason, Verdict
from judge.seam import site_judge
from judge.source_checks import normalise_line_endings
from lib.logging import submission_log_context
from problems.models import Problem, ProblemStatus
from problems.profiles import UnknownProfile, missing_modules_message, profile_get, profiles
from problems.selectors import problem_latest_version
from problems.services import problem_version_sync, spec_audit_record
from submissions.metrics import record_sweep_requeues
from submissions.models import AuthorKind, JudgeRun, Submission, SubmissionStatus
from submissions.signals import submission_finished

logger = logging.getLogger(__name__)

IN_FLIGHT = (SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)


class InFlightLimitExceeded(ValidationError):
    """The owner already has ARENA_MAX_IN_FLIGHT_PER_OWNER submissions queued or running.

    A ValidationError, so a form shows it; the APIs answer it 429 (code "too_many_in_flight").
    """

    code = "too_many_in_flight"


def submissions_in_flight_reserve(*, user, count: int = 1) -> None:
    """Raise InFlightLimitExceeded unless user may add count submissions to those in flight.

    Called in the transaction that creates them: the owner's row stays locked until it commits,
    so two requests of one owner cannot both take the last free place.
    """
    limit = settings.ARENA_MAX_IN_FLIGHT_PER_OWNER
    with transaction.atomic():
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        in_flight = Submission.objects.filter(user=user, status__in=IN_FLIGHT).count()
    if in_flight + count <= limit:
        return
    waiting = f"You have {in_flight} submission{'s' if in_flight != 1 else ''} waiting for a verdict"
    asked = f"; these {count} would make {in_flight + count}" if count > 1 else ""
    raise InFlightLimitExceeded(
        f"{waiting}{asked}, and the limit is {limit} per account. Submit again once some are judged.",
        code=InFlightLimitExceeded.code,
    )


def submission_create(
    *,
    user,
    problem: Problem,
    code: str,
    author_kind: str = AuthorKind.HUMAN,
    model_name: str = "",
    interactive: bool = False,
) -> Submission:
    """Validate and store a submission; its judging is enqueued once the row is committed.

    author_kind and model_name say who wrote the code (the bot API fills them from the token or run).
    interactive: sent from the browser form (judged ahead of bulk submissions, see the top).
    """
    code = normalise_line_endings(code)
    limit = settings.ARENA_MAX_CODE_BYTES
    try:
        size = len(code.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise ValidationError("The code is not valid Unicode text.", code="encoding") from exc
    if size > limit:
        raise ValidationError(
            f"The code is {size:,} bytes (UTF-8); the limit is {limit:,} bytes (64 KiB).",
            code="too_large",
        )
    if not code.strip():
        raise ValidationError("The code is empty.", code="empty")
    if problem.status != ProblemStatus.PUBLISHED:
        raise ValidationError("This problem does not take submissions.", code="not_published")
    licence = site_licence()
    if not licence_has_accepted_current(user=user):
        raise ValidationError(
            f"Accept the site licence ({licence.name}, version {licence.version}) before submitting: "
            f"{reverse('licence')}",
            code="licence_not_accepted",
        )
    profile = profile_get(problem.import_profile)
    if not profile.served:
        # no worker here has its modules: refused now rather than queued forever
        raise ValidationError(missing_modules_message(profile), code="profile_not_served")
    with transaction.atomic():
        # Versions are frozen when a problem is published or edited; sync only if none was.
        version = problem_latest_version(problem=problem) or problem_version_sync(problem=problem)
        submissions_in_flight_reserve(user=user)
        if interactive:
            # past the first few, a form submission waits with the bulk ones: priority is for a
            # person waiting for a verdict, not for a script posting the form
            mine = Submission.objects.filter(user=user, status__in=IN_FLIGHT, interactive=True)
            interactive = mine.count() < settings.ARENA_INTERACTIVE_IN_FLIGHT
        submission = Submission.objects.create(
            user=user,
            problem_version=version,
            code=code,
            licence=licence.identifier,
            licence_version=licence.version,
            author_kind=author_kind,
            model_name=model_name,
            interactive=interactive,
        )
        _enqueue_on_commit(submission.pk)
    return submission


def submission_claim(*, submission_id: int, worker: str, now: datetime | None = None) -> JudgeRun | None:
    """Take this very submission for judging: queued, or running past its lease, with attempts left.

    Returns the new JudgeRun, or None when another delivery holds or has finished it.
    """
    now = now or timezone.now()
    claimable = Q(status=SubmissionStatus.QUEUED) | Q(status=SubmissionStatus.RUNNING, lease_expires_at__lt=now)
    with transaction.atomic():
        return _claim(submission_id=submission_id, claimable=claimable, worker=worker, now=now)


def submission_claim_next(*, hint_id: int, worker: str, now: datetime | None = None) -> JudgeRun | None:
    """Take the fairest queued submission of hint_id's queue (the order: see the top); if none
    is claimable now, hint_id itself as submission_claim does (one past its lease, or one
    whose retry delay other messages respect but its own delayed message ends).

    The pick locks its row with SKIP LOCKED, so concurrent claimers take different rows without
    waiting for each other; the conditional UPDATE in _claim keeps the claim exclusive anyway.
    """
    now = now or timezone.now()
    # The plan is Limit <- LockRows <- Sort: a row claimed since the sort is re-checked and
    # passed over for the next, so the pick finds a row whenever one is claimable and unlocked.
    picked = _fair_queue(hint_id=hint_id, now=now).select_for_update(skip_locked=True, of=("self",))
    with transaction.atomic():
        submission_id = picked.values_list("pk", flat=True).first()
        if submission_id is not None:
            queued = Q(status=SubmissionStatus.QUEUED)
            run = _claim(submission_id=submission_id, claimable=queued, worker=worker, now=now)
            if run is not None:
                return run
    return submission_claim(submission_id=hint_id, worker=worker, now=now)


def _fair_queue(*, hint_id: int, now: datetime):
    """The queued submissions judged on hint_id's queue, fairest first."""
    profile_name = (
        Submission.objects.filter(pk=hint_id).values_list("problem_version__problem__import_profile", flat=True).first()
    )
    try:
        queue = profile_get(profile_name or "core").queue
        on_queue = [p.name for p in profiles() if p.queue == queue]
    except UnknownProfile:  # a profile no longer configured: its own submissions only
        on_queue = [profile_name]
    owner = OuterRef("user_id")
    running = (
        Submission.objects.filter(user_id=owner, status=SubmissionStatus.RUNNING)
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_served = (
        Submission.objects.filter(user_id=owner, claimed_at__isnull=False).order_by("-claimed_at").values("claimed_at")
    )
    # a submission back from a JUDGE_ERROR waits its retry delay (its own message is delayed as much)
    retry_due = now - timedelta(seconds=settings.ARENA_JUDGE_RETRY_DELAY_SECONDS)
    return (
        Submission.objects.filter(
            status=SubmissionStatus.QUEUED,
            attempts__lt=settings.ARENA_JUDGE_MAX_ATTEMPTS,
            problem_version__problem__import_profile__in=on_queue,
        )
        .filter(Q(attempts=0) | Q(updated_at__lte=retry_due))
        .annotate(
            owner_running=Coalesce(Subquery(running[:1]), 0),
            owner_served_at=Subquery(last_served[:1]),
        )
        .order_by(
            F("interactive").desc(),
            "owner_running",
            F("owner_served_at").asc(nulls_first=True),
            "created_at",
            "pk",
        )
    )


def _claim(*, submission_id: int, claimable: Q, worker: str, now: datetime) -> JudgeRun | None:
    """Claim submission_id if it is claimable, with one conditional UPDATE; inside a transaction."""
    claimed = Submission.objects.filter(
        claimable, pk=submission_id, attempts__lt=settings.ARENA_JUDGE_MAX_ATTEMPTS
    ).update(
        status=SubmissionStatus.RUNNING,
        attempts=F("attempts") + 1,
        lease_expires_at=now + timedelta(seconds=settings.ARENA_JUDGE_LEASE_SECONDS),
        judged_by=worker,
        claimed_at=now,
        updated_at=now,
    )
    if not claimed:
        return None
    submission = Submission.objects.get(pk=submission_id)
    run = JudgeRun.objects.create(
        submission=submission,
        judging=submission.judging,
        attempt=submission.attempts,
        worker=worker,
    )
    Submission.objects.filter(pk=submission_id).update(current_run=run)
    return run


def submission_record_result(*, run: JudgeRun, result: JudgeResult) -> bool:
    """Write run's result if run still holds the submission; False if it lost it.

    A JUDGE_ERROR with attempts left puts the submission back in the queue instead.
    """
    now = timezone.now()
    data = result.to_json()
    # a judge error the submission may have caused itself is judged again once, not more
    max_attempts = min(settings.ARENA_JUDGE_MAX_ATTEMPTS, result.max_attempts or settings.ARENA_JUDGE_MAX_ATTEMPTS)
    retry = result.verdict is Verdict.JUDGE_ERROR and run.attempt < max_attempts
    if retry:
        fields = {"status": SubmissionStatus.QUEUED}
    else:
        fields = {
            "status": SubmissionStatus.FINISHED,
            "verdict": str(result.verdict),
            "result": data,
            "lean_version": result.lean_version,
            "checker_version": result.checker_version,
            "finished_at": now,
        }
    with transaction.atomic():
        written = Submission.objects.filter(
            pk=run.submission_id, status=SubmissionStatus.RUNNING, current_run=run
        ).update(lease_expires_at=None, updated_at=now, **fields)
        if not written:
            logger.warning("%s lost its submission; result not written", run)
            return False
        JudgeRun.objects.filter(pk=run.pk).update(
            finished_at=now,
            verdict=str(result.verdict),
            result=data,
            lean_version=result.lean_version,
            checker_version=result.checker_version,
        )
        if retry:
            delay = settings.ARENA_JUDGE_RETRY_DELAY_SECONDS
            _enqueue_on_commit(run.submission_id, countdown=delay)
        else:
            if result.spec_audit:
                spec_audit_record(submission=run.submission, findings=result.spec_audit)
            _announce_finished_on_commit(run.submission_id)
    return True


def submission_judge(*, submission_id: int, worker: str) -> bool:
    """Claim the fairest submission of submission_id's queue, judge it (outside any transaction:
    it takes seconds) and record. What the task runs; False if nothing was claimable."""
    run = submission_claim_next(hint_id=submission_id, worker=worker)
    if run is None:
        with submission_log_context(submission_id):
            logger.info("nothing to claim for submission %s's message (duplicate or late delivery)", submission_id)
        return False
    with submission_log_context(run.submission_id):  # every log line of this judging names it
        return _submission_judge(run=run)


def _submission_judge(*, run: JudgeRun) -> bool:
    submission_id = run.submission_id
    submission = Submission.objects.select_related("problem_version__problem").get(pk=submission_id)
    try:
        judge = site_judge()
        with _lease_renewed(run):
            # the owner lets one exporter judge this account's submissions in a row, never another's
            result = judge.judge(
                submission.problem_version.to_spec(), submission.code, owner=f"user:{submission.user_id}"
            )
        if not isinstance(result, JudgeResult):
            raise TypeError(f"the judge returned {type(result).__name__}, not JudgeResult")
    except Exception as exc:  # any fault of ours (the soft time limit too) becomes a JUDGE_ERROR to retry
        logger.exception("judging submission %s failed", submission_id)
        result = JudgeResult(
            verdict=Verdict.JUDGE_ERROR,
            reasons=[Reason(code="judge_crashed", detail=f"{type(exc).__name__}: {exc}")],
        )
    return submission_record_result(run=run, result=result)


def _renew_lease(run: JudgeRun, lease: float) -> bool | None:
    """One renewal: True renewed, False taken back, None the database failed (try next period).
    After a failure this thread's connection is closed, so the next period opens a new one: a
    connection broken by a PostgreSQL restart would otherwise fail every renewal after it (seen
    in the chaos run of 2026-12-07, docs/operations.md)."""
    try:
        return bool(
            Submission.objects.filter(pk=run.submission_id, status=SubmissionStatus.RUNNING, current_run=run).update(
                lease_expires_at=timezone.now() + timedelta(seconds=lease)
            )
        )
    except Exception:  # the database may be back at the next period
        logger.warning("could not renew the lease of %s", run, exc_info=True)
        with contextlib.suppress(Exception):
            connection.close()
        return None


@contextmanager
def _lease_renewed(run: JudgeRun) -> Iterator[None]:
    """Extend run's lease every third of it while the judge works.

    A long judging is then never taken back by the sweep, while a worker that dies stops
    renewing and its submission is re-queued within one lease.
    """
    lease = settings.ARENA_JUDGE_LEASE_SECONDS
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(max(lease / 3, 0.5)):
                if _renew_lease(run, lease) is False:
                    return  # taken back: the result will be refused anyway
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=renew, name=f"lease-{run.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@dataclasses.dataclass
class SweepReport:
    requeued: list[int] = dataclasses.field(default_factory=list)
    given_up: list[int] = dataclasses.field(default_factory=list)


def submissions_sweep(*, now: datetime | None = None) -> SweepReport:
    """Re-queue submissions whose message or worker was lost; give up after the last attempt."""
    now = now or timezone.now()
    report = SweepReport()
    stale = now - timedelta(seconds=settings.ARENA_QUEUED_STALE_SECONDS)
    for submission_id in Submission.objects.filter(status=SubmissionStatus.QUEUED, updated_at__lt=stale).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            # Touch it so the next sweep waits a full period before enqueuing it again.
            if Submission.objects.filter(pk=submission_id, status=SubmissionStatus.QUEUED, updated_at__lt=stale).update(
                updated_at=now
            ):
                _enqueue_on_commit(submission_id)
                report.requeued.append(submission_id)
    expired = Submission.objects.filter(status=SubmissionStatus.RUNNING, lease_expires_at__lt=now)
    for submission_id, run_id, attempts in expired.values_list("pk", "current_run", "attempts"):
        holder = Submission.objects.filter(
            pk=submission_id,
            status=SubmissionStatus.RUNNING,
            current_run_id=run_id,
            lease_expires_at__lt=now,
        )
        with transaction.atomic():
            if attempts >= settings.ARENA_JUDGE_MAX_ATTEMPTS:
                result = JudgeResult(
                    verdict=Verdict.JUDGE_ERROR,
                    reasons=[
                        Reason(
                            code="judging_lost",
                            detail=f"no result after {attempts} attempts; the worker was lost",
                        )
                    ],
                )
                if holder.update(
                    status=SubmissionStatus.FINISHED,
                    verdict=str(result.verdict),
                    result=result.to_json(),
                    lease_expires_at=None,
                    updated_at=now,
                    finished_at=now,
                ):
                    report.given_up.append(submission_id)
                    _announce_finished_on_commit(submission_id)
            elif holder.update(status=SubmissionStatus.QUEUED, lease_expires_at=None, updated_at=now):
                _enqueue_on_commit(submission_id)
                report.requeued.append(submission_id)
    record_sweep_requeues(len(report.requeued))
    if report.requeued or report.given_up:
        logger.warning("sweep: re-queued %s, gave up %s", report.requeued, report.given_up)
    return report


def submission_rejudge(*, submission: Submission, enqueue: bool = True) -> bool:
    """Judge a finished submission again; its earlier JudgeRuns stay as history.

    False if it is still queued or running (its judging is already under way).
    """
    with transaction.atomic():
        reset = Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.FINISHED).update(
            status=SubmissionStatus.QUEUED,
            judging=F("judging") + 1,
            attempts=0,
            verdict="",
            result=None,
            lean_version="",
            checker_version="",
            judged_by="",
            lease_expires_at=None,
            finished_at=None,
            updated_at=timezone.now(),
        )
        if reset and enqueue:
            _enqueue_on_commit(submission.pk)
    return bool(reset)


def _announce_finished_on_commit(submission_id: int) -> None:
    # robust: a listener's fault (a webhook row, its queue) must not undo or fail a verdict; a
    # named function, not a partial: Django logs a failed robust hook by its __qualname__
    def announce_finished() -> None:
        submission_finished.send(sender=Submission, submission_id=submission_id)

    transaction.on_commit(announce_finished, robust=True)


def _enqueue_on_commit(submission_id: int, countdown: int | None = None) -> None:
    # robust: a broker that is down must not fail the request after the row is committed;
    # the submission stays queued and the sweep enqueues it again.
    # A named function, not functools.partial: Django logs a robust hook's failure by its
    # __qualname__, which a partial lacks, and that AttributeError turned into a 500 after
    # the row was committed (found by tests/site/test_outages.py with Redis down).
    def enqueue_judging() -> None:
        _enqueue(submission_id, countdown)

    transaction.on_commit(enqueue_judging, robust=True)


def _enqueue(submission_id: int, countdown: int | None) -> None:
    from submissions.tasks import judge_submission_task

    # the queue of the problem's import profile: only workers with its modules consume it
    profiles = Submission.objects.filter(pk=submission_id).values_list(
        "problem_version__problem__import_profile", flat=True
    )
    queue = profile_get(profiles.first() or "core").queue
    judge_submission_task.apply_async(args=[submission_id], countdown=countdown, queue=queue)
