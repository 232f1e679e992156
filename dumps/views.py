"""The downloads page, the files themselves (streamed from disk), and the licence text."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.decorators import staff_only
from accounts.licence import site_licence
from accounts.services import licence_has_accepted_current
from dumps import selectors
from dumps.models import DatasetDump
from dumps.services import dataset_download_record, dump_root
from dumps.tasks import export_dataset_task


@require_safe
def dataset_list(request: HttpRequest) -> HttpResponse:
    dumps = list(selectors.dataset_dump_list()[:50])
    for dump in dumps:
        dump.file_rows = [
            {"name": n, "bytes": meta["bytes"], "sha256": meta["sha256"], "rows": dump.counts.get(n.split(".")[0])}
            for n, meta in sorted(dump.files.items())
        ]
    may_download = request.user.is_authenticated and licence_has_accepted_current(user=request.user)
    preview = None
    if dumps and may_download:  # the rows are the download's: the preview is gated alike
        folder = dump_root() / dumps[0].name
        preview = {name: selectors.dataset_dump_preview(folder=folder, name=name) for name in ("problems", "solutions")}
    context = {"dumps": dumps, "preview": preview, "may_download": may_download}
    return render(request, "dumps/dataset_list.html", context)


@staff_only
@require_POST
def dataset_make(request: HttpRequest) -> HttpResponse:
    """Staff: a dump now, made by a worker (it may take minutes), whether or not anything changed."""
    export_dataset_task.delay(only_if_changed=False)
    messages.success(request, "A dump is being made: it is listed here when it is done (reload in a minute).")
    return redirect("dataset-list")


@api_view(["GET", "HEAD"])
@permission_classes([AllowAny])  # the gate is below: a browser is sent to sign in, a client told
def dataset_file(request: Request, name: str, filename: str) -> HttpResponseBase:
    """One file of a dump, or its archive, to an account that accepted the site licence (a
    session or an API token), each download recorded: only names the dump recorded, read in
    blocks by the server (FileResponse: wsgi.file_wrapper, sendfile under gunicorn)."""
    path = dump_file_path(name=name, filename=filename)
    refused = _gate(request)
    if refused is not None:
        return refused
    dataset_download_record(
        user=request.user,
        dump=selectors.dataset_dump_get(name=name),
        filename=filename,
        via_api=request.auth is not None,
    )
    content_type = "text/plain; charset=utf-8" if path.suffix in {".md", ".jsonl", ""} else None
    return FileResponse(
        path.open("rb"),
        as_attachment=path.suffix in {".gz", ".parquet", ".jsonl"},
        filename=path.name,
        content_type=content_type,
    )


def _gate(request: Request) -> HttpResponseBase | None:
    """None when request's account may download; else where to go (a page) or why not (JSON)."""
    browser = request.auth is None and "text/html" in request.headers.get("Accept", "")
    licence_url = request.build_absolute_uri(reverse("licence"))
    if not request.user.is_authenticated:
        if browser:
            return redirect_to_login(request.get_full_path())
        detail = f"Downloads need an account that accepted the site licence ({licence_url}): send its token."
        return Response({"code": "not_authenticated", "detail": detail}, status=401)
    if not licence_has_accepted_current(user=request.user):
        if browser:
            return redirect(f"{reverse('licence')}?next={quote(request.get_full_path())}")
        detail = f"Accept the site licence ({site_licence().name}, v{site_licence().version}) first: {licence_url}"
        return Response({"code": "licence_not_accepted", "detail": detail}, status=403)
    return None


def dump_file_path(*, name: str, filename: str) -> Path:
    try:
        dump = selectors.dataset_dump_get(name=name)
    except DatasetDump.DoesNotExist as exc:
        raise Http404("No such dump.") from exc
    root = dump_root()
    if filename == dump.archive_name:
        path = root / dump.archive_name
    elif filename in dump.files:
        path = root / dump.name / filename
    else:
        raise Http404("No such file in this dump.")
    if not path.is_file():
        raise Http404("This dump's files are gone from the server.")
    return path


@require_safe
def licence_text(request: HttpRequest) -> HttpResponse:
    return HttpResponse(site_licence().text, content_type="text/plain; charset=utf-8")
