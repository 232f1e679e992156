"""What the bot API adds around submissions: tokens, runs, batches, idempotency keys, webhooks.

Submissions themselves stay in the submissions app; `SubmissionOrigin` records how one came
through the API (which token, run, batch and callback), so the submissions table is unchanged.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from problems.models import Problem
from submissions.models import Submission


class ApiToken(models.Model):
    """A named, revocable API key. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The public part of the key ("arena_<prefix>_<secret>"), to tell tokens apart in lists.
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    # A bot: its submissions are author_kind=machine with this model name.
    is_machine = models.BooleanField(default=False)
    model_name = models.CharField(max_length=200, blank=True)
    # The HMAC key for webhooks sent for this token's submissions. Kept in clear (signing needs
    # it) but shown only once, at creation, like the key.
    webhook_secret = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Run(models.Model):
    """A bot's declared evaluation: every attempt in it is recorded, and it is public forever."""

    # PROTECT: a run cannot disappear with its owner's account.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bot_runs")
    token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    name = models.CharField(max_length=200, blank=True)
    model_name = models.CharField(max_length=200)
    k = models.PositiveSmallIntegerField()
    problems = models.ManyToManyField(Problem, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"run {self.pk}: {self.model_name} pass@{self.k}"

    def get_absolute_url(self) -> str:
        return reverse("run-detail", args=[self.pk])


class Batch(models.Model):
    """Up to ARENA_API_BATCH_MAX_ITEMS submissions sent in one request, each judged on its own."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="batches")
    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.PROTECT, related_name="batches")
    callback_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"batch {self.pk} of {self.user}"


class SubmissionOrigin(models.Model):
    """How a submission came through the API: token, run, batch, and where to call back."""

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, primary_key=True, related_name="origin")
    token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts")
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.CASCADE, related_name="items")
    callback_url = models.URLField(max_length=2000, blank=True)

    def __str__(self) -> str:
        return f"origin of submission {self.submission_id}"


class IdempotencyKey(models.Model):
    """A POST's Idempotency-Key: the same key again returns the first answer, not a second row."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    # SHA-256 of method, path and canonical JSON body: the same key with another body is a 422.
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]

    def __str__(self) -> str:
        return f"{self.key} of {self.user_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (given up)"


class WebhookDelivery(models.Model):
    """One event for one callback URL. Its id is sent with every attempt, so a receiver that
    remembers ids detects a replay; the body is fixed at creation so every retry is identical."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_deliveries")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="webhook_deliveries")
    token = models.ForeignKey(ApiToken, null=True, on_delete=models.SET_NULL, related_name="+")
    url = models.URLField(max_length=2000)
    event = models.CharField(max_length=40, default="submission.finished")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} for submission {self.submission_id} to {self.url}"


class WebhookAttempt(models.Model):
    """One POST of a delivery, as the owner sees it: when, the answer, or why it failed."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
