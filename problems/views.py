"""Problem pages: the list, and one problem with its statement and the submission form."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from problems.models import Problem
from problems.profiles import profile_get
from problems.selectors import problem_get_published, problem_list_published
from submissions.forms import SubmissionForm


def problem_list(request: HttpRequest) -> HttpResponse:
    problems = list(problem_list_published())
    for problem in problems:
        # "needs Mathlib": listed, but this site's workers cannot judge it
        problem.needs = profile_get(problem.import_profile).missing_modules
    return render(request, "problems/problem_list.html", {"problems": problems})


def problem_detail(request: HttpRequest, slug: str) -> HttpResponse:
    problem = get_published_or_404(slug)
    form = SubmissionForm(initial={"code": problem.to_spec().template()})
    return render_problem_page(request, problem, form)


def get_published_or_404(slug: str) -> Problem:
    try:
        return problem_get_published(slug=slug)
    except Problem.DoesNotExist as exc:
        raise Http404("No such problem.") from exc


def render_problem_page(
    request: HttpRequest, problem: Problem, form: SubmissionForm, status: int = 200
) -> HttpResponse:
    spec = problem.to_spec()
    profile = profile_get(problem.import_profile)
    context = {"problem": problem, "statement": spec.template(), "form": form, "profile": profile}
    return render(request, "problems/problem_detail.html", context, status=status)
