from django.urls import path

from stretch.kpis import views

urlpatterns = [
    path("kpis/", views.company_board, name="kpis"),
    path("teams/<int:team_id>/kpis/", views.team_board, name="team-kpis"),
    path("kpis/<int:kpi_id>/", views.kpi_page, name="kpi"),
    path("kpis/<int:kpi_id>/edit/", views.edit, name="kpi-edit"),
    path("kpis/<int:kpi_id>/archive/", views.archive, name="kpi-archive"),
    path("kpis/<int:kpi_id>/measurements/", views.measure, name="kpi-measure"),
    path("kpis/<int:kpi_id>/upload/", views.upload, name="kpi-upload"),
    path(
        "kpis/<int:kpi_id>/measurements/<int:measurement_id>/delete/",
        views.delete_measurement,
        name="kpi-measurement-delete",
    ),
    path("kpis/<int:kpi_id>/recovery/", views.recover, name="kpi-recovery"),
]
