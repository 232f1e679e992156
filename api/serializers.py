"""The v1 API's input and output shapes (they are also its OpenAPI schema)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from api import problems as problems_api
from bots.models import ApiToken, Batch, WebhookAttempt, WebhookDelivery
from bots.selectors import PROBLEM_ORDERINGS, ProblemScore, RunScore
from judge.results import Verdict
from problems.models import Problem
from submissions.models import Submission, SubmissionStatus

# --- Problems -------------------------------------------------------------------------------


class ProblemFilters(serializers.Serializer):
    tag = serializers.CharField(required=False, default="", max_length=100)
    difficulty = serializers.CharField(required=False, default="", max_length=40)
    imports = serializers.CharField(
        required=False, default="", max_length=200, help_text='A module the problem imports, or "none" for Init only.'
    )
    solved = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Signed-in users: only solved (true) or unsolved."
    )
    search = serializers.CharField(required=False, default="", max_length=200, help_text="In title and description.")
    judgeable = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only those this site can judge (true) or cannot."
    )
    ordering = serializers.ChoiceField(choices=sorted(PROBLEM_ORDERINGS), required=False, default="slug")


class ProblemListOutput(problems_api.JudgeableFields, serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = ["slug", "title", "difficulty", "tags", "imports", "import_profile", "judgeable", "needs", "url"]

    def get_url(self, problem: Problem) -> str:
        return reverse("api-v1-problem-detail", args=[problem.slug])


class ProblemStatistics(serializers.Serializer):
    submissions = serializers.IntegerField(help_text="Judged submissions (judge errors excluded).")
    accepted = serializers.IntegerField()
    solvers = serializers.IntegerField(help_text="Accounts with an ACCEPTED submission.")


class ProblemDetailOutput(problems_api.ProblemDetailOutput):
    """The unversioned API's problem (never the reference solution nor the tests), with its
    statistics."""

    template = serializers.SerializerMethodField(help_text="The Lean file to complete: replace every sorry.")
    statistics = serializers.SerializerMethodField()

    class Meta(problems_api.ProblemDetailOutput.Meta):
        fields = [*problems_api.ProblemDetailOutput.Meta.fields, "statistics"]

    def get_statistics(self, problem: Problem) -> ProblemStatistics:
        return self.context["statistics"]


# --- Submissions ----------------------------------------------------------------------------


class SubmissionInput(serializers.Serializer):
    problem = serializers.SlugField(max_length=100)
    code = serializers.CharField(trim_whitespace=False, help_text="At most 64 KiB of UTF-8.")
    callback_url = serializers.URLField(
        required=False, default="", max_length=2000, help_text="POSTed with the verdict, signed; needs a token."
    )
    run = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class BatchItemInput(serializers.Serializer):
    problem = serializers.SlugField(max_length=100)
    code = serializers.CharField(trim_whitespace=False)
    callback_url = serializers.URLField(required=False, default="", max_length=2000)


class BatchInput(serializers.Serializer):
    submissions = BatchItemInput(many=True, allow_empty=False, max_length=settings.ARENA_API_BATCH_MAX_ITEMS)
    callback_url = serializers.URLField(required=False, default="", max_length=2000)
    run = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class SubmissionFilters(serializers.Serializer):
    problem = serializers.SlugField(required=False, default="", max_length=100)
    verdict = serializers.ChoiceField(choices=[v.value for v in Verdict], required=False, default="")
    status = serializers.ChoiceField(choices=SubmissionStatus.values, required=False, default="")
    run = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    batch = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class WaitInput(serializers.Serializer):
    wait = serializers.FloatField(
        required=False,
        default=0,
        min_value=0,
        max_value=3600,
        help_text="Hold the request until the verdict or this many seconds (capped by the server).",
    )


class SubmissionOutput(serializers.ModelSerializer):
    problem = serializers.CharField(source="problem_version.problem.slug")
    problem_version = serializers.IntegerField(source="problem_version.number")
    status_url = serializers.SerializerMethodField()
    run = serializers.SerializerMethodField()
    batch = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "status_url",
            "problem",
            "problem_version",
            "status",
            "verdict",
            "result",
            "judging",
            "attempts",
            "author_kind",
            "model_name",
            "run",
            "batch",
            "lean_version",
            "checker_version",
            "created_at",
            "finished_at",
        ]

    def get_status_url(self, submission: Submission) -> str:
        return reverse("api-v1-submission-detail", args=[submission.pk])

    def _origin(self, submission: Submission):
        return getattr(submission, "origin", None) if hasattr(submission, "origin") else None

    def get_run(self, submission: Submission) -> int | None:
        origin = self._origin(submission)
        return origin.run_id if origin else None

    def get_batch(self, submission: Submission) -> int | None:
        origin = self._origin(submission)
        return origin.batch_id if origin else None


class SubmissionDetailOutput(SubmissionOutput):
    class Meta(SubmissionOutput.Meta):
        fields = [*SubmissionOutput.Meta.fields, "code"]


class BatchOutput(serializers.ModelSerializer):
    submissions = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = ["id", "run", "callback_url", "created_at", "submissions"]

    def get_submissions(self, batch: Batch) -> list[dict]:
        items = batch.items.select_related("submission").order_by("submission_id")
        return [
            {
                "id": item.submission_id,
                "status_url": reverse("api-v1-submission-detail", args=[item.submission_id]),
                "status": item.submission.status,
                "verdict": item.submission.verdict,
            }
            for item in items
        ]


# --- Tokens ---------------------------------------------------------------------------------


class TokenInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    is_machine = serializers.BooleanField(required=False, default=False, help_text="A bot: submissions are machine.")
    model_name = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)


class TokenOutput(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        # Never key_hash or webhook_secret.
        fields = ["id", "name", "prefix", "is_machine", "model_name", "created_at", "last_used_at", "revoked_at"]


class NewTokenOutput(TokenOutput):
    key = serializers.CharField(help_text="Shown this once: store it now.")
    webhook_secret = serializers.CharField(help_text="Shown this once: verifies the webhooks' signatures.")

    class Meta(TokenOutput.Meta):
        fields = [*TokenOutput.Meta.fields, "key", "webhook_secret"]


# --- Webhooks -------------------------------------------------------------------------------


class WebhookAttemptOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "response_status", "error", "duration_ms"]


class WebhookDeliveryOutput(serializers.ModelSerializer):
    attempt_log = WebhookAttemptOutput(many=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "submission", "url", "event", "status", "attempts", "created_at", "delivered_at", "attempt_log"]


class DeliveryFilters(serializers.Serializer):
    submission = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


# --- Runs -----------------------------------------------------------------------------------


class RunInput(serializers.Serializer):
    model_name = serializers.CharField(max_length=200)
    k = serializers.IntegerField(min_value=1, max_value=settings.ARENA_API_RUN_MAX_K)
    name = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    problems = serializers.ListField(
        child=serializers.SlugField(max_length=100),
        required=False,
        allow_empty=False,
        max_length=10_000,
        help_text="Problem slugs; every published problem if omitted.",
    )


class ProblemScoreOutput(serializers.Serializer):
    problem = serializers.CharField()
    attempts = serializers.IntegerField()
    judged = serializers.IntegerField(help_text="n: attempts with a verdict (judge errors excluded).")
    accepted = serializers.IntegerField(help_text="c: ACCEPTED attempts.")
    first_accepted_attempt = serializers.IntegerField(allow_null=True)
    pass_at_k = serializers.FloatField(allow_null=True, help_text="Null until n >= k.")

    def to_representation(self, score: ProblemScore) -> dict:
        return super().to_representation(score)


class RunOutput(serializers.Serializer):
    id = serializers.IntegerField(source="run.pk")
    url = serializers.SerializerMethodField()
    name = serializers.CharField(source="run.name")
    owner = serializers.CharField(source="run.user.username")
    model_name = serializers.CharField(source="run.model_name")
    k = serializers.IntegerField(source="run.k")
    created_at = serializers.DateTimeField(source="run.created_at")
    problem_count = serializers.SerializerMethodField()
    solved = serializers.IntegerField()
    attempts = serializers.IntegerField()
    pending = serializers.IntegerField()
    complete = serializers.BooleanField(help_text="Every problem has at least k judged attempts.")
    pass_at_k = serializers.FloatField(allow_null=True, help_text="Mean over the problem set; null until complete.")

    def get_url(self, score: RunScore) -> str:
        return reverse("api-v1-run-detail", args=[score.run.pk])

    def get_problem_count(self, score: RunScore) -> int:
        return len(score.problems)


class RunDetailOutput(RunOutput):
    problems = ProblemScoreOutput(many=True)
