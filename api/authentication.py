"""Authorization: Token arena_… (or Bearer arena_…): our hashed, revocable tokens.

Keys without the arena_ prefix are left to DRF's TokenAuthentication (the tokens maintainers
made before v1), which comes after this class in DEFAULT_AUTHENTICATION_CLASSES.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions

from bots.services import KEY_PREFIX, token_authenticate


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower().decode(errors="replace") not in self.keywords:
            return None
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        if not key.startswith(KEY_PREFIX):
            return None
        token = token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Token realm="api"'
