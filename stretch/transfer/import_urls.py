from django.urls import path

from stretch.transfer import import_views

urlpatterns = [
    path("imports/", import_views.imports, name="imports"),
    path("imports/<int:job_id>/", import_views.import_job, name="import"),
    path("imports/<int:job_id>/apply/", import_views.apply_import, name="import-apply"),
    path(
        "imports/template/org.csv",
        import_views.template_csv,
        {"kind": "org"},
        name="import-template-org",
    ),
    path(
        "imports/template/okrs.csv",
        import_views.template_csv,
        {"kind": "okrs"},
        name="import-template-okrs",
    ),
]
