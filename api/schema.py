"""drf-spectacular: only /api/v1/ in the schema, and our token scheme described."""

from django.conf import settings
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


# --- Postprocessing: a schema that validates, and every answer a client can get documented ----

ERROR = {
    "type": "object",
    "description": "Every error of /api/v1/: a stable code, a sentence, and the fields at fault (400).",
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "detail": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": True},
    },
    "required": ["code", "detail"],
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again (absent for too_many_in_flight: a place "
        "frees when one of your submissions is judged).",
        "schema": {"type": "integer", "minimum": 0},
    }
}
ERRORS = {
    "400": "The input is invalid: `fields` says which and why.",
    "401": "No valid token (or it was revoked).",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such thing, or not yours to see (or no such page of a list).",
    "413": "The request body is too large.",
    "415": "Send JSON (Content-Type: application/json).",
    "422": "This Idempotency-Key was used with another body.",
    "429": "Too many requests (a rate limit: see Retry-After) or too many submissions in flight.",
}
_WRITES = {"post", "put", "patch"}


def _which_errors(path: str, method: str, operation: dict) -> list[str]:
    codes = ["401", "403", "429"]  # any request may carry a bad token; every one is rate-limited
    if operation.get("parameters") or method in _WRITES:
        codes.append("400")
    paged = any(p.get("name") in ("page", "cursor") for p in operation.get("parameters", []))
    if "{" in path or paged:  # a page or cursor that does not exist is a 404 too
        codes.append("404")
    if method in _WRITES:
        codes += ["413", "415"]
    if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
        codes.append("422")
    return sorted(codes)


def _resolve(schema: dict, components: dict) -> dict:
    ref = schema.get("$ref", "")
    return components.get(ref.rsplit("/", 1)[-1], {}) if ref.startswith("#/components/schemas/") else schema


def _default_fits(schema: dict, components: dict) -> bool:
    """Whether a schema's `default` satisfies the schema itself (drf-spectacular writes `default:
    ''` for an optional field that refuses blanks: minLength 1, a pattern, an enum)."""
    import jsonschema

    default = schema["default"]
    target = {k: v for k, v in schema.items() if k != "default"}
    for part in target.pop("allOf", []):
        target.update(_resolve(part, components))
    target = {k: v for k, v in _resolve(target, components).items() if k != "$ref"}
    try:
        jsonschema.validate(default, target)
    except jsonschema.ValidationError:
        return False
    return True


def _tidy_defaults(node, components: dict) -> None:
    if isinstance(node, dict):
        if (
            "default" in node
            and isinstance(node.get("default"), str | int | float)
            and not _default_fits(node, components)
        ):
            # "absent" is what the default meant: say so instead of an invalid value
            del node["default"]
        for value in node.values():
            _tidy_defaults(value, components)
    elif isinstance(node, list):
        for value in node:
            _tidy_defaults(value, components)


def complete_schema(result, generator, request, public):
    """The error answers on every operation (429 with Retry-After), and defaults that validate."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code in _which_errors(path, method, operation):
                answer = {
                    "description": ERRORS[code],
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
                if code == "429":
                    answer["headers"] = RETRY_AFTER
                operation["responses"].setdefault(code, answer)
    # BatchInput's bounds (allow_empty=False, max_length), which drf-spectacular does not carry over
    batch = components.get("BatchInputRequest", {}).get("properties", {}).get("submissions")
    if batch is not None:
        batch.update(minItems=1, maxItems=settings.ARENA_API_BATCH_MAX_ITEMS)
    _tidy_defaults(result.get("paths", {}), components)
    _tidy_defaults(components, components)
    return result
