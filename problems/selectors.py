"""Reading problems: the queries the pages, the API and the commands share."""

from __future__ import annotations

import dataclasses

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from judge.results import Verdict
from problems.models import Problem, ProblemStatus, ProblemValidation, ProblemVersion
from problems.profiles import served_profile_names
from submissions.models import Submission, SubmissionStatus

# The orders the problem list offers: name -> ORDER BY (ties broken by slug).
PROBLEM_SORTS = {
    "level": [F("level").asc(nulls_last=True), "title", "slug"],  # the curriculum's order
    "title": ["title", "slug"],
    "difficulty": ["difficulty", "slug"],
    "solvers": ["-solver_count", "slug"],
    "acceptance": ["-acceptance_permille", "slug"],
    "newest": ["-created_at", "slug"],
}
CORE_PROFILE = "core"


def problem_list_published() -> QuerySet[Problem]:
    return Problem.objects.filter(status=ProblemStatus.PUBLISHED).order_by("slug")


def problem_get_published(*, slug: str) -> Problem:
    """Raises Problem.DoesNotExist for a draft, retired or unknown slug."""
    return problem_list_published().get(slug=slug)


def problem_latest_version(*, problem: Problem) -> ProblemVersion | None:
    return problem.versions.order_by("-number").first()


def problem_validation_latest(*, problem: Problem) -> ProblemValidation | None:
    return problem.validations.order_by("-created_at", "-pk").first()


def problem_validation_current(*, problem: Problem) -> ProblemValidation | None:
    """The latest validation of the problem as it is now (an edit makes older ones stale)."""
    return (
        problem.validations.filter(subject_fingerprint=problem.subject_fingerprint)
        .order_by("-created_at", "-pk")
        .first()
    )


def problem_moderation_queue() -> QuerySet[Problem]:
    """Drafts first (proposals and imports waiting for a maintainer), then the rest."""
    return Problem.objects.exclude(status=ProblemStatus.PUBLISHED).order_by("status", "-updated_at")


def problem_list_proposed_by(*, user) -> QuerySet[Problem]:
    return Problem.objects.filter(author=user).order_by("-created_at")


def problem_get_visible(*, slug: str, user) -> Problem:
    """A published problem for anyone; a draft or retired one for its author and maintainers."""
    problem = Problem.objects.get(slug=slug)
    if problem.status == ProblemStatus.PUBLISHED or (
        user.is_authenticated and (user.is_staff or problem.author_id == user.pk)
    ):
        return problem
    raise Problem.DoesNotExist


def import_profile_of(imports: list[str]) -> str:
    """The name a problem's import list goes by in the filters: "core" (Init only) or the modules."""
    return " + ".join(imports) if imports else CORE_PROFILE


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
        mine = Submission.objects.filter(user=user, problem_version__problem=OuterRef("pk"))
        problems = problems.annotate(
            solved_by_me=Exists(mine.filter(verdict=Verdict.ACCEPTED)), attempted_by_me=Exists(mine)
        )
    keywords = {name: value for name, value in dataclasses.asdict(filters).items() if name != "sort"}
    problems = problem_list_filter(problems, **keywords)
    return problems.order_by(*PROBLEM_SORTS.get(filters.sort, PROBLEM_SORTS["level"]))


def problem_next_in_level(*, problem: Problem, user=None) -> Problem | None:
    """The problem after this one in its level (the list's order: title, slug) that the user has
    not solved, wrapping around to the level's start; None outside the curriculum or when every
    other problem of the level is solved."""
    if problem.level is None:
        return None
    others = problem_list_published().filter(level=problem.level).exclude(pk=problem.pk)
    if user is not None and user.is_authenticated:
        solved = Submission.objects.filter(user=user, verdict=Verdict.ACCEPTED, problem_version__problem=OuterRef("pk"))
        others = others.exclude(Exists(solved))
    others = others.order_by("title", "slug")
    after = Q(title__gt=problem.title) | Q(title=problem.title, slug__gt=problem.slug)
    return others.filter(after).first() or others.first()


def problem_list_filter(
    problems: QuerySet[Problem],
    *,
    search: str = "",
    tag: str = "",
    difficulty: str = "",
    profile: str = "",
    judgeable: bool | None = None,
    level: int | None = None,
) -> QuerySet[Problem]:
    """problems narrowed by the list's filters; an empty (or None) filter keeps everything."""
    if search:
        problems = problems.filter(Q(title__icontains=search) | Q(slug__icontains=search))
    if difficulty:
        problems = problems.filter(difficulty=difficulty)
    if tag:
        problems = problems.filter(pk__in=_problem_ids_with_tag(tag))
    if profile:
        problems = problems.filter(imports=[] if profile == CORE_PROFILE else profile.split(" + "))
    if judgeable is not None:
        problems = problem_list_judgeable(problems, judgeable=judgeable)
    if level is not None:
        problems = problems.filter(level=level)
    return problems


def problem_list_judgeable(problems: QuerySet[Problem], *, judgeable: bool) -> QuerySet[Problem]:
    """Those whose import profile this site's workers serve (judgeable), or the others."""
    served = Q(import_profile__in=served_profile_names())
    return problems.filter(served) if judgeable else problems.exclude(served)


def _problem_ids_with_tag(tag: str) -> list[int]:
    # JSON containment differs between SQLite and PostgreSQL: match in Python on one narrow query.
    return [pk for pk, tags in problem_list_published().values_list("pk", "tags") if tag in (tags or [])]


def problem_filter_choices() -> dict[str, list[str]]:
    """The tags, difficulties and import profiles of the published problems (one query)."""
    tags: set[str] = set()
    difficulties: set[str] = set()
    profiles: set[str] = set()
    for problem_tags, difficulty, imports in problem_list_published().values_list("tags", "difficulty", "imports"):
        tags.update(t for t in problem_tags or [] if isinstance(t, str))
        if difficulty:
            difficulties.add(difficulty)
        profiles.add(import_profile_of(imports or []))
    return {"tags": sorted(tags), "difficulties": sorted(difficulties), "profiles": sorted(profiles)}
