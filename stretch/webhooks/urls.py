from django.urls import path

from stretch.webhooks import views

urlpatterns = [
    path("teams/<int:team_id>/webhooks/", views.team_webhooks, name="team-webhooks"),
    path("webhooks/<int:webhook_id>/", views.webhook_detail, name="webhook"),
    path("webhooks/<int:webhook_id>/delete/", views.webhook_delete, name="webhook-delete"),
    path("webhooks/<int:webhook_id>/test/", views.webhook_test, name="webhook-test"),
    path(
        "webhooks/deliveries/<int:delivery_id>/retry/",
        views.delivery_retry,
        name="webhook-delivery-retry",
    ),
]
