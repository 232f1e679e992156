"""Problem pages: the list, and one problem with its statement and the submission form."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from problems.models import Problem
from problems.selectors import problem_get_published, problem_list_published
from submissions.forms import SubmissionForm


def problem_list(request: HttpRequest) -> HttpResponse:
    return render(request, "problems/problem_list.html", {"problems": problem_list_published()})


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
    context = {"problem": problem, "statement": spec.template(), "form": form}
    return render(request, "problems/problem_detail.html", context, status=status)
