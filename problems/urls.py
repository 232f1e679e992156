from django.urls import path

from problems import authoring_views, views

urlpatterns = [
    path("", views.problem_list, name="problem-list"),
    path("problems/new/", authoring_views.problem_propose_view, name="problem-propose"),
    path("problems/mine/", authoring_views.my_proposals, name="my-proposals"),
    path("problems/moderation/", authoring_views.moderation_queue, name="problem-moderation"),
    path("problems/<slug:slug>/", views.problem_detail, name="problem-detail"),
    path("problems/<slug:slug>/proposal/", authoring_views.problem_proposal_view, name="problem-proposal"),
    path("problems/<slug:slug>/edit/", authoring_views.problem_edit_view, name="problem-edit"),
    path("problems/<slug:slug>/solutions/", views.problem_solutions, name="problem-solutions"),
    # last: its <action> would swallow every other page under a problem
    path(
        "problems/<slug:slug>/<str:action>/",
        authoring_views.problem_moderate,
        name="problem-moderate",
    ),
]
