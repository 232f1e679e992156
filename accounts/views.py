"""Sign in (django.contrib.auth's view, limited per account and address), sign up, the licence
page and profiles; signing out and passwords are django.contrib.auth's own views."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import sign_in_limits
from accounts.forms import LicenceForm, SignupForm
from accounts.services import (
    dataset_preference_is_anonymous,
    dataset_preference_set,
    licence_accept,
    licence_has_accepted_current,
)
from accounts.throttling import client_ip


def _too_many(response: HttpResponse, retry_after: int) -> HttpResponse:
    response.status_code = 429
    response["Retry-After"] = str(retry_after)
    return response


def _wait_text(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return f"Too many attempts from your address. Try again in {minutes} minute{'s' if minutes > 1 else ''}."


class ThrottledLoginView(LoginView):
    """LoginView that refuses, without checking the password, an (account, address) or an
    address past its failed sign-ins (accounts.sign_in_limits)."""

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        username = str(request.POST.get("username", ""))[:150]
        ip = client_ip(request)
        wait = sign_in_limits.sign_in_retry_after(username=username, ip=ip)
        if wait:
            form.add_error(None, _wait_text(wait))
            return _too_many(self.form_invalid(form), wait)
        if form.is_valid():
            sign_in_limits.sign_in_succeeded(username=username, ip=ip)
            return self.form_valid(form)
        sign_in_limits.sign_in_failed(username=username, ip=ip)
        return self.form_invalid(form)


def safe_next_url(request: HttpRequest) -> str:
    """Where the user came from (?next= or the form's next), if it is on this site; else the problems."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    hosts = {request.get_host()}
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts=hosts, require_https=request.is_secure()):
        return candidate
    return reverse("problem-list")


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        ip = client_ip(request)
        wait = sign_in_limits.sign_up_retry_after(ip=ip)
        if wait:
            form.full_clean()  # add_error needs a cleaned form; nothing is saved
            form.add_error(None, _wait_text(wait))
            context = {"form": form, "next": safe_next_url(request)}
            return _too_many(render(request, "registration/signup.html", context), wait)
        sign_in_limits.sign_up_attempted(ip=ip)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            licence_accept(user=user)
            dataset_preference_set(user=user, anonymous=form.cleaned_data["anonymous_in_datasets"])
        login(request, user)
        return redirect(safe_next_url(request))
    return render(request, "registration/signup.html", {"form": form, "next": safe_next_url(request)})


@login_required
def licence_page(request: HttpRequest) -> HttpResponse:
    """The licence in force: accept a new version, and choose handle or anonymised id in datasets."""
    accepted = licence_has_accepted_current(user=request.user)
    initial = {"accept_licence": accepted, "anonymous_in_datasets": dataset_preference_is_anonymous(user=request.user)}
    form = LicenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if form.cleaned_data["accept_licence"] and not accepted:
                licence_accept(user=request.user)
            dataset_preference_set(user=request.user, anonymous=form.cleaned_data["anonymous_in_datasets"])
        messages.success(request, "Saved.")
        next_url = request.GET.get("next", "")
        safe = url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
        return redirect(next_url if safe else "licence")
    return render(request, "accounts/licence.html", {"form": form, "accepted": accepted})
