"""The problem pages a solver sees: the list (search, filters, sort, pages, each problem's
numbers), one problem with its statement and the submission form, and the accepted solutions of
others once you have solved it. Here, not in problems/, because they read submissions (the
problems app is below this one; problems/authoring_views.py has the authoring pages)."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from problems.models import Level, Problem
from problems.profiles import profile_get
from problems.selectors import PROBLEM_SORTS, problem_filter_choices, problem_get_published
from submissions import checks
from submissions.forms import SubmissionForm
from submissions.models import AuthorKind, Check, Submission
from submissions.selectors import (
    ProblemFilters,
    problem_list_with_stats,
    problem_next_in_level,
    problems_solved_by,
    submission_get_visible,
    submission_list_accepted_by_others,
    submission_list_for_user,
)
from submissions.verdict_view import marked_messages

PROBLEMS_PER_PAGE = 50
# ?judgeable=yes: only the problems this site's workers can judge; no: only those they cannot.
JUDGEABLE_CHOICES = {"yes": True, "no": False}


def problem_list(request: HttpRequest) -> HttpResponse:
    filters = ProblemFilters(
        search=request.GET.get("q", "").strip()[:100],
        tag=request.GET.get("tag", "")[:100],
        difficulty=request.GET.get("difficulty", "")[:40],
        profile=request.GET.get("profile", "")[:500],
        judgeable=JUDGEABLE_CHOICES.get(request.GET.get("judgeable", "")),
        level=int(level) if (level := request.GET.get("level", "")) in {str(n) for n in Level.values} else None,
        sort=request.GET.get("sort", "level") if request.GET.get("sort") in PROBLEM_SORTS else "level",
    )
    page = Paginator(problem_list_with_stats(filters=filters, user=request.user), PROBLEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for problem in page:
        # "needs Mathlib": listed, but this site's workers cannot judge it
        profile = profile_get(problem.import_profile)
        problem.judgeable, problem.needs = profile.served, profile.missing_modules or [profile.label]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "choices": problem_filter_choices(),
        "levels": Level.choices,
        "judgeable": request.GET.get("judgeable", "") if filters.judgeable is not None else "",
        "sorts": list(PROBLEM_SORTS),
        "query_without_page": query.urlencode(),
    }
    return render(request, "problems/problem_list.html", context)


def problem_detail(request: HttpRequest, slug: str) -> HttpResponse:
    problem = get_published_or_404(slug)
    check = _own_check(request, problem)
    reopened = None if check else _reopened_submission(request, problem)
    code = check.code if check else (reopened.code if reopened else problem.to_spec().template())
    form = SubmissionForm(initial={"code": code})
    return render_problem_page(request, problem, form, reopened=reopened, check=check)


def _own_check(request: HttpRequest, problem: Problem) -> Check | None:
    """?check=<id> shows one of your checks of this problem: its code, its goals as text."""
    token = request.GET.get("check", "")[:100]
    if not token or not request.user.is_authenticated:
        return None
    try:
        check = checks.check_get(token=token, user=request.user)
    except Check.DoesNotExist:
        return None
    return check if check.problem_id == problem.pk else None


def _reopened_submission(request: HttpRequest, problem: Problem) -> Submission | None:
    """?submission=N reopens one of your submissions (or one you may see) in the editor."""
    submission_id = request.GET.get("submission", "")
    if not submission_id.isdigit() or not request.user.is_authenticated:
        return None
    try:
        submission = submission_get_visible(submission_id=int(submission_id), user=request.user)
    except Submission.DoesNotExist:
        return None
    return submission if submission.problem_version.problem_id == problem.pk else None


def get_published_or_404(slug: str) -> Problem:
    try:
        return problem_get_published(slug=slug)
    except Problem.DoesNotExist as exc:
        raise Http404("No such problem.") from exc


def render_problem_page(
    request: HttpRequest,
    problem: Problem,
    form: SubmissionForm,
    status: int = 200,
    reopened: Submission | None = None,
    check: Check | None = None,
) -> HttpResponse:
    spec = problem.to_spec()
    template = spec.template()
    solved = attempted = False
    last = reopened
    if request.user.is_authenticated:
        solved = problems_solved_by(user=request.user).filter(pk=problem.pk).exists()
        if last is None:
            # your own last attempt (a bot's is the bot's: problems_solved_by's rule)
            last = (
                submission_list_for_user(user=request.user)
                .filter(problem_version__problem=problem, author_kind=AuthorKind.HUMAN)
                .first()
            )
        attempted = last is not None or solved
    # The editor marks Lean's messages when its text is that attempt's (after a failed attempt).
    attempt = None
    if last is not None and not last.is_pending and last.result:
        attempt = {"submission": last.pk, "code": last.code, "messages": marked_messages(last.result, last.code)}
    source = "submission" if reopened or check else ("post" if request.method == "POST" else "template")
    context = {
        "problem": problem,
        "statement": template,
        "template": template,
        "form": form,
        "code_source": source,
        "attempt": attempt,
        "last_submission": last,
        "solved": solved,
        "attempted": attempted,
        "draft_key": f"arena:draft:{problem.slug}",
        "profile": profile_get(problem.import_profile),
        "next_problem": problem_next_in_level(problem=problem, user=request.user),
        "check": checks.check_page(check) if check else None,
        "not_a_verdict": checks.NOT_A_VERDICT,
    }
    return render(request, "problems/problem_detail.html", context, status=status)


def problem_solutions(request: HttpRequest, slug: str) -> HttpResponse:
    problem = get_published_or_404(slug)
    solved = request.user.is_authenticated and problems_solved_by(user=request.user).filter(pk=problem.pk).exists()
    solutions = submission_list_accepted_by_others(problem=problem, user=request.user) if solved else []
    context = {"problem": problem, "solved": solved, "solutions": solutions}
    return render(request, "problems/problem_solutions.html", context, status=200 if solved else 403)
