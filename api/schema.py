"""drf-spectacular: only /api/v1/ in the schema, and our token scheme described."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


def only_v1(endpoints, **kwargs):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "arenaToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Send "Token arena_…" (a token from /api/v1/tokens/ or the tokens page).',
        }
