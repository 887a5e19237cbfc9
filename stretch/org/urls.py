from django.urls import path

from stretch.org import views

urlpatterns = [
    path("company/", views.company, name="company"),
    path("company/tree/", views.tree_group, name="company-tree"),
    path("company/tree/<int:objective_id>/", views.tree_children, name="company-tree-children"),
    path("company/map/<int:objective_id>/", views.alignment_map_page, name="alignment-map"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("teams/<int:team_id>/rhythm/", views.team_rhythm, name="team-rhythm"),
    path("people/", views.people, name="people"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("setup/", views.setup, name="setup"),
]
