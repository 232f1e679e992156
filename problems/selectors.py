"""Reading problems: the queries the pages, the API and the commands share."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from problems.models import Problem, ProblemStatus, ProblemValidation, ProblemVersion
from problems.profiles import served_profile_names

# The orders the problem list offers: name -> ORDER BY (ties broken by slug; the counts are
# submissions.selectors.problem_list_with_stats's annotations).
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
        problems = problems.filter(pk__in=problem_ids_with_tag(tag))
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


def problem_ids_with_tag(tag: str) -> list[int]:
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
