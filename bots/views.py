"""Pages: my API tokens (made, shown once, revoked without the API), runs and their leaderboard."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bots import selectors, services
from bots.models import Run


@login_required
def token_list_page(request: HttpRequest) -> HttpResponse:
    context: dict = {"new": None, "errors": [], "values": {}, "already_made": False}
    status = 200
    if request.method == "POST":
        values = {
            "name": request.POST.get("name", ""),
            "is_machine": request.POST.get("is_machine") == "on",
            "model_name": request.POST.get("model_name", ""),
        }
        form_id = str(request.POST.get("form_id", ""))[:64]
        # The new key is rendered in this answer only (no redirect): it is never stored in clear.
        # So a reload posts the form again: its id, used once, makes the second post make nothing.
        if form_id and not cache.add(f"token-form:{request.user.pk}:{form_id}", 1, timeout=24 * 3600):
            context["already_made"] = True
        else:
            try:
                context["new"] = services.token_create(user=request.user, **values)
            except ValidationError as exc:
                cache.delete(f"token-form:{request.user.pk}:{form_id}")  # the corrected form may post again
                context.update(errors=exc.messages, values=values)
                status = 400
    context.update(tokens=selectors.token_list_for_user(user=request.user), form_id=secrets.token_urlsafe(16))
    response = render(request, "bots/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_page(request: HttpRequest, token_id: int) -> HttpResponse:
    if services.token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "Token revoked: it no longer authenticates.")
    return redirect("token-list")


def run_list_page(request: HttpRequest) -> HttpResponse:
    return render(request, "bots/run_list.html", {"scores": selectors.run_leaderboard()})


def run_detail_page(request: HttpRequest, run_id: int) -> HttpResponse:
    run = Run.objects.select_related("user").filter(pk=run_id).first()
    if run is None:
        raise Http404("No such run.")
    (score,) = selectors.run_scores([run], with_checks=True)
    return render(request, "bots/run_detail.html", {"score": score})
