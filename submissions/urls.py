from django.urls import path

from submissions import views

urlpatterns = [
    path("problems/<slug:slug>/submit/", views.submission_create_view, name="submission-create"),
    path("submissions/", views.my_submissions, name="my-submissions"),
    path("submissions/recent/", views.recent_submissions, name="recent-submissions"),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission-detail"),
    path("leaderboards/", views.leaderboards, name="leaderboards"),
]
