from django.contrib import admin
from django.urls import include, path

from accounts.views import ThrottledLoginView
from api import urls as api_urls
from lib.health import health
from problems import urls as problems_urls
from submissions import views as submissions_views

urlpatterns = [
    # the admin's own sign-in would bypass the sign-in limits: it is the site's throttled one
    path("admin/login/", ThrottledLoginView.as_view(), name="admin-login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("health/", health, name="health"),
    path("users/<str:username>/", submissions_views.profile, name="profile"),
    # The unversioned API of older clients, frozen (api/urls.py).
    path("api/", include(api_urls.unversioned_urlpatterns)),
    path("", include("dumps.urls")),
    path("api/v1/", include("api.urls")),
    path("", include("bots.page_urls")),
    # authoring first: problems/new/, mine/ and moderation/ before the problem page's <slug>
    path("", include("problems.urls")),
    path("", include("submissions.urls")),
    path("", include(problems_urls.moderation_urlpatterns)),
]
