"""Reading submissions: the list queries the site makes (see the indexes on Submission)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.dateparse import parse_datetime

from judge.results import Verdict
from problems.models import Problem, ProblemStatus, ProblemVersion
from problems.selectors import PROBLEM_SORTS, problem_list_filter, problem_list_published
from submissions.models import AuthorKind, Submission, SubmissionStatus


def submission_list_for_user(*, user) -> QuerySet[Submission]:
    return Submission.objects.filter(user=user).select_related("problem_version__problem").order_by("-created_at")


# The rule (issue 32): a problem is solved *by you* when code you wrote yourself (a human
# submission: the form, or the API with a person's token) is ACCEPTED. What your bots solve is
# theirs: it shows as "solved by your bots" on your profile, ranks the bot's model on the bots'
# board, and neither marks the problem solved for you nor opens others' solutions to you.


def problems_solved_by(*, user) -> QuerySet[Problem]:
    """The problems user has solved themself: an ACCEPTED human submission (any version)."""
    if user is None or not user.is_authenticated:
        return Problem.objects.none()
    accepted = Submission.objects.filter(
        user=user, author_kind=AuthorKind.HUMAN, verdict=Verdict.ACCEPTED, problem_version__problem=OuterRef("pk")
    )
    return Problem.objects.filter(Exists(accepted)).order_by("slug")


def problems_solved_by_bots_of(*, user) -> dict[str, list[Problem]]:
    """What each model of user's bots has solved (published problems), by model name."""
    rows = (
        Submission.objects.filter(
            user=user,
            author_kind=AuthorKind.MACHINE,
            verdict=Verdict.ACCEPTED,
            problem_version__problem__status=ProblemStatus.PUBLISHED,
        )
        .order_by("model_name", "problem_version__problem__slug")
        .values_list("model_name", "problem_version__problem")
        .distinct()
    )
    problems = Problem.objects.in_bulk({problem_id for _, problem_id in rows})
    solved: dict[str, list[Problem]] = {}
    for model_name, problem_id in rows:
        solved.setdefault(model_name or "(unnamed model)", []).append(problems[problem_id])
    return solved


def _visible_to(user) -> Q:
    """Codeforces' rule: your own submissions, and others' ACCEPTED ones to problems you solved
    yourself (problems_solved_by: your bots' solves open nothing)."""
    solved = Submission.objects.filter(
        user=user,
        author_kind=AuthorKind.HUMAN,
        verdict=Verdict.ACCEPTED,
        problem_version__problem=OuterRef("problem_version__problem"),
    )
    return Q(user=user) | Q(Exists(solved), verdict=Verdict.ACCEPTED)


def submission_get_visible(*, submission_id: int, user) -> Submission:
    """The submission if user may see it (see _visible_to; staff see all); else Submission.DoesNotExist."""
    queryset = Submission.objects.select_related("problem_version__problem", "user")
    if not user.is_staff:
        queryset = queryset.filter(_visible_to(user))
    return queryset.get(pk=submission_id)


def submission_hidden_from(*, submission_id: int) -> Submission | None:
    """A submission on a published problem that someone was refused (to say why), or None: then,
    on a draft or nowhere, it is simply not found."""
    return (
        Submission.objects.filter(pk=submission_id, problem_version__problem__status=ProblemStatus.PUBLISHED)
        .select_related("problem_version__problem")
        .only("verdict", "problem_version__problem__slug", "problem_version__problem__title")
        .first()
    )


def submission_visible_ids(*, submissions: list[Submission], user) -> set[int]:
    """Which of these submissions user may open (one query, for lists of others' submissions)."""
    if not user.is_authenticated:
        return set()
    ids = [s.pk for s in submissions]
    if user.is_staff:
        return set(ids)
    return set(Submission.objects.filter(_visible_to(user), pk__in=ids).values_list("pk", flat=True))


def submission_list_accepted_by_others(*, problem: Problem, user, limit: int = 100) -> QuerySet[Submission]:
    """Others' ACCEPTED submissions to problem, newest first; empty until user has solved it."""
    if not problems_solved_by(user=user).filter(pk=problem.pk).exists():
        return Submission.objects.none()
    return (
        Submission.objects.filter(problem_version__problem=problem, verdict=Verdict.ACCEPTED)
        .exclude(user=user)
        .select_related("user", "problem_version")
        .order_by("-created_at")[:limit]
    )


def submission_list_recent(*, limit: int = 50) -> QuerySet[Submission]:
    """The feed: the latest judged submissions of everyone, to published problems."""
    return (
        Submission.objects.filter(
            status=SubmissionStatus.FINISHED, problem_version__problem__status=ProblemStatus.PUBLISHED
        )
        .select_related("user", "problem_version__problem")
        .order_by("-created_at")[:limit]
    )


