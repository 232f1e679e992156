"""Sign up and profiles; signing in and out and passwords are django.contrib.auth's own views."""

from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import UserCreationForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from submissions.selectors import profile_for, submission_visible_ids


def safe_next_url(request: HttpRequest) -> str:
    """Where the user came from (?next= or the form's next), if it is on this site; else the problems."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    hosts = {request.get_host()}
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts=hosts, require_https=request.is_secure()):
        return candidate
    return reverse("problem-list")


def signup(request: HttpRequest) -> HttpResponse:
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        return redirect(safe_next_url(request))
    return render(request, "registration/signup.html", {"form": form, "next": safe_next_url(request)})


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
