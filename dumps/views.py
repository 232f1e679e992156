"""The downloads page, the files themselves (streamed from disk), and the licence text."""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.licence import site_licence
from dumps import selectors
from dumps.models import DatasetDump
from dumps.services import dump_root


@require_safe
def dataset_list(request: HttpRequest) -> HttpResponse:
    return render(request, "dumps/dataset_list.html", {"dumps": selectors.dataset_dump_list()[:50]})


@require_safe
def dataset_file(request: HttpRequest, name: str, filename: str) -> FileResponse:
    """One file of a dump, or its archive: only names the dump recorded, read in blocks by the
    server (FileResponse: wsgi.file_wrapper, sendfile under gunicorn), never whole into memory."""
    path = dump_file_path(name=name, filename=filename)
    content_type = "text/plain; charset=utf-8" if path.suffix in {".md", ".jsonl", ""} else None
    return FileResponse(
        path.open("rb"),
        as_attachment=path.suffix in {".gz", ".parquet", ".jsonl"},
        filename=path.name,
        content_type=content_type,
    )


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
