"""/api/v1/imports: upload → report → apply, permissions, 409 on a second apply."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from stretch.okrs.models import Objective
from stretch.org import services as org
from stretch.transfer.models import ImportJob

OKRS = b"cycle,objective,owner,key_result,start,target\nYear,Via the API,alice,Count,0,10\n"
ORG = b"type,team,parent_team\nteam,Support,Testco\n"


class Uploader:
    def __init__(self, user):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {org.issue_token(user)}"}

    def upload(self, data: bytes | None, kind="okrs", name="okrs.csv", **fields):
        body = {"kind": kind, **fields}
        if data is not None:
            body["file"] = SimpleUploadedFile(name, data)
        return self.client.post("/api/v1/imports", body, headers=self.headers)

    def get(self, path):
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def post(self, path):
        return self.client.post(f"/api/v1{path}", headers=self.headers)


def test_upload_reports_then_apply_writes_and_a_second_apply_is_409(company):
    alice = Uploader(company.alice)
    response = alice.upload(OKRS)
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "valid" and job["report"]["problems"] == []
    assert job["report"]["summary"]["objectives_created"] == 1
    assert not Objective.objects.filter(title="Via the API").exists()
    assert alice.get(f"/imports/{job['id']}").json()["status"] == "valid"
    applied = alice.post(f"/imports/{job['id']}/apply")
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert Objective.objects.filter(title="Via the API").count() == 1
    again = alice.post(f"/imports/{job['id']}/apply")
    assert again.status_code == 409
    assert Objective.objects.filter(title="Via the API").count() == 1


def test_an_invalid_file_reports_its_problems_and_cannot_be_applied(company):
    alice = Uploader(company.alice)
    job = alice.upload(OKRS.replace(b"0,10", b"zero,10")).json()
    assert job["status"] == "invalid"
    assert job["report"]["problems"] == [
        {"line": 2, "column": "start", "message": job["report"]["problems"][0]["message"]}
    ]
    refused = alice.post(f"/imports/{job['id']}/apply")
    assert refused.status_code == 409 and refused.json()["report"]["problems"]


def test_only_administrators_import_the_org_chart(company):
    assert Uploader(company.bob).upload(ORG, kind="org").status_code == 403
    assert ImportJob.objects.count() == 0
    admin = Uploader(company.admin)
    job = admin.upload(ORG, kind="org").json()
    assert job["status"] == "valid"
    assert admin.post(f"/imports/{job['id']}/apply").status_code == 200


def test_bad_uploads_name_the_field(company):
    alice = Uploader(company.alice)
    missing = alice.upload(None)
    assert missing.status_code == 400 and missing.json()["field"] == "file"
    kind = alice.upload(OKRS, kind="pets")
    assert kind.status_code == 400 and kind.json()["field"] == "kind"
    cycle = alice.upload(OKRS, cycle="No such cycle")
    assert cycle.status_code == 400 and cycle.json()["field"] == "cycle"
    binary = alice.upload(b"\x89PNG\r\n\x1a\n\x00\x00", name="okrs.csv")
    assert binary.status_code == 400 and binary.json()["field"] == "file"
    assert "not a CSV or XLSX" in binary.json()["detail"]


def test_people_see_their_own_imports_and_administrators_all(company):
    alice, dave = Uploader(company.alice), Uploader(company.dave)
    job = alice.upload(OKRS).json()
    assert dave.get(f"/imports/{job['id']}").status_code == 404
    assert dave.post(f"/imports/{job['id']}/apply").status_code == 404
    assert dave.get("/imports").json()["count"] == 0
    assert alice.get("/imports").json()["count"] == 1
    assert Uploader(company.admin).get("/imports").json()["count"] == 1


def test_only_the_uploader_applies_an_import_and_with_their_own_rights(company):
    """An administrator reads a member's import but cannot apply it: applying would write
    the member's file with the administrator's rights (here: renaming Dave's objective)."""
    from stretch.okrs import services as okrs

    daves = okrs.create_objective(
        company.dave, cycle=company.year, title="Dave's own", owner_person=company.dave
    )
    renaming = f"objective_id,cycle,objective,owner\n{daves.pk},Year,Renamed by Alice,dave\n"
    job = Uploader(company.alice).upload(renaming.encode()).json()
    assert job["status"] == "invalid"  # alice may not change dave's objective
    admin = Uploader(company.admin)
    assert admin.get(f"/imports/{job['id']}").status_code == 200
    refused = admin.post(f"/imports/{job['id']}/apply")
    assert refused.status_code == 403, refused.content
    assert "Only the person who uploaded this file may apply it" in refused.json()["detail"]
    daves.refresh_from_db()
    assert daves.title == "Dave's own"
    assert ImportJob.objects.get(pk=job["id"]).status == "invalid"
    # and the uploader's own apply still runs with her rights: refused, nothing written
    again = Uploader(company.alice).post(f"/imports/{job['id']}/apply")
    assert again.status_code == 409
    daves.refresh_from_db()
    assert daves.title == "Dave's own"


def test_superscript_digits_or_a_huge_number_as_the_cycle_are_a_400_on_cycle(company):
    alice = Uploader(company.alice)
    for cycle in ("²", "99999999999999999999999", str(2**63)):
        response = alice.upload(OKRS, cycle=cycle)
        assert response.status_code == 400, (cycle, response.content)
        assert response.json()["field"] == "cycle"
    assert alice.upload(OKRS, cycle=str(company.year.pk)).json()["options"] == {
        "cycle": company.year.pk
    }
