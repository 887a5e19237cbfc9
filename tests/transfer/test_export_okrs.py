"""A cycle's OKRs and check-ins as CSV and XLSX (stretch.transfer.okr_export), through the
pages' download links: the shared format, the numbers, privacy, formula injection, queries.

The cycle (the quarter of tests/conftest.py):
- "Faster builds": Platform's objective, no key results; its progress is its child's
- "Ship the scheduler": alice's, aspirational, aligned to Faster builds, pillar Quality;
  "Jobs run on time" (0 → 10 jobs, weight 3, check-ins 2 then 5) and "Write the runbook"
  (a milestone not done, weight 1): progress (0.5 * 3 + 0) / 4 = 0.375; scored 0.4
- "Secret plan": alice's, private, "Hidden number"
- dave's objective whose texts start with = + - @, one key result following a KPI
"""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stretch.kpis import services as kpis
from stretch.okrs import services as okrs
from stretch.okrs.models import KeyResult, Objective
from stretch.transfer import okr_export, okr_import
from tests.helpers import client_for

HEADER_LINE = (
    "cycle,objective_id,objective,objective_description,owner,objective_kind,visibility,"
    "parent,pillar,key_result_id,key_result,kr_kind,direction,start,target,range_low,"
    "range_high,weight,unit,kr_owner,current,confidence,kr_progress,objective_progress,"
    "objective_status,objective_score,kr_score,checked_in_at"
)
HEADER = HEADER_LINE.split(",")
SNEAKY = '\x01=HYPERLINK("http://y")'  # a title the API accepts
CHECK_IN_HEADER = "objective_id,key_result_id,key_result,time,author,value,confidence,note"


class Known:
    """The objects of `build`, by name."""


def build(company) -> Known:
    k = Known()
    quarter, alice, bob, dave = company.quarter, company.alice, company.bob, company.dave
    k.faster = okrs.create_objective(
        bob, cycle=quarter, title="Faster builds", owner_team=company.platform
    )
    k.scheduler = okrs.create_objective(
        alice,
        cycle=quarter,
        title="Ship the scheduler",
        description="Run jobs on time, 每天",
        owner_person=alice,
        kind="aspirational",
        parent=k.faster,
        pillar=company.pillar,
    )
    k.jobs = okrs.create_key_result(
        alice, k.scheduler, title="Jobs run on time", start=0, target=10, unit="jobs", weight=3
    )
    k.runbook = okrs.create_key_result(
        alice, k.scheduler, title="Write the runbook", kind="milestone"
    )
    earlier = timezone.now() - timedelta(days=3)
    okrs.check_in(alice, k.jobs, value=2, confidence=8, note="first jobs", at=earlier)
    okrs.check_in(alice, k.jobs, value=5, confidence=7, note="half way")
    Objective.objects.filter(pk=k.scheduler.pk).update(score=0.4)
    KeyResult.objects.filter(pk=k.jobs.pk).update(score=0.5)
    k.secret = okrs.create_objective(
        alice, cycle=quarter, title="Secret plan", owner_person=alice, visibility="private"
    )
    k.hidden = okrs.create_key_result(alice, k.secret, title="Hidden number", target=3)
    okrs.check_in(alice, k.hidden, value=1, note="hush")
    k.formula = okrs.create_objective(
        dave,
        cycle=quarter,
        title='=HYPERLINK("http://x")',
        owner_person=dave,
        description="-2+3",
    )
    k.plus = okrs.create_key_result(dave, k.formula, title="+1 customers", unit="@units")
    okrs.check_in(dave, k.plus, value=0.25, confidence=5, note="@SUM(A1)")
    k.uptime = kpis.create_kpi(
        bob, team=company.platform, name="Uptime", unit="%", band="above", green=99.9, red=99.5
    )
    k.follows = okrs.create_key_result(
        dave, k.formula, title="Uptime stays up", start=99, target=99.95, kpi=k.uptime
    )
    kpis.add_measurement(bob, k.uptime, value=99.5, date=timezone.localdate())
    return k


@pytest.fixture
def known(company):
    return build(company)


def download(user, url: str):
    response = client_for(user).get(url)
    assert response.status_code == 200, response.content
    return response


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def read_csv(response) -> list[dict[str, str]]:
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def okrs_csv(user, cycle) -> list[dict[str, str]]:
    return read_csv(download(user, f"/cycles/{cycle.pk}/export/okrs.csv"))


