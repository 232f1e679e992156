"""Problems as authors write them, and the frozen versions submissions are judged against."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from judge.problem_format import InvalidProblem, ProblemSpec
from problems.curriculum import LEVELS


class ProblemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"


# The curriculum's levels (problems.curriculum.LEVELS), 1 to 8; a problem outside it has none.
Level = models.IntegerChoices("Level", [(f"L{n}", (n, f"{n}. {name}")) for n, name in LEVELS.items()])


class Problem(models.Model):
    """The editable problem; the fields mirror judge.problem_format.ProblemSpec."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")
    imports = models.JSONField(default=list, blank=True, help_text="Modules beyond Init.")
    preamble = models.TextField(blank=True, help_text="Lean text the problem gives.")
    definitions = models.JSONField(
        default=list, blank=True, help_text='Headers to implement, e.g. "def f (n : Nat) : Nat".'
    )
    theorems = models.JSONField(default=list, help_text='A list of {"name", "signature"}.')
    reference_solution = models.TextField(blank=True, help_text="Seen by maintainers only.")
    tests = models.JSONField(default=list, blank=True)
    difficulty = models.CharField(max_length=40, blank=True, choices=Difficulty.choices)
    level = models.PositiveSmallIntegerField(null=True, blank=True, choices=Level.choices)
    tags = models.JSONField(default=list, blank=True)
    licence = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.DRAFT)
    # The import profile (settings.ARENA_IMPORT_PROFILES) whose judge workers can judge it.
    import_profile = models.CharField(max_length=40, default="core")
    # What the source declared, when it differs from imports (e.g. Mathlib, but runs on core).
    declared_imports = models.JSONField(default=list, blank=True)
    upstream_id = models.CharField(max_length=200, blank=True, help_text="The problem's id in its source set.")
    lean_version = models.CharField(max_length=100, blank=True, help_text="The Lean version it was written for.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        indexes = [
            models.Index(fields=["status", "slug"], name="problem_status_slug"),
            models.Index(fields=["status", "level", "slug"], name="problem_status_level_slug"),
        ]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("problem-detail", args=[self.slug])

    @property
    def subject_fingerprint(self) -> str:
        """What a validation vouches for: the statement, the reference solution and the tests."""
        payload = json.dumps(
            [self.to_spec().statement_fingerprint, self.reference_solution, self.tests], ensure_ascii=False
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def to_spec_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "description": self.description,
            "imports": self.imports,
            "preamble": self.preamble,
            "definitions": self.definitions,
            "theorems": self.theorems,
            "reference_solution": self.reference_solution or None,
            "tests": self.tests,
            "difficulty": self.difficulty,
            "tags": self.tags,
            "licence": self.licence,
            "source": self.source,
        }

    def to_spec(self) -> ProblemSpec:
        """The problem in the judge's format; raises InvalidProblem if it breaks the format."""
        return ProblemSpec.from_dict(self.to_spec_dict())

    def clean(self) -> None:
        try:
            self.to_spec()
        except InvalidProblem as exc:
            raise ValidationError(str(exc)) from exc


class ProblemVersion(models.Model):
    """A frozen copy of what a verdict depends on; submissions point to one."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    imports = models.JSONField(default=list)
    preamble = models.TextField(blank=True)
    definitions = models.JSONField(default=list)
    theorems = models.JSONField(default=list)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["problem", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "number"], name="problem_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.problem.slug} v{self.number}"

    def to_spec(self) -> ProblemSpec:
        """The statement as frozen here; title and description come from the problem."""
        problem = self.problem
        return ProblemSpec.from_dict(
            {
                "slug": problem.slug,
                "title": problem.title,
                "description": problem.description,
                "imports": self.imports,
                "preamble": self.preamble,
                "definitions": self.definitions,
                "theorems": self.theorems,
                "tests": problem.tests,
                "difficulty": problem.difficulty,
                "tags": problem.tags,
            }
        )


class ValidationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    ERROR = "error", "Judge error"  # our fault, not the author's: validate again


class ProblemValidation(models.Model):
    """One run of the judge over a problem: the report, point by point (problems.validation)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="validations")
    subject_fingerprint = models.CharField(max_length=64)
    import_profile = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=ValidationStatus.choices, default=ValidationStatus.QUEUED)
    # [{"check": name, "status": passed|failed|not_checked|skipped, "detail": text}]
    checks = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["problem", "-created_at"]
        indexes = [models.Index(fields=["problem", "-created_at"], name="validation_problem_created")]

    def __str__(self) -> str:
        return f"{self.problem.slug} validation {self.pk} ({self.status})"


class ProblemChange(models.Model):
    """The moderation audit log: who changed what on which problem, and when."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=20)  # proposed, edited, published, retired, imported, validated
    # {field: [before, after]} for edits; empty for status changes
    fields = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.problem.slug}: {self.action} by {self.user or 'system'}"


class SpecAuditFlag(models.Model):
    """An ACCEPTED solution whose implementation disagrees with one of the problem's tests,
    decided by Lean: the specification is too weak (or the test wrong). For maintainers."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="spec_audit_flags")
    problem_version = models.ForeignKey(ProblemVersion, on_delete=models.CASCADE, related_name="spec_audit_flags")
    submission = models.ForeignKey("submissions.Submission", on_delete=models.CASCADE, related_name="spec_audit_flags")
    test_number = models.PositiveIntegerField()  # the test's place in the problem's list, from 1
    # judge.counterexamples.AuditFinding: inputs, expected, returned (each as Lean writes it)
    evidence = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["problem", "test_number", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "test_number"], name="spec_audit_once_per_submission_test")
        ]

    def __str__(self) -> str:
        return f"{self.problem.slug}: test {self.test_number} disagrees with submission {self.submission_id}"
