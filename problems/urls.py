from django.urls import path

from problems import views

urlpatterns = [
    path("", views.problem_list, name="problem-list"),
    path("problems/<slug:slug>/", views.problem_detail, name="problem-detail"),
    path("problems/<slug:slug>/solutions/", views.problem_solutions, name="problem-solutions"),
]
