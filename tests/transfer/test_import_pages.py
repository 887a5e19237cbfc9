"""The import pages: upload, the dry-run report table, apply, the template CSVs."""

from django.core.files.uploadedfile import SimpleUploadedFile

from stretch.okrs.models import Objective
from tests.helpers import client_for

OKRS = b"cycle,objective,owner,key_result,start,target\nYear,From the page,alice,Count,0,10\n"


def test_upload_shows_the_report_and_apply_writes(company):
    client = client_for(company.alice)
    page = client.get("/imports/")
    assert page.status_code == 200 and b"Download a template CSV for OKRs" in page.content
    assert b"Org chart" not in page.content  # administrators only
    response = client.post("/imports/", {"kind": "okrs", "file": SimpleUploadedFile("o.csv", OKRS)})
    assert response.status_code == 302
    report = client.get(response["Location"])
    assert b"Apply" in report.content and b"objectives created" in report.content
    assert not Objective.objects.filter(title="From the page").exists()
    applied = client.post(response["Location"] + "apply/", follow=True)
    assert applied.status_code == 200 and b"Imported" in applied.content
    assert Objective.objects.filter(title="From the page").count() == 1
    again = client.post(response["Location"] + "apply/")
    assert again.status_code == 409


def test_problems_are_listed_with_line_and_column(company):
    client = client_for(company.alice)
    bad = OKRS.replace(b"0,10", b'"1,5",10')
    response = client.post(
        "/imports/", {"kind": "okrs", "file": SimpleUploadedFile("o.csv", bad)}, follow=True
    )
    content = response.content.decode()
    assert "1 problem; nothing was written" in content
    assert "<td>2</td><td>start</td>" in content
    assert ">Apply<" not in content


def test_a_non_spreadsheet_is_refused_on_the_form(company):
    client = client_for(company.alice)
    response = client.post(
        "/imports/", {"kind": "okrs", "file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00\x01")}
    )
    assert response.status_code == 400 and b"not a CSV or XLSX file" in response.content


def test_org_import_on_the_page_is_for_administrators(company):
    org = SimpleUploadedFile("org.csv", b"type,team,parent_team\nteam,Support,Testco\n")
    assert (
        client_for(company.bob).post("/imports/", {"kind": "org", "file": org}).status_code == 403
    )
    org.seek(0)
    admin = client_for(company.admin)
    assert b"Org chart" in admin.get("/imports/").content
    assert admin.post("/imports/", {"kind": "org", "file": org}).status_code == 302


def test_the_template_csvs_import_cleanly_once_their_names_exist(company):
    client = client_for(company.admin)
    for kind in ("okrs", "org"):
        response = client.get(f"/imports/template/{kind}.csv")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response.content.splitlines()[0].startswith(b"type" if kind == "org" else b"cycle")


def test_an_administrator_sees_a_members_import_but_may_not_apply_it(company):
    alice = client_for(company.alice)
    response = alice.post("/imports/", {"kind": "okrs", "file": SimpleUploadedFile("o.csv", OKRS)})
    job_page = response["Location"]
    admin = client_for(company.admin)
    page = admin.get(job_page)
    assert page.status_code == 200 and b"objectives created" in page.content
    assert b">Apply<" not in page.content
    assert b"Only alice, who uploaded this file, may apply it." in page.content
    refused = admin.post(job_page + "apply/")
    assert refused.status_code == 403
    assert b"Only the person who uploaded this file may apply it (alice)." in refused.content
    assert not Objective.objects.filter(title="From the page").exists()
    assert alice.post(job_page + "apply/").status_code == 302
    assert Objective.objects.filter(title="From the page").count() == 1
