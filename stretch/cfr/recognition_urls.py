from django.urls import path

from stretch.cfr import recognition_views as views

urlpatterns = [
    path("recognition/", views.wall, name="recognitions"),
    path("recognition/give/", views.give, name="recognition-give"),
    path("recognition/<int:recognition_id>/", views.detail, name="recognition"),
    path("recognition/<int:recognition_id>/react/", views.react, name="recognition-react"),
    path("recognition/<int:recognition_id>/delete/", views.delete, name="recognition-delete"),
    path("teams/<int:team_id>/recognition/", views.team_wall, name="team-recognitions"),
    path("values/", views.values, name="values"),
    path("values/<int:value_id>/", views.value, name="value"),
]
