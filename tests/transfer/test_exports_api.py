"""/api/v1/exports: a cycle's OKRs (CSV or XLSX) and check-ins (CSV) for a token's person."""

import csv
import io

import openpyxl
import pytest

from stretch.org import services as org
from tests.transfer.test_export_okrs import HEADER, body, build


@pytest.fixture
def known(company):
    return build(company)


def get(user, path: str):
    from django.test import Client

    token = org.issue_token(user)
    return Client().get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


def rows_of(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))


def test_it_gives_the_cycles_okrs_as_csv(known, company):
    response = get(company.alice, f"/exports/okrs?cycle={company.quarter.pk}&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="stretch-okrs-quarter.csv"'
    raw = body(response).decode("utf-8-sig")
    assert raw.splitlines()[0].split(",") == HEADER
    rows = list(csv.DictReader(io.StringIO(raw)))
    jobs = next(r for r in rows if r["key_result"] == "Jobs run on time")
    assert (jobs["kr_progress"], jobs["objective_progress"]) == ("0.5", "0.375")


def test_csv_is_the_default_format(known, company):
    response = get(company.alice, f"/exports/okrs?cycle={company.quarter.pk}")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.csv"')


def test_it_gives_the_cycles_okrs_as_xlsx(known, company):
    response = get(company.alice, f"/exports/okrs?cycle={company.quarter.pk}&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="stretch-okrs-quarter.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    assert book.sheetnames == ["OKRs", "Check-ins"]
    assert [c.value for c in next(book["OKRs"].iter_rows(max_row=1))] == HEADER


def test_it_gives_the_check_ins_as_csv(known, company):
    response = get(company.alice, f"/exports/check-ins?cycle={company.quarter.pk}&format=csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="stretch-check-ins-quarter.csv"'
    )
    notes = [r["note"] for r in rows_of(response)]
    assert "half way" in notes and "hush" in notes


def test_an_outsider_does_not_get_a_private_objective(known, company):
    okr_rows = rows_of(get(company.dave, f"/exports/okrs?cycle={company.quarter.pk}"))
    assert "Secret plan" not in {r["objective"] for r in okr_rows}
    assert {r["objective"] for r in okr_rows} >= {"Faster builds", "Ship the scheduler"}
    check_ins = rows_of(get(company.dave, f"/exports/check-ins?cycle={company.quarter.pk}"))
    assert "hush" not in {r["note"] for r in check_ins}


@pytest.mark.parametrize("path", ["/exports/okrs", "/exports/check-ins"])
def test_an_unknown_cycle_is_a_404_naming_the_cycle(known, company, path):
    response = get(company.alice, f"{path}?cycle=99999")
    assert response.status_code == 404
    assert "cycle" in response.json()["detail"]


@pytest.mark.parametrize("value", ["", "abc", "-3", "99999999999999999999999"])
def test_a_cycle_that_is_not_an_id_is_a_400_naming_the_cycle(known, company, value):
    response = get(company.alice, f"/exports/okrs?cycle={value}")
    assert response.status_code == 400
    assert response.json()["field"] == "cycle"


def test_a_missing_cycle_is_a_400_naming_the_cycle(known, company):
    response = get(company.alice, "/exports/okrs")
    assert response.status_code == 400
    assert response.json()["field"] == "cycle"


@pytest.mark.parametrize(
    ("path", "value"),
    [("/exports/okrs", "pdf"), ("/exports/okrs", ""), ("/exports/check-ins", "xlsx")],
)
def test_a_bad_format_is_a_400_naming_the_format(known, company, path, value):
    response = get(company.alice, f"{path}?cycle={company.quarter.pk}&format={value}")
    assert response.status_code == 400
    assert response.json()["field"] == "format"
    assert "csv" in response.json()["detail"]


def test_without_a_token_it_is_a_401(known, company):
    from django.test import Client

    response = Client().get(f"/api/v1/exports/okrs?cycle={company.quarter.pk}")
    assert response.status_code == 401


def test_the_openapi_lists_the_exports_under_their_tag(db):
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json").json()
    for path in ("/api/v1/exports/okrs", "/api/v1/exports/check-ins"):
        assert schema["paths"][path]["get"]["tags"] == ["exports"]
