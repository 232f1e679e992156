"""JSON errors everywhere under /api/.

- v1 answers errors as {"code": "...", "detail": "...", "fields": {...}} (fields for invalid
  input only), from DRF's exceptions (api_exception_handler);
- the old /api/ routes keep DRF's own shapes, which their clients already parse;
- whatever Django answers outside DRF under /api/ (an unmatched route's 404, a 500) and bodies
  over the limit (413, checked on Content-Length before anything reads the body) are turned
  into the same JSON by ApiErrorsMiddleware.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

REASONS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "throttled",
    500: "server_error",
}


def error_body(status_code: int, detail: str, code: str | None = None, fields=None) -> dict:
    body = {"code": code or REASONS.get(status_code, "error"), "detail": detail}
    if fields is not None:
        body["fields"] = fields
    return body


def api_exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, RequestDataTooBig):
        exc = exceptions.APIException("The request body is too large.")
        exc.status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    response = exception_handler(exc, context)
    if response is None or request is None or not request.path.startswith("/api/v1/"):
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(response.status_code, "Invalid input.", "invalid", fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None)
        response.data = error_body(response.status_code, str(detail), code if code not in (None, "error") else None)
    return response


def body_limit(path: str) -> int:
    if path.rstrip("/").endswith("/submissions/batch"):
        return settings.ARENA_API_BATCH_MAX_BYTES
    return settings.ARENA_API_MAX_BODY_BYTES


class ApiErrorsMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse(error_body(400, "Content-Length is not a number."), status=400)
        limit = body_limit(request.path)
        if length > limit:
            detail = f"The request body is {length:,} bytes; the limit here is {limit:,} bytes."
            return JsonResponse(error_body(413, detail), status=413)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            return self._as_json(response)
        return response

    @staticmethod
    def _as_json(response: HttpResponse) -> HttpResponse:
        code = response.status_code
        details = {404: "No such route.", 405: "Method not allowed here.", 500: "Server error: we have been told."}
        converted = JsonResponse(error_body(code, details.get(code, response.reason_phrase)), status=code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                converted[header] = response[header]
        return converted
