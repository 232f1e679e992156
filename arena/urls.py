from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from accounts.views import ThrottledLoginView
from arena.health import health
from datasets import api as datasets_api
from problems import api as problems_api
from submissions import api as submissions_api

urlpatterns = [
    # the admin's own sign-in would bypass the sign-in limits: it is the site's throttled one
    path("admin/login/", ThrottledLoginView.as_view(), name="admin-login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("health/", health, name="health"),
    path("users/<str:username>/", accounts_views.profile, name="profile"),
    path("api/problems/", problems_api.problem_list_api, name="api-problem-list"),
    path("api/problems/<slug:slug>/", problems_api.problem_detail_api, name="api-problem-detail"),
    path("api/v1/proposals/<slug:slug>/", problems_api.proposal_detail_api, name="api-v1-proposal-detail"),
    path("api/submissions/", submissions_api.submission_list_api, name="api-submission-list"),
    path(
        "api/submissions/<int:submission_id>/",
        submissions_api.submission_detail_api,
        name="api-submission-detail",
    ),
    path("api/v1/datasets/", datasets_api.dataset_list_api, name="api-dataset-list"),
    path("", include("datasets.urls")),
    # The bot API; the unversioned /api/ routes above stay as they were for older clients.
    path("api/v1/", include("bots.urls")),
    path("", include("bots.page_urls")),
    path("", include("submissions.urls")),
    path("", include("problems.urls")),
]
