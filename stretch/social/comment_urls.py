from django.urls import path

from stretch.social import comment_views as views

urlpatterns = [
    path("comments/", views.create, name="comment-create"),
    path("comments/<int:comment_id>/", views.permalink, name="comment"),
    path("comments/<int:comment_id>/edit/", views.edit, name="comment-edit"),
    path("comments/<int:comment_id>/delete/", views.delete, name="comment-delete"),
    path("comments/<int:comment_id>/react/", views.react, name="comment-react"),
    path(
        "check-ins/<int:check_in_id>/comments/",
        views.check_in_comments,
        name="check-in-comments",
    ),
]
