from django.urls import path

from stretch.org import views

urlpatterns = [
    path("company/", views.company, name="company"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("people/", views.people, name="people"),
    path("people/<int:person_id>/", views.person, name="person"),
]
