"""Submissions and their judgings. The database is the truth about where a submission is."""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.db import models
from django.urls import reverse

from judge.results import Verdict
from problems.models import ProblemVersion


class SubmissionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"


VerdictChoices = models.TextChoices("VerdictChoices", [(v.value, v.value) for v in Verdict])


class AuthorKind(models.TextChoices):
    HUMAN = "human", "Human"
    MACHINE = "machine", "Machine"


# Trailing blanks on a line and blank lines at either end make no difference between solutions.
_TRAILING_BLANKS = re.compile(r"[ \t\r\f\v]+$", re.MULTILINE)


def normalised_code(code: str) -> str:
    """What makes two solutions the same (the dataset dump keeps the first of each)."""
    return _TRAILING_BLANKS.sub("", code).strip("\n")


def normalised_code_digest(code: str) -> bytes:
    return hashlib.sha256(normalised_code(code).encode()).digest()


class NormalisedCodeDigestField(models.BinaryField):
    """SHA-256 of the row's normalised `code`, made whenever the row is written (save, create and
    bulk_create all call pre_save; a QuerySet.update() of `code` does not): a dataset dump finds
    duplicate solutions by this digest and an index, instead of normalising every solution again."""

    def pre_save(self, model_instance: models.Model, add: bool) -> bytes:
        digest = normalised_code_digest(model_instance.code)
        setattr(model_instance, self.attname, digest)
        return digest


class Submission(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    problem_version = models.ForeignKey(ProblemVersion, on_delete=models.PROTECT, related_name="submissions")
    code = models.TextField()
    code_digest = NormalisedCodeDigestField()
    # Who wrote the code: set at creation (from the API token or run), kept in dataset rows.
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices, default=AuthorKind.HUMAN)
    model_name = models.CharField(max_length=200, blank=True, help_text="The model that wrote it, for machines.")
    # The site licence (identifier and version) the author contributed the code under; empty for
    # submissions made before licences were recorded, which no dataset dump includes.
    licence = models.CharField(max_length=100, blank=True)
    licence_version = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.QUEUED)
    # Sent from the browser form by someone waiting for it: judged ahead of bulk submissions (the
    # API, batches). Only the first few of an owner's in flight are (ARENA_INTERACTIVE_IN_FLIGHT).
    interactive = models.BooleanField(default=False)
    # The current judging's outcome; every judging, earlier ones included, is a JudgeRun.
    verdict = models.CharField(max_length=24, choices=VerdictChoices.choices, blank=True)
    result = models.JSONField(null=True, blank=True)
    lean_version = models.CharField(max_length=200, blank=True)
    checker_version = models.CharField(max_length=100, blank=True)
    judged_by = models.CharField(max_length=200, blank=True, help_text="Worker hostname.")
    # 1 for the first judging, +1 for each rejudge.
    judging = models.PositiveSmallIntegerField(default=1)
    # Claims in the current judging (reset by a rejudge); at most ARENA_JUDGE_MAX_ATTEMPTS.
    attempts = models.PositiveSmallIntegerField(default=0)
    # The fencing token: only the run holding it may write the result.
    current_run = models.ForeignKey("JudgeRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When the current run took it: an owner's latest claim is when the judge last served them.
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="submission_user_created"),
            models.Index(fields=["problem_version", "verdict"], name="submission_version_verdict"),
            # A dump's duplicate check: an earlier ACCEPTED submission with the same normalised code.
            models.Index(
                fields=["code_digest", "id"],
                name="submission_accepted_digest",
                condition=models.Q(verdict=Verdict.ACCEPTED),
            ),
            models.Index(fields=["status", "updated_at"], name="submission_status_updated"),
            # The fair claim and the in-flight limit read these per owner on every claim/submission.
            models.Index(
                fields=["user", "status"],
                name="submission_user_in_flight",
                condition=models.Q(status__in=[SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]),
            ),
            models.Index(
                fields=["user", "-claimed_at"],
                name="submission_user_claimed",
                condition=models.Q(claimed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.problem_version} by {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("submission-detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status != SubmissionStatus.FINISHED


class JudgeRun(models.Model):
    """One judging of a submission by one worker: the history a rejudge keeps."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="runs")
    # Which judging of the submission (1 + number of rejudges) and which claim within it.
    judging = models.PositiveSmallIntegerField()
    attempt = models.PositiveSmallIntegerField()
    worker = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    # Empty until the result is written; a run that never finishes was lost with its worker.
    finished_at = models.DateTimeField(null=True, blank=True)
    verdict = models.CharField(max_length=24, choices=VerdictChoices.choices, blank=True)
    result = models.JSONField(null=True, blank=True)
    lean_version = models.CharField(max_length=200, blank=True)
    checker_version = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["submission", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "judging", "attempt"], name="judge_run_attempt"),
        ]

    def __str__(self) -> str:
        return f"submission {self.submission_id} judging {self.judging} attempt {self.attempt}"


class CheckStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"


class Check(models.Model):
    """One check (issue 27): Lean's proof state of some code against a problem, asked by its owner.

    Not a submission: no verdict, never in statistics, dumps or leaderboards. The row is the poll
    record (its `token` the unguessable id, answered only to `user`), the short cache (by `key`),
    and what a run counts as its owner's checks. submissions/checks.py has the rules.
    """

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checks")
    problem = models.ForeignKey("problems.Problem", on_delete=models.CASCADE, related_name="+")
    # The frozen version of a published problem; None for a draft checked by its author or staff.
    problem_version = models.ForeignKey(
        ProblemVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code = models.TextField()
    # SHA-256 of the problem version's fingerprint, the exporter and toolchain, the checker version
    # and the code (checks.check_key): equal keys, equal answers.
    key = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.QUEUED)
    result = models.JSONField(null=True, blank=True)  # judge.results.CheckResult.to_dict()
    from_cache = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["key", "-finished_at"], name="check_key_finished"),
            models.Index(fields=["user", "problem", "created_at"], name="check_user_problem_created"),
        ]

    def __str__(self) -> str:
        return f"check {self.pk} of {self.problem_id} by {self.user_id}"

    @property
    def is_pending(self) -> bool:
        return self.status != CheckStatus.FINISHED
