"""/api/v1/imports: upload a file, read its dry-run report, apply it.

An upload is checked at once (a dry run) and kept as an `ImportJob` with its bytes, so that
"apply" imports exactly the file that was checked; apply checks it again against the data as
it is then, and writes all of it or nothing. The pages at /imports/ use the same functions.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from stretch import access
from stretch.pagination import paginate
from stretch.transfer import okr_import, orgchart, tabular
from stretch.transfer.importing import Report
from stretch.transfer.models import ImportJob

router = Router(tags=["imports"])
UPLOADED_FILE = File(None, description="the CSV or XLSX file")


# The jobs (shared with the pages) ---------------------------------------------------------


def _run(job: ImportJob, actor, *, dry_run: bool) -> Report:
    data = bytes(job.content)
    if job.kind == ImportJob.Kind.ORG:
        return orgchart.run(data, actor, dry_run=dry_run, filename=job.filename)
    cycle_id = job.options.get("cycle")
    cycle = okr_import.resolve_cycle(cycle_id) if cycle_id else None
    return okr_import.run(data, actor, dry_run=dry_run, cycle=cycle, filename=job.filename)


def upload(actor, *, kind: str, filename: str, data: bytes, cycle: str = "") -> ImportJob:
    """Keep an uploaded file as a job and check it (a dry run): valid or invalid."""
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": _("Choose org or okrs.")})
    if kind == ImportJob.Kind.ORG and not access.can_manage_company(actor):
        raise PermissionDenied(_("Only administrators import the org chart."))
    if len(data) > tabular.max_bytes():
        raise ValidationError({"file": tabular.too_large_message()})
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    try:
        file_format = tabular.detect_format(data)
    except tabular.TableError as error:
        raise ValidationError({"file": error.problems[0].message}) from None
    options: dict[str, Any] = {}
    chosen = okr_import.resolve_cycle(cycle) if kind == ImportJob.Kind.OKRS else None
    if chosen is not None:
        options["cycle"] = chosen.pk
    job = ImportJob(
        kind=kind,
        created_by=actor,
        filename=filename[:255],
        file_format=file_format,
        content=data,
        options=options,
    )
    report = _run(job, actor, dry_run=True)
    job.status = ImportJob.Status.VALID if report.valid else ImportJob.Status.INVALID
    job.report = report.as_dict()
    job.save()
    return job


class NotApplicable(Exception):
    """The job was applied already, or has problems: nothing was written."""

    def __init__(self, message: str, job: ImportJob):
        super().__init__(message)
        self.message, self.job = message, job


def may_apply(user, job: ImportJob) -> bool:
    """Only the person who uploaded a file applies it: administrators see everyone's
    imports, but applying one would write a member's file with an administrator's rights."""
    return job.created_by_id == user.pk


def apply(user, job: ImportJob) -> ImportJob:
    """Check the job's file again and write all of it, or nothing (NotApplicable), as the
    person who uploaded it; `user` must be that person (else PermissionDenied)."""
    if not may_apply(user, job):
        raise PermissionDenied(
            _("Only the person who uploaded this file may apply it (%(name)s).")
            % {"name": job.created_by.get_username()}
        )
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by").get(pk=job.pk)
        if job.status == ImportJob.Status.APPLIED:
            raise NotApplicable(_("This import was applied already."), job)
        report = _run(job, job.created_by, dry_run=False)
        job.report = report.as_dict()
        if report.valid:
            job.status, job.applied_at = ImportJob.Status.APPLIED, timezone.now()
        else:
            job.status = ImportJob.Status.INVALID
        job.save(update_fields=["report", "status", "applied_at"])
    if not report.valid:
        raise NotApplicable(_("The file has problems; nothing was written."), job)
    return job


def jobs_visible_to(user):
    jobs = ImportJob.objects.select_related("created_by").defer("content")
    return jobs if access.is_admin(user) else jobs.filter(created_by=user)


def get_job(user, pk: int) -> ImportJob:
    job = jobs_visible_to(user).filter(pk=pk).first()
    if job is None:
        raise Http404(_("No import with id %(id)s.") % {"id": pk})
    return job


def job_out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "filename": job.filename,
        "file_format": job.file_format,
        "created_by": job.created_by.get_username(),
        "created_at": job.created_at,
        "applied_at": job.applied_at,
        "options": job.options,
        "report": job.report,
    }


# The endpoints ------------------------------------------------------------------------------


@router.post(
    "/imports",
    response={201: dict},
    summary="Upload an org chart or OKR file: it is checked at once (a dry run)",
    description="Multipart: `file` (CSV or XLSX), `kind` (`org` or `okrs`), optional `cycle` "
    "(name or id; for OKR rows that name none). Answers the job with `status` `valid` or "
    "`invalid` and `report` `{problems: [{line, column, message}], summary}`. The org chart "
    "is imported by administrators only.",
)
def create_import(
    request,
    file: UploadedFile | None = UPLOADED_FILE,
    kind: str = Form(""),
    cycle: str = Form(""),
):
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": _("Choose org or okrs.")})
    if file is None:
        raise ValidationError({"file": _("Attach the file to import.")})
    if file.size is not None and file.size > tabular.max_bytes():
        raise ValidationError({"file": tabular.too_large_message()})
    job = upload(request.auth, kind=kind, filename=file.name or "", data=file.read(), cycle=cycle)
    return Status(201, job_out(job))


@router.get("/imports", response=dict, summary="Imports: your own (administrators: all)")
def list_imports(
    request, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)
) -> dict[str, Any]:
    return paginate(jobs_visible_to(request.auth), limit, offset, render=job_out)


@router.get("/imports/{job_id}", response=dict, summary="One import and its report")
def read_import(request, job_id: int) -> dict[str, Any]:
    return job_out(get_job(request.auth, job_id))


@router.post(
    "/imports/{job_id}/apply",
    response={200: dict, 409: dict},
    summary="Apply a checked import: all of it, or nothing and a 409 listing the problems",
    description="Only the person who uploaded the file applies it, with their own rights "
    "(administrators read everyone's imports but get 403 here).",
)
def apply_import(request, job_id: int):
    job = get_job(request.auth, job_id)
    try:
        job = apply(request.auth, job)
    except NotApplicable as refusal:
        return Status(409, {"detail": refusal.message, **job_out(refusal.job)})
    return Status(200, job_out(job))
