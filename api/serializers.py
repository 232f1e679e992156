"""The v1 API's input and output shapes (they are also its OpenAPI schema)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
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
    submissions = BatchItemInput(
        many=True, allow_empty=False, min_length=1, max_length=settings.ARENA_API_BATCH_MAX_ITEMS
    )
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


# --- The judge's result, as stored (judge.results.JudgeResult.to_json) -------------------------


class ReasonOutput(serializers.Serializer):
    code = serializers.CharField(help_text="Why: a stable code (judge.results.ReasonCode).")
    declaration = serializers.CharField(allow_null=True, help_text="The declaration concerned, if one.")
    detail = serializers.CharField()


class TheoremOutput(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.CharField(
        help_text="proved, missing, mismatch, sorry, forbidden_axiom, kernel_rejected, error."
    )


class LeanMessageOutput(serializers.Serializer):
    severity = serializers.CharField(help_text="error, warning or information.")
    line = serializers.IntegerField(help_text="1-based.")
    column = serializers.IntegerField(help_text="0-based, in Unicode code points.")
    end_line = serializers.IntegerField(allow_null=True)
    end_column = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()


class JudgeResultOutput(serializers.Serializer):
    verdict = serializers.CharField(help_text="The verdict (the same as the submission's).")
    reasons = ReasonOutput(many=True)
    theorems = TheoremOutput(many=True)
    messages = LeanMessageOutput(many=True, help_text="Lean's messages about the submitted file.")
    lean_version = serializers.CharField()
    checker_version = serializers.CharField()
    time_ms = serializers.IntegerField()
    memory_kb = serializers.IntegerField()
    counterexample = serializers.DictField(
        required=False, help_text="WRONG_ANSWER: the theorem, the inputs and what the definition returned."
    )


@extend_schema_field(JudgeResultOutput(allow_null=True))
class JudgeResultField(serializers.JSONField):
    """The stored result, typed in the schema (a newer judge may add fields: clients ignore them)."""


class SubmissionOutput(serializers.ModelSerializer):
    problem = serializers.CharField(source="problem_version.problem.slug")
    problem_version = serializers.IntegerField(source="problem_version.number")
    result = JudgeResultField(read_only=True, allow_null=True, help_text="null until the verdict.")
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


class TokenSignInInput(TokenInput):
    """A first token without a browser: the account's username and password, and the token's fields."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


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
    pass_at = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text="pass@1 … pass@k for this problem (index 0 is pass@1), each null until n reaches it.",
    )
    checks = serializers.IntegerField(
        allow_null=True,
        help_text="Checks (POST /api/v1/check/) the run's owner made of this problem while the run was open "
        "for it: from its opening to its last attempt there. Not attempts: they get no verdict.",
    )

    def to_representation(self, score: ProblemScore) -> dict:
        return super().to_representation(score)


class PassAtOutput(serializers.Serializer):
    k = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True, help_text="The mean over the problem set; null until defined.")


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
    pass_at = PassAtOutput(many=True, help_text="pass@1 … pass@k over the problem set, each null until defined.")

    def get_url(self, score: RunScore) -> str:
        return reverse("api-v1-run-detail", args=[score.run.pk])

    def get_problem_count(self, score: RunScore) -> int:
        return len(score.problems)


class RunDetailOutput(RunOutput):
    problems = ProblemScoreOutput(many=True)


# --- Checks (issue 27: the proof state, not a verdict; submissions/checks.py) -----------------


class CheckInput(serializers.Serializer):
    problem = serializers.SlugField(max_length=100)
    code = serializers.CharField(trim_whitespace=False, help_text="At most 64 KiB of UTF-8.")


class CheckSorryOutput(serializers.Serializer):
    line = serializers.IntegerField(help_text="1-based.")
    column = serializers.IntegerField(help_text="0-based, in Unicode code points.")
    end_line = serializers.IntegerField()
    end_column = serializers.IntegerField()
    goal = serializers.CharField(help_text="What the `sorry` still has to prove: hypotheses, then `⊢ target`.")


class CheckStepOutput(serializers.Serializer):
    line = serializers.IntegerField(help_text="1-based.")
    column = serializers.IntegerField(help_text="0-based, in Unicode code points.")
    end_line = serializers.IntegerField()
    end_column = serializers.IntegerField()
    goals_before = serializers.ListField(child=serializers.CharField(), help_text="The goals before this tactic.")
    goals_after = serializers.ListField(child=serializers.CharField(), help_text="The goals after it ([]: none).")


class CheckResultOutput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["ok", "refused", "limit", "error"],
        help_text="ok: Lean elaborated the file; refused: the syntax policy refused it (see `refusal`); "
        "limit: a time, memory or output limit was hit; error: our fault, check again.",
    )
    messages = LeanMessageOutput(many=True, help_text="Lean's messages, as in a verdict.")
    sorries = CheckSorryOutput(many=True, help_text="Each `sorry`, with its goal.")
    steps = CheckStepOutput(many=True, help_text="The proof state around every tactic, with its source range.")
    open_theorems = serializers.ListField(
        child=serializers.CharField(), help_text="The problem's theorems still open (a `sorry`, an error)."
    )
    truncated = serializers.BooleanField(help_text="A bound of the exporter was hit: goals or steps are cut short.")
    refusal = serializers.CharField(help_text="Why there is no proof state (refused, limit, error); else empty.")
    checker_version = serializers.CharField()
    lean_version = serializers.CharField()
    time_ms = serializers.IntegerField()


@extend_schema_field(CheckResultOutput(allow_null=True))
class CheckResultField(serializers.JSONField):
    """The stored CheckResult, typed in the schema (a newer judge may add fields: clients ignore them)."""


class CheckOutput(serializers.Serializer):
    id = serializers.CharField(source="token", help_text="The poll id: answered only to the account that asked.")
    status = serializers.ChoiceField(choices=["queued", "running", "finished"])
    status_url = serializers.SerializerMethodField()
    problem = serializers.CharField()
    problem_version = serializers.IntegerField(allow_null=True, help_text="Null for a draft (its author, staff).")
    from_cache = serializers.BooleanField(help_text="Answered from an identical check moments ago.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    result = CheckResultField(read_only=True, allow_null=True, help_text="null until answered.")
    note = serializers.CharField(help_text="A check is not a submission: only a submission gets a verdict.")

    def get_status_url(self, check) -> str:
        return reverse("api-v1-check-detail", args=[check.token])
