"""Pages of initiatives: the forms of the list under each key result."""

from django.urls import path

from stretch.okrs import initiative_views as views

urlpatterns = [
    path("key-results/<int:key_result_id>/initiatives/", views.add, name="initiative-new"),
    path("initiatives/<int:initiative_id>/edit/", views.edit, name="initiative-edit"),
    path("initiatives/<int:initiative_id>/status/", views.set_status, name="initiative-status"),
    path("initiatives/<int:initiative_id>/delete/", views.delete, name="initiative-delete"),
]
