"""Sign in (django.contrib.auth's view, limited per account and address), sign up, sign out."""

from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import services
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
    address past its failed sign-ins (accounts.services)."""

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        username = str(request.POST.get("username", ""))[:150]
        ip = client_ip(request)
        wait = services.sign_in_retry_after(username=username, ip=ip)
        if wait:
            form.add_error(None, _wait_text(wait))
            return _too_many(self.form_invalid(form), wait)
        if form.is_valid():
            services.sign_in_succeeded(username=username, ip=ip)
            return self.form_valid(form)
        services.sign_in_failed(username=username, ip=ip)
        return self.form_invalid(form)


def signup(request: HttpRequest) -> HttpResponse:
    form = UserCreationForm(request.POST or None)
    if request.method == "POST":
        ip = client_ip(request)
        wait = services.sign_up_retry_after(ip=ip)
        if wait:
            form.full_clean()  # add_error needs a cleaned form; nothing is saved
            form.add_error(None, _wait_text(wait))
            return _too_many(render(request, "registration/signup.html", {"form": form}), wait)
        services.sign_up_attempted(ip=ip)
        if form.is_valid():
            user = form.save()
            login(request, user)
            return redirect("problem-list")
    return render(request, "registration/signup.html", {"form": form})
