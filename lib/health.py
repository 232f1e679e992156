"""GET /health/: 200 when the database answers, 503 otherwise (for load balancers)."""

from django.db import connection
from django.http import HttpRequest, JsonResponse


def health(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure means unhealthy
        return JsonResponse({"database": f"error: {type(exc).__name__}"}, status=503)
    return JsonResponse({"database": "ok"})
