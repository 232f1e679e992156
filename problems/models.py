"""Problems as authors write them, and the frozen versions submissions are judged against."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from judge.problem_format import InvalidProblem, ProblemSpec


class ProblemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


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
    difficulty = models.CharField(max_length=40, blank=True)
    tags = models.JSONField(default=list, blank=True)
    licence = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        indexes = [models.Index(fields=["status", "slug"], name="problem_status_slug")]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("problem-detail", args=[self.slug])

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
