"""The authoring pages: propose, my proposals, the moderation queue, a proposal, edit, moderate."""

from django.urls import path

from problems import authoring_views

urlpatterns = [
    path("problems/new/", authoring_views.problem_propose_view, name="problem-propose"),
    path("problems/mine/", authoring_views.my_proposals, name="my-proposals"),
    path("problems/moderation/", authoring_views.moderation_queue, name="problem-moderation"),
    path("problems/<slug:slug>/proposal/", authoring_views.problem_proposal_view, name="problem-proposal"),
    path("problems/<slug:slug>/edit/", authoring_views.problem_edit_view, name="problem-edit"),
]

# Included last by arena/urls.py: its <action> would swallow every other page under a problem
# (submissions.urls has the problem page, submit and solutions).
moderation_urlpatterns = [
    path(
        "problems/<slug:slug>/<str:action>/",
        authoring_views.problem_moderate,
        name="problem-moderate",
    ),
]