def by_kr(rows) -> dict[str, dict[str, str]]:
    return {row["key_result"]: row for row in rows}


# The format ------------------------------------------------------------------------------------


def test_the_header_is_the_shared_format_import_columns_first(known, company):
    raw = body(download(company.alice, f"/cycles/{company.quarter.pk}/export/okrs.csv"))
    first_line = raw.decode("utf-8-sig").splitlines()[0]
    assert first_line.split(",") == HEADER
    assert list(okr_import.COLUMNS + okr_import.EXPORT_ONLY) == HEADER
    assert okr_export.OKR_COLUMNS == HEADER


def test_the_file_is_named_after_the_cycle(known, company):
    response = download(company.alice, f"/cycles/{company.quarter.pk}/export/okrs.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="stretch-okrs-quarter.csv"'


def test_a_row_per_key_result_with_the_objective_repeated(known, company):
    rows = by_kr(okrs_csv(company.alice, company.quarter))
    jobs = rows["Jobs run on time"]
    assert jobs == jobs | {
        "cycle": "Quarter",
        "objective_id": str(known.scheduler.pk),
        "objective": "Ship the scheduler",
        "objective_description": "Run jobs on time, 每天",
        "owner": "alice",
        "objective_kind": "aspirational",
        "visibility": "public",
        "parent": str(known.faster.pk),
        "pillar": "Quality",
        "key_result_id": str(known.jobs.pk),
        "kr_kind": "metric",
        "direction": "increase",
        "start": "0",
        "target": "10",
        "range_low": "",
        "weight": "3",
        "unit": "jobs",
        "kr_owner": "alice",
        "current": "5",
        "confidence": "7",
        "kr_progress": "0.5",
        "objective_progress": "0.375",
        "objective_status": "active",
        "objective_score": "0.4",
        "kr_score": "0.5",
    }
    checked = timezone.localtime(KeyResult.objects.get(pk=known.jobs.pk).checked_in_at)
    assert jobs["checked_in_at"] == checked.isoformat(timespec="seconds")
    runbook = rows["Write the runbook"]
    assert (runbook["objective_id"], runbook["kr_kind"], runbook["kr_progress"]) == (
        str(known.scheduler.pk),
        "milestone",
        "0",
    )
    assert runbook["current"] == runbook["checked_in_at"] == runbook["kr_score"] == ""


def test_an_objective_without_key_results_is_one_row_taking_its_childrens_progress(known, company):
    rows = [
        r for r in okrs_csv(company.alice, company.quarter) if r["objective"] == "Faster builds"
    ]
    assert len(rows) == 1
    assert rows[0]["owner"] == "team:Platform"
    assert rows[0]["key_result_id"] == rows[0]["key_result"] == rows[0]["kr_progress"] == ""
    assert rows[0]["objective_progress"] == "0.375"


def test_chinese_text_survives_as_utf8(known, company):
    rows = okrs_csv(company.alice, company.quarter)
    assert any(r["objective_description"] == "Run jobs on time, 每天" for r in rows)


# Privacy ---------------------------------------------------------------------------------------


def test_a_private_objective_is_left_out_for_an_outsider(known, company):
    rows = okrs_csv(company.dave, company.quarter)
    assert "Secret plan" not in {r["objective"] for r in rows}
    assert "Hidden number" not in {r["key_result"] for r in rows}
    check_ins = body(download(company.dave, f"/cycles/{company.quarter.pk}/export/check-ins.csv"))
    assert b"Hidden number" not in check_ins and b"hush" not in check_ins


def test_a_private_objective_is_there_for_its_owner_and_her_manager(known, company):
    for person in (company.alice, company.bob):
        rows = okrs_csv(person, company.quarter)
        assert by_kr(rows)["Hidden number"]["visibility"] == "private"


def test_a_parent_the_reader_may_not_see_is_left_blank(known, company):
    Objective.objects.filter(pk=known.faster.pk).update(visibility="private")
    rows = by_kr(okrs_csv(company.dave, company.quarter))
    assert rows["Jobs run on time"]["parent"] == ""
    assert "Faster builds" not in {r["objective"] for r in rows.values()}
    assert by_kr(okrs_csv(company.alice, company.quarter))["Jobs run on time"]["parent"] == str(
        known.faster.pk
    )


# Check-ins -------------------------------------------------------------------------------------


def test_the_check_in_history_lists_each_check_in_with_its_author(known, company):
    response = download(company.alice, f"/cycles/{company.quarter.pk}/export/check-ins.csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="stretch-check-ins-quarter.csv"'
    )
    raw = body(response).decode("utf-8-sig")
    assert raw.splitlines()[0] == CHECK_IN_HEADER
    rows = list(csv.DictReader(io.StringIO(raw)))
    jobs = [r for r in rows if r["key_result"] == "Jobs run on time"]
    assert [(r["author"], r["value"], r["confidence"], r["note"]) for r in jobs] == [
        ("alice", "2", "8", "first jobs"),
        ("alice", "5", "7", "half way"),
    ]
    assert jobs[0]["objective_id"] == str(known.scheduler.pk)
    assert jobs[0]["key_result_id"] == str(known.jobs.pk)
    assert jobs[0]["time"] < jobs[1]["time"]
    from_kpi = [r for r in rows if r["key_result"] == "Uptime stays up"]
    assert [(r["author"], r["value"]) for r in from_kpi] == [("KPI", "99.5")]


# Formula injection -----------------------------------------------------------------------------


def test_text_a_spreadsheet_would_run_gets_a_leading_quote(known, company):
    okrs.create_key_result(company.dave, known.formula, title=SNEAKY)
    rows = by_kr(okrs_csv(company.dave, company.quarter))
    plus = rows["'+1 customers"]
    assert plus["objective"] == '\'=HYPERLINK("http://x")'
    assert plus["objective_description"] == "'-2+3"
    assert plus["unit"] == "'@units"
    assert plus["current"] == "0.25"  # numbers are not text: left as they are
    # The control character is dropped first (XLSX cannot hold it), then the quote is added.
    assert "'" + SNEAKY[1:] in rows
    history = body(download(company.dave, f"/cycles/{company.quarter.pk}/export/check-ins.csv"))
    assert b"'@SUM(A1)" in history
    response = download(company.dave, f"/cycles/{company.quarter.pk}/export/okrs.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body(response)))["OKRs"]
    column = HEADER.index("key_result")
    sneaky = next(r[column] for r in sheet.iter_rows() if "http://y" in str(r[column].value))
    assert sneaky.data_type != "f"
    assert sneaky.value == "'" + SNEAKY[1:]


def test_a_negative_number_stays_a_number(known, company):
    KeyResult.objects.filter(pk=known.plus.pk).update(start=-4)
    assert by_kr(okrs_csv(company.dave, company.quarter))["'+1 customers"]["start"] == "-4"


# XLSX ------------------------------------------------------------------------------------------


def test_the_xlsx_has_the_okrs_and_the_check_ins_and_opens_back(known, company):
    response = download(company.alice, f"/cycles/{company.quarter.pk}/export/okrs.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="stretch-okrs-quarter.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    assert book.sheetnames == ["OKRs", "Check-ins"]
    okr_rows = list(book["OKRs"].iter_rows(values_only=True))
    assert list(okr_rows[0]) == HEADER
    rows = {r[HEADER.index("key_result")]: dict(zip(HEADER, r, strict=True)) for r in okr_rows[1:]}
    jobs = rows["Jobs run on time"]
    assert (jobs["objective_id"], jobs["current"], jobs["kr_progress"]) == (
        known.scheduler.pk,
        5,
        0.5,
    )
    assert jobs["objective_progress"] == 0.375
    assert rows["'+1 customers"]["objective"] == '\'=HYPERLINK("http://x")'
    assert rows["Hidden number"]["visibility"] == "private"
    check_ins = list(book["Check-ins"].iter_rows(values_only=True))
    assert ",".join(check_ins[0]) == CHECK_IN_HEADER
    jobs_history = [r for r in check_ins[1:] if r[2] == "Jobs run on time"]
    assert [(r[4], r[5], r[7]) for r in jobs_history] == [
        ("alice", 2, "first jobs"),
        ("alice", 5, "half way"),
    ]
    assert any(r[4] == "KPI" for r in check_ins[1:])


def test_the_xlsx_leaves_out_a_private_objective_for_an_outsider(known, company):
    response = download(company.dave, f"/cycles/{company.quarter.pk}/export/okrs.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    texts = {c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row}
    assert "Secret plan" not in texts and "Hidden number" not in texts and "hush" not in texts


# Pages -----------------------------------------------------------------------------------------


def test_an_unknown_cycle_is_a_404(known, company):
    assert client_for(company.alice).get("/cycles/99999/export/okrs.csv").status_code == 404
    assert client_for(company.alice).get("/cycles/99999/export/okrs.xlsx").status_code == 404
    assert client_for(company.alice).get("/cycles/99999/export/check-ins.csv").status_code == 404


def test_explore_links_the_cycles_downloads(known, company):
    page = client_for(company.alice).get(f"/explore/?cycle={company.quarter.pk}").content.decode()
    for url in (
        f"/cycles/{company.quarter.pk}/export/okrs.csv",
        f"/cycles/{company.quarter.pk}/export/okrs.xlsx",
        f"/cycles/{company.quarter.pk}/export/check-ins.csv",
    ):
        assert f'href="{url}"' in page


def test_a_signed_out_visitor_is_sent_to_log_in(known, company):
    from django.test import Client

    response = Client().get(f"/cycles/{company.quarter.pk}/export/okrs.csv")
    assert response.status_code == 302 and "/login/" in response["Location"]


# Queries ---------------------------------------------------------------------------------------


def more_objectives(company, n: int) -> None:
    for i in range(n):
        objective = okrs.create_objective(
            company.alice,
            cycle=company.quarter,
            title=f"More {i}",
            owner_person=company.alice,
            pillar=company.pillar,
        )
        for j in range(3):
            kr = okrs.create_key_result(
                company.alice, objective, title=f"KR {i}.{j}", target=10, owner=company.bob
            )
            okrs.check_in(company.alice, kr, value=j, confidence=6)


def queries_of(user, url: str) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as captured:
        body(client.get(url))
    return len(captured)


@pytest.mark.parametrize("what", ["okrs.csv", "okrs.xlsx", "check-ins.csv"])
def test_the_queries_do_not_grow_with_the_cycle(
    known, company, what, django_assert_max_num_queries
):
    url = f"/cycles/{company.quarter.pk}/export/{what}"
    small = queries_of(company.dave, url)
    more_objectives(company, 12)
    client = client_for(company.dave)
    with django_assert_max_num_queries(small):
        rows = body(client.get(url))
    assert b"KR 11.2" in rows or what == "okrs.xlsx"


# Round trip ------------------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["okrs.csv", "okrs.xlsx"])
def test_an_exported_file_re_imports_as_an_update_with_no_changes(known, company, what):
    from stretch.transfer import okr_import

    versions = dict(Objective.objects.values_list("pk", "version"))
    data = body(download(company.admin, f"/cycles/{company.quarter.pk}/export/{what}"))
    report = okr_import.run(data, company.admin, dry_run=False, filename=f"back.{what[-4:]}")
    assert report.problems == []
    assert report.summary == {
        "objectives_created": 0,
        "objectives_updated": 0,
        "objectives_unchanged": 4,
        "key_results_created": 0,
        "key_results_updated": 0,
        "key_results_unchanged": 5,
    }
    assert dict(Objective.objects.values_list("pk", "version")) == versions
    assert Objective.objects.get(pk=known.formula.pk).title == '=HYPERLINK("http://x")'


def test_a_cycle_named_in_chinese_gives_a_file_named_by_its_id(db):
    from stretch.okrs.models import Cycle

    assert okr_export.filename(Cycle(pk=7, name="第一季度"), "okrs", "csv") == (
        "stretch-okrs-cycle-7.csv"
    )
    assert okr_export.filename(Cycle(pk=7, name="2026 Q4"), "okrs", "xlsx") == (
        "stretch-okrs-2026-q4.xlsx"
    )


def test_the_cycles_page_links_each_cycles_downloads(company):
    page = client_for(company.alice).get("/cycles/").content.decode()
    for path in ("okrs.csv", "okrs.xlsx", "check-ins.csv"):
        link = f"/cycles/{company.quarter.pk}/export/{path}"
        assert f'href="{link}"' in page
        assert download(company.alice, link).status_code == 200
