from django.urls import path

from stretch.kpis import kpi_views, views

urlpatterns = [
    path("kpis/", views.company_board, name="kpis"),
    path("teams/<int:team_id>/kpis/", views.team_board, name="team-kpis"),
    path("kpis/<int:kpi_id>/", kpi_views.kpi_page, name="kpi"),
    path("kpis/<int:kpi_id>/edit/", kpi_views.edit, name="kpi-edit"),
    path("kpis/<int:kpi_id>/archive/", kpi_views.archive, name="kpi-archive"),
    path("kpis/<int:kpi_id>/measurements/", kpi_views.measure, name="kpi-measure"),
    path("kpis/<int:kpi_id>/upload/", kpi_views.upload, name="kpi-upload"),
    path(
        "kpis/<int:kpi_id>/measurements/<int:measurement_id>/delete/",
        kpi_views.delete_measurement,
        name="kpi-measurement-delete",
    ),
    path("kpis/<int:kpi_id>/recovery/", kpi_views.recover, name="kpi-recovery"),
]
