"""The licence in every page's footer."""

from django.http import HttpRequest

from accounts import licence


def site_licence(request: HttpRequest) -> dict:
    return {"site_licence": licence.site_licence()}
