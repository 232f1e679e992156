"""Sign up and the licence page; signing in and out are django.contrib.auth's own views."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.forms import LicenceForm, SignupForm
from accounts.services import (
    dataset_preference_is_anonymous,
    dataset_preference_set,
    licence_accept,
    licence_has_accepted_current,
)


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            licence_accept(user=user)
            dataset_preference_set(user=user, anonymous=form.cleaned_data["anonymous_in_datasets"])
        login(request, user)
        return redirect("problem-list")
    return render(request, "registration/signup.html", {"form": form})


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
