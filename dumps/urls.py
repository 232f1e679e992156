from django.urls import path

from dumps import views

urlpatterns = [
    path("datasets/", views.dataset_list, name="dataset-list"),
    path("datasets/licence/", views.licence_text, name="licence-text"),
    path("datasets/<slug:name>/<str:filename>", views.dataset_file, name="dataset-file"),
]
