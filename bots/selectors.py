"""Reading what the bot API shows: tokens, problems with filters, submissions, runs and pass@k."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from bots.models import ApiToken, Batch, Run, SubmissionOrigin, WebhookDelivery
from bots.pass_at_k import pass_at_k
from judge.results import Verdict
from problems.models import Problem
from problems.selectors import problem_list_judgeable, problem_list_published
from submissions.models import AuthorKind, Check, Submission, SubmissionStatus


def token_list_for_user(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


# --- Problems -------------------------------------------------------------------------------

PROBLEM_ORDERINGS = {"slug", "-slug", "title", "-title", "difficulty", "-difficulty", "created", "-created"}


def problem_list_filtered(
    *,
    user=None,
    tag: str = "",
    difficulty: str = "",
    imports: str = "",
    solved: bool | None = None,
    search: str = "",
    judgeable: bool | None = None,
    ordering: str = "slug",
    bot_model: str = "",
) -> QuerySet[Problem]:
    """Published problems. imports: a module the problem imports, or "none" for Init only.
    solved needs a signed-in user: True, only those they solved themself (an ACCEPTED human
    submission), or, for a bot (bot_model: its token's model), those that model solved.
    judgeable: True, only those this site's import profiles can judge; False, only the others."""
    problems = problem_list_published()
    if tag:
        problems = problems.filter(tags__contains=[tag])
    if difficulty:
        problems = problems.filter(difficulty=difficulty)
    if imports == "none":
        problems = problems.filter(imports=[])
    elif imports:
        problems = problems.filter(imports__contains=[imports])
    if search:
        problems = problems.filter(Q(title__icontains=search) | Q(description__icontains=search))
    if judgeable is not None:
        problems = problem_list_judgeable(problems, judgeable=judgeable)
    if solved is not None and user is not None and user.is_authenticated:
        accepted = Submission.objects.filter(
            user=user, problem_version__problem=OuterRef("pk"), verdict=Verdict.ACCEPTED
        )
        if bot_model:
            accepted = accepted.filter(author_kind=AuthorKind.MACHINE, model_name=bot_model)
        else:
            accepted = accepted.filter(author_kind=AuthorKind.HUMAN)
        problems = problems.filter(Exists(accepted)) if solved else problems.exclude(Exists(accepted))
    field = ordering.lstrip("-").replace("created", "created_at")
    return problems.order_by(("-" if ordering.startswith("-") else "") + field, "slug")


def problem_statistics(*, problem: Problem) -> dict[str, int]:
    """Counts over every judged submission of every version (judge errors are not counted)."""
    judged = Submission.objects.filter(problem_version__problem=problem, status=SubmissionStatus.FINISHED).exclude(
        verdict=Verdict.JUDGE_ERROR
    )
    counts = judged.aggregate(
        submissions=Count("pk"),
        accepted=Count("pk", filter=Q(verdict=Verdict.ACCEPTED)),
        solvers=Count("user", filter=Q(verdict=Verdict.ACCEPTED), distinct=True),
    )
    return {name: counts[name] or 0 for name in ("submissions", "accepted", "solvers")}


# --- Submissions ----------------------------------------------------------------------------


def api_submission_list(
    *, user, problem: str = "", verdict: str = "", status: str = "", run: int | None = None, batch: int | None = None
) -> QuerySet[Submission]:
    submissions = Submission.objects.filter(user=user).select_related("problem_version__problem", "origin")
    if problem:
        submissions = submissions.filter(problem_version__problem__slug=problem)
    if verdict:
        submissions = submissions.filter(verdict=verdict)
    if status:
        submissions = submissions.filter(status=status)
    if run is not None:
        submissions = submissions.filter(origin__run_id=run)
    if batch is not None:
        submissions = submissions.filter(origin__batch_id=batch)
    return submissions


def api_submission_get(*, submission_id: int, user) -> Submission:
    """Only the author's own (staff see every one); else Submission.DoesNotExist."""
    submissions = Submission.objects.select_related("problem_version__problem", "origin")
    if not user.is_staff:
        submissions = submissions.filter(user=user)
    return submissions.get(pk=submission_id)


@dataclasses.dataclass(frozen=True)
class PollToken:
    """What a status poll's token read: the token, its account, and the origin (run, batch) of
    the submission polled, if it has one (shown only if submissions.selectors.submission_poll
    finds the submission visible to that account)."""

    token_id: int
    user_id: int
    is_staff: bool
    token_last_used_at: datetime | None
    run_id: int | None
    batch_id: int | None


# token_authenticate's conditions and the submission's origin in one round trip. Plain SQL
# because polling is the request bots repeat most: the ORM compiles this join anew on every
# call, three times the cost of running it. Any database Django supports runs it.
_POLL_TOKEN_SQL = """
SELECT t.id, t.user_id, u.is_staff, t.last_used_at, o.run_id, o.batch_id
FROM bots_apitoken t
JOIN auth_user u ON u.id = t.user_id
LEFT JOIN bots_submissionorigin o ON o.submission_id = %s
WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active
"""


def poll_token(*, key_hash: str, submission_id: int) -> PollToken | None:
    """The active token with this key hash (of an active account): None for an unknown or
    revoked one. Read as committed, never cached."""
    with connection.cursor() as cursor:
        cursor.execute(_POLL_TOKEN_SQL, [submission_id, key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    token_id, user_id, is_staff, last_used_at, run_id, batch_id = row
    return PollToken(token_id, user_id, bool(is_staff), last_used_at, run_id, batch_id)


def submission_status_now(*, submission_id: int) -> str | None:
    return Submission.objects.filter(pk=submission_id).values_list("status", flat=True).first()


def batch_get(*, batch_id: int, user) -> Batch:
    return Batch.objects.get(pk=batch_id, user=user)


def delivery_list_for_user(*, user, submission_id: int | None = None) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.filter(user=user).prefetch_related("attempt_log")
    if submission_id is not None:
        deliveries = deliveries.filter(submission_id=submission_id)
    return deliveries


# --- Runs and pass@k ------------------------------------------------------------------------


@dataclasses.dataclass
class ProblemScore:
    problem: str
    attempts: int = 0  # every attempt recorded, pending ones included
    judged: int = 0  # n: attempts with a verdict (JUDGE_ERROR is ours, never counted)
    accepted: int = 0  # c
    first_accepted_attempt: int | None = None  # 1-based, counting attempts in the order sent
    pass_at_k: float | None = None
    # pass@1 … pass@k of the run's k: each defined once n >= that k
    pass_at: list[float | None] = dataclasses.field(default_factory=list)
    # the owner's checks of the problem while the run was open (run_check_counts); None: not counted
    checks: int | None = None


@dataclasses.dataclass
class RunScore:
    run: Run
    problems: list[ProblemScore]

    @property
    def solved(self) -> int:
        return sum(1 for p in self.problems if p.accepted)

    @property
    def attempts(self) -> int:
        return sum(p.attempts for p in self.problems)

    @property
    def pending(self) -> int:
        return sum(p.attempts - p.judged for p in self.problems)

    @property
    def complete(self) -> bool:
        """Every problem has at least k judged attempts: pass@k is defined for the whole set."""
        return all(p.judged >= self.run.k for p in self.problems)

    @property
    def pass_at_k(self) -> float | None:
        if not self.problems or not self.complete:
            return None
        return sum(p.pass_at_k for p in self.problems) / len(self.problems)

    @property
    def pass_at(self) -> list[dict]:
        """pass@1 … pass@k over the problem set: [{"k": 1, "value": …}, …], each value the mean
        over the problems, None until every problem has that many judged attempts."""
        means = []
        for j in range(1, self.run.k + 1):
            values = [p.pass_at[j - 1] for p in self.problems]
            defined = bool(values) and all(v is not None for v in values)
            means.append({"k": j, "value": sum(values) / len(values) if defined else None})
        return means


def _attempt_rows(run_ids: list[int]):
    return (
        SubmissionOrigin.objects.filter(run_id__in=run_ids)
        .order_by("run_id", "submission__created_at", "submission_id")
        .values_list(
            "run_id",
            "submission__problem_version__problem__slug",
            "submission__status",
            "submission__verdict",
            "submission__created_at",
        )
    )


def run_scores(runs: list[Run], *, with_checks: bool = False) -> list[RunScore]:
    """Scores from the server's own records: one query for the attempts, one for the sets (and,
    with_checks, one per run for its owner's checks: run_check_counts)."""
    run_ids = [run.pk for run in runs]
    slugs: dict[int, list[str]] = defaultdict(list)
    for run_id, slug in Run.problems.through.objects.filter(run_id__in=run_ids).values_list("run_id", "problem__slug"):
        slugs[run_id].append(slug)
    tables: dict[int, dict[str, ProblemScore]] = {
        run.pk: {slug: ProblemScore(problem=slug) for slug in sorted(slugs[run.pk])} for run in runs
    }
    last_attempt: dict[tuple[int, str], datetime] = {}
    for run_id, slug, status, verdict, created_at in _attempt_rows(run_ids):
        last_attempt[run_id, slug] = created_at
        score = tables[run_id].setdefault(slug, ProblemScore(problem=slug))
        if verdict == Verdict.JUDGE_ERROR:
            continue  # our fault, not the model's: neither an attempt nor a failure
        score.attempts += 1
        if status == SubmissionStatus.FINISHED:
            score.judged += 1
            if verdict == Verdict.ACCEPTED:
                score.accepted += 1
                if score.first_accepted_attempt is None:
                    score.first_accepted_attempt = score.attempts
    by_id = {run.pk: run for run in runs}
    scores = []
    for run_id, table in tables.items():
        run = by_id[run_id]
        checks = run_check_counts(run, last_attempt=last_attempt) if with_checks else {}
        for score in table.values():
            score.pass_at = [pass_at_k(n=score.judged, c=score.accepted, k=j) for j in range(1, run.k + 1)]
            score.pass_at_k = score.pass_at[-1]
            score.checks = checks.get(score.problem, 0) if with_checks else None
        scores.append(RunScore(run=run, problems=list(table.values())))
    return scores


def run_check_counts(run: Run, *, last_attempt: dict[tuple[int, str], datetime]) -> dict[str, int]:
    """Per problem of the run, how many checks its owner made while the run was open for that
    problem: from the run's opening to its last attempt there (to now while it has none). Checks
    are not attempts: they cost Lean time but get no verdict, so a reader of pass@k sees them beside it."""
    rows = Check.objects.filter(
        user_id=run.user_id, problem__in=run.problems.all(), created_at__gte=run.created_at
    ).values_list("problem__slug", "created_at")
    counts: dict[str, int] = defaultdict(int)
    for slug, created_at in rows:
        until = last_attempt.get((run.pk, slug))
        if until is None or created_at <= until:
            counts[slug] += 1
    return dict(counts)


def run_leaderboard(*, limit: int = 200) -> list[RunScore]:
    """Complete runs first by pass@k, then the rest by problems solved; newest first on ties."""
    runs = list(Run.objects.select_related("user").order_by("-created_at")[:limit])
    scores = run_scores(runs)
    return sorted(
        scores,
        key=lambda s: (s.pass_at_k is None, -(s.pass_at_k or 0.0), -s.solved, -s.run.created_at.timestamp()),
    )
