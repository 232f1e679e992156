"""Content-Security-Policy: the site's own scripts and styles only.

No inline script runs and no remote resource loads, so a statement or a submission that slips
markup past the sanitiser still cannot act. One exception, by nonce: CodeMirror injects its
<style> elements (it passes the nonce on through EditorView.cspNonce, read from the page's
<meta name="csp-nonce">). htmx is told not to inject its own (includeIndicatorStyles: false).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", POLICY.format(nonce=request.csp_nonce))
        return response
