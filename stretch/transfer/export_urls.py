from django.urls import path

from stretch.transfer import export_views as views

urlpatterns = [
    path("cycles/<int:cycle_id>/export/okrs.csv", views.cycle_okrs_csv, name="export-okrs-csv"),
    path("cycles/<int:cycle_id>/export/okrs.xlsx", views.cycle_okrs_xlsx, name="export-okrs-xlsx"),
    path(
        "cycles/<int:cycle_id>/export/check-ins.csv",
        views.cycle_check_ins_csv,
        name="export-check-ins-csv",
    ),
    path("explore/export.csv", views.explore_csv, name="explore-csv"),
    path("people/export.csv", views.people_csv, name="people-csv"),
    path("kpis/export.csv", views.kpis_csv, name="kpis-csv"),
    path("teams/<int:team_id>/kpis/export.csv", views.kpis_csv, name="team-kpis-csv"),
]
