from django.contrib import admin
from django.urls import include, path

from arena.health import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("health/", health, name="health"),
    path("", include("submissions.urls")),
    path("", include("problems.urls")),
]
