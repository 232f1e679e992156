"""The solver's pages: the problem list, a problem (and submit), solutions, submissions, leaderboards."""

from django.urls import path

from submissions import problem_pages, views

urlpatterns = [
    path("", problem_pages.problem_list, name="problem-list"),
    path("problems/<slug:slug>/", problem_pages.problem_detail, name="problem-detail"),
    path("problems/<slug:slug>/solutions/", problem_pages.problem_solutions, name="problem-solutions"),
    path("problems/<slug:slug>/check/", views.check_create_view, name="problem-check"),
    path("problems/<slug:slug>/submit/", views.submission_create_view, name="submission-create"),
    path("submissions/", views.my_submissions, name="my-submissions"),
    path("submissions/recent/", views.recent_submissions, name="recent-submissions"),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission-detail"),
    path("leaderboards/", views.leaderboards, name="leaderboards"),
]
