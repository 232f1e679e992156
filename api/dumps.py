"""GET /api/v1/datasets/: every dump with its counts, sizes, checksums, licence and links."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.licence import site_licence
from dumps import selectors
from dumps.models import DatasetDump


def dump_json(dump: DatasetDump, request: Request) -> dict:
    def link(filename: str) -> str:
        return request.build_absolute_uri(reverse("dataset-file", args=[dump.name, filename]))

    return {
        "name": dump.name,
        "created_at": dump.created_at.isoformat(),
        "counts": dump.counts,
        "licence": {"id": dump.licence, "version": dump.licence_version},
        "checker_version": dump.checker_version,
        "archive": {
            "name": dump.archive_name,
            "bytes": dump.archive_bytes,
            "sha256": dump.archive_sha256,
            "url": link(dump.archive_name),
        },
        "files": [
            {"name": name, "bytes": meta["bytes"], "sha256": meta["sha256"], "url": link(name)}
            for name, meta in sorted(dump.files.items())
        ],
    }


@extend_schema(responses=OpenApiTypes.OBJECT, description="The dataset dumps, newest first.")
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def dataset_list_api(request: Request) -> Response:
    licence = site_licence()
    return Response(
        {
            "licence": {
                "id": licence.identifier,
                "version": licence.version,
                "name": licence.name,
                "url": licence.url or request.build_absolute_uri(reverse("licence-text")),
            },
            "dumps": [dump_json(dump, request) for dump in selectors.dataset_dump_list()[:100]],
        }
    )
