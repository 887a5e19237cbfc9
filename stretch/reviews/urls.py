from django.urls import path

from stretch.reviews import views

urlpatterns = [
    path(
        "objectives/<int:objective_id>/reviews/<str:kind>/",
        views.objective_review,
        name="objective-review",
    ),
    path("objectives/<int:objective_id>/carry-over/", views.carry_over, name="carry-over"),
    path("teams/<int:team_id>/reviews/<int:cycle_id>/", views.team_review, name="team-review"),
    path(
        "teams/<int:team_id>/reviews/<int:cycle_id>/<str:kind>/",
        views.team_review_write,
        name="team-review-write",
    ),
]
