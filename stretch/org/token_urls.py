"""The tokens page: your API tokens, and everyone's for administrators."""

from django.urls import path

from stretch.org import token_views as views

urlpatterns = [
    path("settings/tokens/", views.my_tokens, name="tokens"),
    path("settings/tokens/all/", views.all_tokens, name="tokens-all"),
    path("settings/tokens/<int:token_id>/revoke/", views.revoke, name="token-revoke"),
]
