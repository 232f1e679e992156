"""Submission pages: submit, one submission (polled while pending), my submissions, the feed of
everyone's recent submissions, the leaderboards and a user's public profile (what they solved)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from submissions import checks
from submissions.code_view import annotated_lines
from submissions.forms import SubmissionForm
from submissions.models import AuthorKind, Submission
from submissions.problem_pages import get_published_or_404, render_problem_page
from submissions.selectors import (
    leaderboard,
    profile_for,
    submission_get_visible,
    submission_hidden_from,
    submission_list_for_user,
    submission_list_recent,
    submission_queue_position,
    submission_visible_ids,
)
from submissions.services import InFlightLimitExceeded, submission_create
from submissions.verdict_view import judge_time, marked_messages, shown_reasons, theorem_rows


@login_required
@require_POST
def submission_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    problem = get_published_or_404(slug)
    form = SubmissionForm(request.POST)
    if form.is_valid():
        try:
            submission = submission_create(
                user=request.user, problem=problem, code=form.cleaned_data["code"], interactive=True
            )
        except InFlightLimitExceeded as exc:
            form.add_error(None, exc)  # about the account, not the code: the code is kept as typed
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            return redirect(submission)
    return render_problem_page(request, problem, form, status=400)


@login_required
@require_POST
def check_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The Check button of the problem page's form (without JavaScript too): the check, waited
    for a few seconds, then the page with its goals (`?check=<id>`), or the page with the reason
    it was not made. The editor posts to the API instead; both count against one rate limit."""
    problem = get_published_or_404(slug)
    form = SubmissionForm(request.POST)
    if not form.is_valid():
        return render_problem_page(request, problem, form, status=400)
    try:
        check = checks.check_create(user=request.user, problem=problem, code=form.cleaned_data["code"])
    except checks.CheckRateLimited as exc:
        form.add_error(None, str(exc))
        return render_problem_page(request, problem, form, status=429)
    except checks.CheckInFlight as exc:
        form.add_error(None, str(exc))
        return render_problem_page(request, problem, form, status=429)
    except ValidationError as exc:
        form.add_error("code", exc)
        return render_problem_page(request, problem, form, status=400)
    checks.check_wait(check=check, seconds=settings.ARENA_CHECK_WAIT_SECONDS)
    return redirect(f"{problem.get_absolute_url()}?check={check.token}#goals")


@login_required
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    try:
        submission = submission_get_visible(submission_id=submission_id, user=request.user)
    except Submission.DoesNotExist as exc:
        hidden = submission_hidden_from(submission_id=submission_id)
        if hidden is None:
            raise Http404("No such submission.") from exc
        context = {
            "problem": hidden.problem_version.problem,
            "submission_id": submission_id,
            "opens_when_solved": hidden.verdict in ("", "ACCEPTED"),  # accepted, or not judged yet
        }
        return render(request, "submissions/not_yet_visible.html", context, status=403)
    # The judge's JSON as stored: a field a newer judge adds cannot break the page.
    result = submission.result if isinstance(submission.result, dict) else None
    context = {
        "submission": submission,
        "result": result,
        "queue_position": submission_queue_position(submission=submission),
        "code_lines": annotated_lines(submission.code, marked_messages(result, submission.code)),
        "reasons": shown_reasons(result, submission.code) if result else [],
        "theorems": theorem_rows(result) if result else [],
        "judge_time": judge_time((result or {}).get("time_ms")),
        "is_mine": submission.user_id == request.user.pk,
    }
    # htmx polls only the status block; the answer that brings the verdict also carries the
    # code view with its marks, swapped in out of band, so nothing reloads.
    if request.headers.get("HX-Request"):
        return render(request, "submissions/_status.html", {**context, "code_out_of_band": True})
    return render(request, "submissions/submission_detail.html", context)


@login_required
def my_submissions(request: HttpRequest) -> HttpResponse:
    submissions = submission_list_for_user(user=request.user)[:200]
    return render(request, "submissions/my_submissions.html", {"submissions": submissions})


def recent_submissions(request: HttpRequest) -> HttpResponse:
    submissions = list(submission_list_recent())
    visible = submission_visible_ids(submissions=submissions, user=request.user)
    return render(request, "submissions/recent.html", {"submissions": submissions, "visible": visible})


def leaderboards(request: HttpRequest) -> HttpResponse:
    context = {
        "humans": leaderboard(author_kind=AuthorKind.HUMAN),
        "machines": leaderboard(author_kind=AuthorKind.MACHINE),
    }
    return render(request, "submissions/leaderboards.html", context)


def profile(request: HttpRequest, username: str) -> HttpResponse:
    try:
        user = get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist as exc:
        raise Http404("No such user.") from exc
    shown = profile_for(user=user)
    context = {
        "profile": shown,
        "shown_user": user,
        "visible": submission_visible_ids(submissions=shown.recent, user=request.user),
        "is_me": request.user.pk == user.pk,
    }
    return render(request, "accounts/profile.html", context)
