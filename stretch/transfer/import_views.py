"""The import pages: upload a file, read its dry-run report, apply it (/imports/).

They call the same functions as the API (`imports_api.upload`, `imports_api.apply`).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stretch import access
from stretch.okrs.models import Cycle
from stretch.transfer import imports_api, okr_import, orgchart, tabular
from stretch.transfer.models import ImportJob

RECENT = 20


def _page(request, errors: dict | None = None, status: int = 200, kind: str = "okrs"):
    is_admin = access.is_admin(request.user)
    return render(
        request,
        "transfer/imports.html",
        {
            "jobs": imports_api.jobs_visible_to(request.user)[:RECENT],
            "cycles": Cycle.objects.exclude(status=Cycle.Status.CLOSED),
            "may_import_org": is_admin,
            "kind": kind,
            "errors": errors or {},
            "okr_columns": okr_import.COLUMNS,
            "org_columns": orgchart.COLUMNS,
            "max_rows": tabular.max_rows(),
            "max_bytes": tabular.max_bytes(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def imports(request):
    if request.method == "GET":
        return _page(request)
    kind = request.POST.get("kind", "")
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError({"file": _("Attach the file to import.")})
        if upload.size is not None and upload.size > tabular.max_bytes():
            raise ValidationError({"file": tabular.too_large_message()})
        job = imports_api.upload(
            request.user,
            kind=kind,
            filename=upload.name or "",
            data=upload.read(),
            cycle=request.POST.get("cycle", ""),
        )
    except ValidationError as error:
        return _page(request, error.message_dict, status=400, kind=kind)
    except PermissionDenied as error:
        return _page(request, {"kind": [str(error)]}, status=403, kind=kind)
    return redirect("import", job.pk)


def import_job(request, job_id: int):
    job = imports_api.get_job(request.user, job_id)
    return render(request, "transfer/import_job.html", _job_context(job, request.user))


def _job_context(job: ImportJob, user) -> dict:
    labels = (
        orgchart.SUMMARY_LABELS if job.kind == ImportJob.Kind.ORG else okr_import.SUMMARY_LABELS
    )
    summary = job.report.get("summary") or {}
    return {
        "job": job,
        "may_apply": imports_api.may_apply(user, job),
        "problems": job.report.get("problems") or [],
        "summary": [(str(label), summary[key]) for key, label in labels.items() if key in summary],
    }


@require_POST
def apply_import(request, job_id: int):
    job = imports_api.get_job(request.user, job_id)
    try:
        imports_api.apply(request.user, job)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
        context = _job_context(job, request.user)
        return render(request, "transfer/import_job.html", context, status=403)
    except imports_api.NotApplicable as refusal:
        messages.error(request, refusal.message)
        context = _job_context(refusal.job, request.user)
        return render(request, "transfer/import_job.html", context, status=409)
    messages.success(request, _("Imported."))
    return redirect("import", job.pk)


def template_csv(request, kind: str):
    text = orgchart.TEMPLATE if kind == ImportJob.Kind.ORG else okr_import.TEMPLATE
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stretch-{kind}-template.csv"'
    return response
