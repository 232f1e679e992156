"""Submission pages: submit, one submission (polled while pending), my submissions."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from problems.views import get_published_or_404, render_problem_page
from submissions.forms import SubmissionForm
from submissions.models import Submission
from submissions.selectors import submission_get_visible, submission_list_for_user
from submissions.services import submission_create


@login_required
@require_POST
def submission_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    problem = get_published_or_404(slug)
    form = SubmissionForm(request.POST)
    if form.is_valid():
        try:
            submission = submission_create(user=request.user, problem=problem, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            return redirect(submission)
    return render_problem_page(request, problem, form, status=400)


@login_required
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    try:
        submission = submission_get_visible(submission_id=submission_id, user=request.user)
    except Submission.DoesNotExist as exc:
        raise Http404("No such submission.") from exc
    # The judge's JSON as stored: a field a newer judge adds cannot break the page.
    context = {"submission": submission, "result": submission.result}
    # htmx polls only the status block while the verdict is pending.
    template = "submissions/_status.html" if request.headers.get("HX-Request") else "submissions/submission_detail.html"
    return render(request, template, context)


@login_required
def my_submissions(request: HttpRequest) -> HttpResponse:
    submissions = submission_list_for_user(user=request.user)[:200]
    return render(request, "submissions/my_submissions.html", {"submissions": submissions})
