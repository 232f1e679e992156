"""Authoring and moderation pages: propose (with a preview), a proposal and its validation,
the maintainers' queue, and publish / retire / validate again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import staff_only
from judge.problem_format import NO_THEOREMS
from problems.forms import ProblemForm
from problems.models import Problem, ProblemStatus
from problems.profiles import profile_get
from problems.selectors import (
    problem_get_visible,
    problem_list_proposed_by,
    problem_moderation_queue,
    problem_validation_current,
    problem_validation_latest,
)
from problems.services import (
    problem_data_clean,
    problem_edit,
    problem_propose,
    problem_publish,
    problem_retire,
    problem_validation_request,
)


@login_required
def problem_propose_view(request: HttpRequest) -> HttpResponse:
    form = ProblemForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.problem_data()
        try:
            if "preview" in request.POST:
                preview = _preview(data)
            else:
                problem = problem_propose(author=request.user, data=data)
                messages.success(request, "Proposed. Validation by the judge is queued.")
                return redirect("problem-proposal", slug=problem.slug)
        except ValidationError as exc:
            form.add_error(None, exc)
    elif request.method == "POST":
        _add_unread_defects(form, lambda data: data)
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"form": form, "preview": preview, "editing": None}
    return render(request, "problems/propose.html", context, status=status)


@login_required
def problem_edit_view(request: HttpRequest, slug: str) -> HttpResponse:
    problem = _visible_or_404(request, slug)
    if not _may_edit(request.user, problem):
        raise Http404("No such problem.")
    form = ProblemForm(request.POST or None, initial=ProblemForm.initial_from(problem))
    form.fields["slug"].disabled = True
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.problem_data()
        if data["import_profile"] == problem.import_profile:
            data.pop("imports")  # keep what an import recorded
        try:
            if "preview" in request.POST:
                preview = _preview(_as_edited(problem, data))
            else:
                problem_edit(problem=problem, user=request.user, data=data)
                messages.success(request, "Saved.")
                return redirect("problem-proposal", slug=problem.slug)
        except ValidationError as exc:
            form.add_error(None, exc)
    elif request.method == "POST":
        _add_unread_defects(form, lambda data: _as_edited(problem, data))
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request, "problems/propose.html", {"form": form, "preview": preview, "editing": problem}, status=status
    )


def problem_proposal_view(request: HttpRequest, slug: str) -> HttpResponse:
    problem = _visible_or_404(request, slug)
    if problem.status == ProblemStatus.PUBLISHED and not _may_see_private(request.user, problem):
        return redirect(problem)
    validation = problem_validation_current(problem=problem)
    context = {
        "problem": problem,
        "statement": problem.to_spec().template(),
        "profile": profile_get(problem.import_profile),
        "validation": validation,
        "stale": validation is None and problem_validation_latest(problem=problem) is not None,
        "changes": problem.changes.select_related("user")[:100] if request.user.is_staff else None,
        "may_edit": _may_edit(request.user, problem),
        "show_reference": _may_see_private(request.user, problem),
        "spec_audit_flags": (
            problem.spec_audit_flags.select_related("submission", "problem_version")[:50]
            if _may_see_private(request.user, problem)
            else None
        ),
    }
    template = "problems/_validation.html" if request.headers.get("HX-Request") else "problems/proposal.html"
    return render(request, template, context)


@login_required
def my_proposals(request: HttpRequest) -> HttpResponse:
    return render(request, "problems/my_proposals.html", {"problems": problem_list_proposed_by(user=request.user)})


@staff_only
def moderation_queue(request: HttpRequest) -> HttpResponse:
    rows = [
        (problem, profile_get(problem.import_profile), problem_validation_current(problem=problem))
        for problem in problem_moderation_queue().select_related("author")[:500]
    ]
    return render(request, "problems/moderation.html", {"rows": rows})


@staff_only
@require_POST
def problem_moderate(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    try:
        problem = Problem.objects.get(slug=slug)
    except Problem.DoesNotExist as exc:
        raise Http404("No such problem.") from exc
    try:
        if action == "publish":
            problem_publish(problem=problem, user=request.user)
            messages.success(request, f"{slug} is published.")
        elif action == "retire":
            problem_retire(problem=problem, user=request.user, note=request.POST.get("note", ""))
            messages.success(request, f"{slug} is retired.")
        elif action == "validate":
            problem_validation_request(problem=problem, user=request.user)
            messages.success(request, f"Validation of {slug} is queued.")
        else:
            raise Http404("No such action.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("problem-proposal", args=[slug]))


def _add_unread_defects(form: ProblemForm, complete) -> None:
    """A form with field errors still gets the problem's own checks over what it could read, so
    the author sees every defect in one round, not one per submit (issue 32, item 11). A field the
    form could not read stands in as a harmless value; its own error is already on the page."""
    data = form.problem_data()
    for field in ("slug", "title"):
        if field in form.errors:
            data[field] = "unread"
    try:
        problem_data_clean(data=complete(data), user_proposal=True)
    except ValidationError as exc:
        for error in exc.error_list:
            if not (error.message == NO_THEOREMS and "theorems" in form.errors):
                form.add_error(None, error)


def _as_edited(problem: Problem, data: dict) -> dict:
    if data.get("import_profile", problem.import_profile) == problem.import_profile:
        data = {key: value for key, value in data.items() if key != "imports"}  # keep what an import recorded
    return problem.to_spec_dict() | {"import_profile": problem.import_profile} | data


def _preview(data: dict) -> dict:
    spec, extra = problem_data_clean(data=data, user_proposal=True)
    return {"spec": spec, "template": spec.template(), "profile": profile_get(extra["import_profile"])}


def _visible_or_404(request: HttpRequest, slug: str) -> Problem:
    try:
        return problem_get_visible(slug=slug, user=request.user)
    except Problem.DoesNotExist as exc:
        raise Http404("No such problem.") from exc


def _may_edit(user, problem: Problem) -> bool:
    return user.is_authenticated and (
        user.is_staff or (problem.author_id == user.pk and problem.status == ProblemStatus.DRAFT)
    )


def _may_see_private(user, problem: Problem) -> bool:
    return user.is_authenticated and (user.is_staff or problem.author_id == user.pk)
