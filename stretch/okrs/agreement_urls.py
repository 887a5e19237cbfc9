"""Pages of setting OKRs together: proposals, alignment requests, dependencies, Requests."""

from django.urls import path

from stretch.okrs import agreement_views as views

urlpatterns = [
    path("requests/", views.requests_page, name="requests"),
    path("objectives/<int:objective_id>/propose/", views.propose, name="objective-propose"),
    path("objectives/<int:objective_id>/publish/", views.publish, name="objective-publish"),
    path("proposals/<int:proposal_id>/agree/", views.agree, name="proposal-agree"),
    path(
        "proposals/<int:proposal_id>/request-changes/",
        views.request_changes,
        name="proposal-request-changes",
    ),
    path(
        "proposals/<int:proposal_id>/withdraw/", views.withdraw_proposal, name="proposal-withdraw"
    ),
    path(
        "objectives/<int:objective_id>/alignment-requests/new/",
        views.request_alignment,
        name="alignment-request-new",
    ),
    path(
        "alignment-requests/<int:request_id>/accept/",
        views.accept_alignment,
        name="alignment-request-accept",
    ),
    path(
        "alignment-requests/<int:request_id>/decline/",
        views.decline_alignment,
        name="alignment-request-decline",
    ),
    path(
        "alignment-requests/<int:request_id>/withdraw/",
        views.withdraw_alignment,
        name="alignment-request-withdraw",
    ),
    path(
        "objectives/<int:objective_id>/dependencies/new/",
        views.add_dependency,
        name="dependency-new",
    ),
    path(
        "dependencies/<int:dependency_id>/confirm/",
        views.confirm_dependency,
        name="dependency-confirm",
    ),
    path(
        "dependencies/<int:dependency_id>/decline/",
        views.decline_dependency,
        name="dependency-decline",
    ),
    path(
        "dependencies/<int:dependency_id>/remove/",
        views.remove_dependency,
        name="dependency-remove",
    ),
]
