"""/api/v1/: the whole v1 API, one URLconf; and the unversioned /api/ of older clients, which
stays as it was (frozen: no new features; arena/urls.py mounts it under /api/)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import dumps, problems, submissions, views
from api.status_poll import with_fast_poll

urlpatterns = [
    path("problems/", views.ProblemListView.as_view(), name="api-v1-problem-list"),
    path("problems/<slug:slug>/", views.ProblemDetailView.as_view(), name="api-v1-problem-detail"),
    path("submissions/", views.SubmissionListCreateView.as_view(), name="api-v1-submission-list"),
    path("submissions/batch/", views.BatchCreateView.as_view(), name="api-v1-batch-create"),
    path(
        "submissions/<int:submission_id>/",
        with_fast_poll(views.SubmissionDetailView.as_view()),
        name="api-v1-submission-detail",
    ),
    path("check/", views.CheckCreateView.as_view(), name="api-v1-check-create"),
    path("check/<str:token>/", views.CheckDetailView.as_view(), name="api-v1-check-detail"),
    path("batches/<int:batch_id>/", views.BatchDetailView.as_view(), name="api-v1-batch-detail"),
    path("tokens/", views.TokenListCreateView.as_view(), name="api-v1-token-list"),
    path("tokens/sign-in/", views.TokenSignInView.as_view(), name="api-v1-token-sign-in"),
    path("tokens/<int:token_id>/", views.TokenRevokeView.as_view(), name="api-v1-token-revoke"),
    path("webhooks/deliveries/", views.DeliveryListView.as_view(), name="api-v1-delivery-list"),
    path("runs/", views.RunListCreateView.as_view(), name="api-v1-run-list"),
    path("runs/<int:run_id>/", views.RunDetailView.as_view(), name="api-v1-run-detail"),
    path("proposals/<slug:slug>/", problems.proposal_detail_api, name="api-v1-proposal-detail"),
    path("datasets/", dumps.dataset_list_api, name="api-dataset-list"),
    path("schema/", SpectacularAPIView.as_view(), name="api-v1-schema"),
    # The split view serves its init script as a file: the CSP runs no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-v1-schema", template_name="api/docs.html"),
        name="api-v1-docs",
    ),
]

unversioned_urlpatterns = [
    path("problems/", problems.problem_list_api, name="api-problem-list"),
    path("problems/<slug:slug>/", problems.problem_detail_api, name="api-problem-detail"),
    path("submissions/", submissions.submission_list_api, name="api-submission-list"),
    path("submissions/<int:submission_id>/", submissions.submission_detail_api, name="api-submission-detail"),
]
