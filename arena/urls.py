from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from accounts.views import ThrottledLoginView
from api import problems as problems_api
from api import submissions as submissions_api
from arena.health import health

urlpatterns = [
    # the admin's own sign-in would bypass the sign-in limits: it is the site's throttled one
    path("admin/login/", ThrottledLoginView.as_view(), name="admin-login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("health/", health, name="health"),
    path("users/<str:username>/", accounts_views.profile, name="profile"),
    path("api/problems/", problems_api.problem_list_api, name="api-problem-list"),
    path("api/problems/<slug:slug>/", problems_api.problem_detail_api, name="api-problem-detail"),
    path("api/submissions/", submissions_api.submission_list_api, name="api-submission-list"),
    path(
        "api/submissions/<int:submission_id>/",
        submissions_api.submission_detail_api,
        name="api-submission-detail",
    ),
    path("", include("dumps.urls")),
    # The v1 API; the unversioned /api/ routes above stay as they were for older clients.
    path("api/v1/", include("api.urls")),
    path("", include("bots.page_urls")),
    path("", include("submissions.urls")),
    path("", include("problems.urls")),
]