def submission_queue_position(*, submission: Submission) -> int | None:
    """About where the fair claim (see submissions.services) will take it, 1 being next; None
    once it is running or finished.

    Form submissions come before bulk ones; within its kind, a submission that is its owner's
    k-th queued waits k turns of every other owner (at most their queued ones). An estimate on
    the safe side: who goes first in a round depends on when each owner was last served.
    """
    if submission.status != SubmissionStatus.QUEUED:
        return None
    queued = Submission.objects.filter(status=SubmissionStatus.QUEUED)
    same_kind = queued.filter(interactive=submission.interactive)
    turn = same_kind.filter(user_id=submission.user_id, created_at__lt=submission.created_at).count() + 1
    others = (
        same_kind.exclude(user_id=submission.user_id)
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    ahead = turn - 1 + sum(min(n, turn) for n in others)
    if not submission.interactive:
        ahead += queued.filter(interactive=True).count()
    return ahead + 1


@dataclasses.dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    user_id: int
    username: str
    solved: int
    reached_at: datetime
    model_name: str = ""  # the bots' board ranks models (each with its owner), the humans' board people


def leaderboard(*, author_kind: AuthorKind, limit: int = 100) -> list[LeaderboardRow]:
    """Problems solved by code of one kind (humans' or machines', never mixed), then who reached
    that count first: each user's time is the latest of their first ACCEPTED per problem."""
    user_table = get_user_model()._meta.db_table
    # Machines rank by model: one account's two models are two entries, as a run's pass@k is.
    machines = author_kind == AuthorKind.MACHINE
    model, by_model = ("s.model_name", "s.model_name,") if machines else ("''", "")
    sql = f"""
        SELECT u.id, u.username, firsts.model_name, COUNT(*) AS solved, MAX(firsts.first_at) AS reached_at
        FROM (
            SELECT s.user_id, {model} AS model_name, v.problem_id, MIN(s.created_at) AS first_at
            FROM {Submission._meta.db_table} s
            JOIN {ProblemVersion._meta.db_table} v ON v.id = s.problem_version_id
            JOIN {Problem._meta.db_table} p ON p.id = v.problem_id
            WHERE s.verdict = %s AND s.author_kind = %s AND p.status = %s
            GROUP BY s.user_id, {by_model} v.problem_id
        ) firsts
        JOIN {user_table} u ON u.id = firsts.user_id
        GROUP BY u.id, u.username, firsts.model_name
        ORDER BY solved DESC, reached_at ASC, u.id ASC, firsts.model_name ASC
        LIMIT %s
    """  # noqa: S608 (table names come from the models, values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [Verdict.ACCEPTED.value, str(author_kind), ProblemStatus.PUBLISHED.value, limit])
        rows = cursor.fetchall()
    return [
        LeaderboardRow(
            rank=i, user_id=uid, username=name, solved=solved, reached_at=_as_datetime(reached), model_name=model
        )
        for i, (uid, name, model, solved, reached) in enumerate(rows, start=1)
    ]


def _as_datetime(value) -> datetime:
    # SQLite hands aggregates of datetimes back as text.
    if isinstance(value, str):
        return parse_datetime(value)
    return value


@dataclasses.dataclass(frozen=True)
class Profile:
    user: object
    solved: list[Problem]  # by the user themself (problems_solved_by)
    recent: list[Submission]
    human_submissions: int
    machine_submissions: int
    solved_by_bots: dict[str, list[Problem]] = dataclasses.field(default_factory=dict)  # by model

    @property
    def is_machine(self) -> bool:
        return self.machine_submissions > 0 and self.human_submissions == 0


def profile_for(*, user, recent_limit: int = 20) -> Profile:
    counts = dict(Submission.objects.filter(user=user).order_by().values_list("author_kind").annotate(n=Count("pk")))
    return Profile(
        user=user,
        solved=list(problems_solved_by(user=user).filter(status=ProblemStatus.PUBLISHED)),
        recent=list(submission_list_for_user(user=user)[:recent_limit]),
        human_submissions=counts.get(AuthorKind.HUMAN, 0),
        machine_submissions=counts.get(AuthorKind.MACHINE, 0),
        solved_by_bots=problems_solved_by_bots_of(user=user),
    )


def submission_list_outdated_accepted(*, checker_version: str) -> QuerySet[Submission]:
    """ACCEPTED submissions judged by another checker version than the current one."""
    return (
        Submission.objects.filter(verdict=Verdict.ACCEPTED)
        .exclude(checker_version=checker_version)
        .select_related("problem_version__problem", "user")
        .order_by("id")
    )


# --- The problem list with its numbers ------------------------------------------------------


def _count(submissions: QuerySet[Submission], expression) -> Coalesce:
    """A correlated COUNT per problem: one subquery, not a join that multiplies rows."""
    counted = (
        submissions.filter(problem_version__problem=OuterRef("pk"))
        .order_by()
        .values("problem_version__problem")
        .annotate(n=expression)
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


@dataclasses.dataclass(frozen=True)
class ProblemFilters:
    search: str = ""
    tag: str = ""
    difficulty: str = ""
    profile: str = ""
    judgeable: bool | None = None  # True: only those this site can judge; False: only the others
    level: int | None = None  # a curriculum level (problems.curriculum.LEVELS)
    sort: str = "level"


def problem_list_with_stats(*, filters: ProblemFilters, user=None) -> QuerySet[Problem]:
    """Published problems filtered and sorted, each with solver_count, attempt_count (finished
    submissions), accepted_count, acceptance_permille and, for a signed-in user, solved_by_me
    and attempted_by_me. One query, whatever the number of problems and submissions."""
    accepted = Submission.objects.filter(verdict=Verdict.ACCEPTED)
    finished = Submission.objects.filter(status=SubmissionStatus.FINISHED).exclude(verdict=Verdict.JUDGE_ERROR)
    problems = problem_list_published().annotate(
        solver_count=_count(accepted, Count("user", distinct=True)),
        accepted_count=_count(accepted, Count("pk")),
        attempt_count=_count(finished, Count("pk")),
    )
    # per mille (integers sort alike on SQLite and PostgreSQL); -1 when nothing was judged yet
    problems = problems.annotate(
        acceptance_permille=Coalesce(1000 * F("accepted_count") / NullIf(F("attempt_count"), 0), Value(-1))
    )
    if user is not None and user.is_authenticated:
        # yours: what you wrote yourself, not your bots (problems_solved_by)
        mine = Submission.objects.filter(
            user=user, author_kind=AuthorKind.HUMAN, problem_version__problem=OuterRef("pk")
        )
        problems = problems.annotate(
            solved_by_me=Exists(mine.filter(verdict=Verdict.ACCEPTED)), attempted_by_me=Exists(mine)
        )
    keywords = {name: value for name, value in dataclasses.asdict(filters).items() if name != "sort"}
    problems = problem_list_filter(problems, **keywords)
    return problems.order_by(*PROBLEM_SORTS.get(filters.sort, PROBLEM_SORTS["level"]))


def problem_next_in_level(*, problem: Problem, user=None) -> Problem | None:
    """The problem after this one in its level (the list's order: title, slug) that the user has
    not solved themself, wrapping around to the level's start; None outside the curriculum or
    when every other problem of the level is solved."""
    if problem.level is None:
        return None
    others = problem_list_published().filter(level=problem.level).exclude(pk=problem.pk)
    if user is not None and user.is_authenticated:
        others = others.exclude(pk__in=problems_solved_by(user=user))
    others = others.order_by("title", "slug")
    after = Q(title__gt=problem.title) | Q(title=problem.title, slug__gt=problem.slug)
    return others.filter(after).first() or others.first()


# --- The status poll ----------------------------------------------------------------------------

SUBMISSION_POLL_COLUMNS = (
    "id",
    "problem",
    "problem_version",
    "status",
    "verdict",
    "result",
    "judging",
    "attempts",
    "author_kind",
    "model_name",
    "lean_version",
    "checker_version",
    "created_at",
    "finished_at",
    "code",
)

# Plain SQL: the request bots repeat most (api/status_poll.py); the ORM would compile this join
# anew on every call, three times the cost of running it. Any database Django supports runs it.
_SUBMISSION_POLL_SQL = """
SELECT s.id, p.slug, v.number, s.status, s.verdict, s.result, s.judging, s.attempts,
       s.author_kind, s.model_name, s.lean_version, s.checker_version,
       s.created_at, s.finished_at, s.code
FROM submissions_submission s
JOIN problems_problemversion v ON v.id = s.problem_version_id
JOIN problems_problem p ON p.id = v.problem_id
WHERE s.id = %s AND (s.user_id = %s OR %s)
"""


def submission_poll(*, submission_id: int, user_id: int, is_staff: bool) -> dict | None:
    """The submission as a status poll shows it (column -> value, SUBMISSION_POLL_COLUMNS), if
    the account may see it (its own, or any for staff): else None. Read as committed, never
    cached: no poll shows a state the database has left."""
    with connection.cursor() as cursor:
        cursor.execute(_SUBMISSION_POLL_SQL, [submission_id, user_id, bool(is_staff)])
        row = cursor.fetchone()
    return None if row is None else dict(zip(SUBMISSION_POLL_COLUMNS, row, strict=True))
