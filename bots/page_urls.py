from django.urls import path

from bots import views

urlpatterns = [
    path("account/tokens/", views.token_list_page, name="token-list"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke_page, name="token-revoke"),
    path("runs/", views.run_list_page, name="run-list"),
    path("runs/<int:run_id>/", views.run_detail_page, name="run-detail"),
]
