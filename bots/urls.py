"""/api/v1/: the bot API."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from bots import api
from bots.status_poll import with_lean_poll

urlpatterns = [
    path("problems/", api.ProblemListView.as_view(), name="api-v1-problem-list"),
    path("problems/<slug:slug>/", api.ProblemDetailView.as_view(), name="api-v1-problem-detail"),
    path("submissions/", api.SubmissionListCreateView.as_view(), name="api-v1-submission-list"),
    path("submissions/batch/", api.BatchCreateView.as_view(), name="api-v1-batch-create"),
    path(
        "submissions/<int:submission_id>/",
        with_lean_poll(api.SubmissionDetailView.as_view()),
        name="api-v1-submission-detail",
    ),
    path("batches/<int:batch_id>/", api.BatchDetailView.as_view(), name="api-v1-batch-detail"),
    path("tokens/", api.TokenListCreateView.as_view(), name="api-v1-token-list"),
    path("tokens/sign-in/", api.TokenSignInView.as_view(), name="api-v1-token-sign-in"),
    path("tokens/<int:token_id>/", api.TokenRevokeView.as_view(), name="api-v1-token-revoke"),
    path("webhooks/deliveries/", api.DeliveryListView.as_view(), name="api-v1-delivery-list"),
    path("runs/", api.RunListCreateView.as_view(), name="api-v1-run-list"),
    path("runs/<int:run_id>/", api.RunDetailView.as_view(), name="api-v1-run-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="api-v1-schema"),
    # The split view serves its init script as a file: the CSP runs no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-v1-schema", template_name="api/docs.html"),
        name="api-v1-docs",
    ),
]
