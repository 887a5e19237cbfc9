"""KPIs through the JSON API: reading (everyone), writing (those who manage it), bands and
measurements refused with the field named, CSV imports, the board, recovery objectives and
key results that follow a KPI."""

import json
import math
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stretch.kpis import services
from stretch.kpis.models import Kpi, Measurement
from stretch.okrs.models import CheckIn, KeyResult, Objective
from tests.conftest import Api
from tests.kpis.conftest import days_ago


def assert_field(answer, field, status=400):
    assert answer.status_code == status, answer.json_body
    if status == 400:
        assert answer.json_body["field"] == field, answer.json_body
    else:  # 422 from the request schema: the field is in the error's location
        assert any(field in error["loc"] for error in answer.json_body["detail"]), answer.json_body


def body(**fields):
    return {"team": fields.pop("team"), "name": "Errors", "band": "above", "green": 9, "red": 5,
            **fields}  # fmt: skip


def measure(api, kpi, value, ago=0, **extra):
    return api.post(
        f"/kpis/{kpi.pk}/measurements", {"value": value, "date": str(days_ago(ago)), **extra}
    )


# Reading ------------------------------------------------------------------------------------


def test_anyone_signed_in_reads_kpis(company, uptime, uptime_kr):
    api = Api(company.dave)
    answer = api.get("/kpis")
    assert answer.status_code == 200
    (item,) = answer.json_body["items"]
    assert item["name"] == "Uptime"
    assert item["team"] == {"id": company.platform.pk, "name": "Platform"}
    assert item["owner"] == {"id": company.alice.pk, "name": "Alice"}
    assert (item["band"], item["green"], item["red"], item["unit"]) == ("above", 99.9, 99.5, "%")
    assert item["key_results"] == [{"id": uptime_kr.pk, "title": uptime_kr.title}]
    assert item["can_manage"] is False
    assert api.get(f"/kpis/{uptime.pk}").json_body == item
    assert Api().get("/kpis").status_code == 401
    assert api.get("/kpis/987654").status_code == 404


def test_the_list_filters_by_team_owner_health_and_archive(company, uptime, latency):
    api = Api(company.dave)
    services.add_measurement(company.alice, uptime, value=99.0, date=days_ago(1))

    def names(query):
        answer = api.get(f"/kpis?{query}")
        assert answer.status_code == 200, answer.json_body
        return [item["name"] for item in answer.json_body["items"]]

    assert names(f"team={company.engineering.pk}") == ["Latency", "Uptime"]
    assert names(f"team={company.sales.pk}") == []
    assert names(f"owner={company.alice.pk}") == ["Uptime"]
    assert names("health=red") == ["Uptime"]
    assert names("health=unmeasured") == ["Latency"]
    services.archive_kpi(company.bob, latency)
    assert names("") == ["Uptime"]
    assert names("archived=true") == ["Latency"]
    assert_field(api.get("/kpis?team=987654"), "team")


def test_the_list_runs_a_bounded_number_of_queries(
    company, scheduler, django_assert_max_num_queries
):
    from stretch.okrs import services as okrs

    for n in range(6):
        kpi = services.create_kpi(
            company.bob, team=company.platform, name=f"K{n}", band="above", green=9, red=5
        )
        services.add_measurement(company.bob, kpi, value=1, date=days_ago(1))
        objective = services.create_recovery(company.admin, kpi)
        okrs.create_key_result(company.alice, scheduler, title=f"KR {n}", target=9, kpi=kpi)
        assert objective
    api = Api(company.dave)
    with django_assert_max_num_queries(16):
        answer = api.get("/kpis")
    assert answer.status_code == 200
    assert all(item["recovery"]["progress"] == 0 for item in answer.json_body["items"])


# Writing ------------------------------------------------------------------------------------


def test_a_lead_creates_a_kpi(company):
    answer = Api(company.bob).post(
        "/kpis", body(team=company.platform.pk, unit="errors", owner=company.alice.pk)
    )
    assert answer.status_code == 201, answer.json_body
    assert answer.json_body["owner"]["id"] == company.alice.pk
    assert answer.json_body["health"] == ""
    assert answer.json_body["version"] == 1
    assert answer.json_body["can_manage"] is True


def test_a_plain_member_cannot_create_another_teams_kpi(company):
    answer = Api(company.alice).post("/kpis", body(team=company.sales.pk))
    assert answer.status_code == 403
    assert not Kpi.objects.exists()


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        ({"band": "above", "green": 5, "red": 9}, "red"),
        ({"band": "below", "green": 9, "red": 5}, "red"),
        (
            {"band": "within", "red_low": 5, "green_low": 1, "green_high": 8, "red_high": 9},
            "green_low",
        ),
        ({"band": "within", "red_low": 1, "green_low": 2, "green_high": 8}, "red_high"),
    ],
)
def test_a_band_in_the_wrong_order_names_the_field(company, limits, field):
    data = {"team": company.platform.pk, "name": "Errors", **limits}
    assert_field(Api(company.bob).post("/kpis", data), field)
    assert not Kpi.objects.exists()


def test_bad_input_names_the_field(company, uptime):
    api = Api(company.bob)
    assert_field(api.post("/kpis", body(team=987654)), "team")
    assert_field(api.post("/kpis", body(team=company.platform.pk, owner=987654)), "owner")
    assert_field(api.post("/kpis", body(team=company.platform.pk, name="Uptime")), "name")
    assert_field(api.post("/kpis", body(team=company.platform.pk, band="up")), "band", 422)
    assert_field(api.post("/kpis", body(team=company.platform.pk, colour="red")), "colour", 422)


def test_patch_changes_a_kpi_and_refuses_a_stale_version(company, uptime):
    api = Api(company.alice)
    answer = api.patch(f"/kpis/{uptime.pk}", {"description": "Of the API", "version": 1})
    assert answer.status_code == 200, answer.json_body
    assert (answer.json_body["description"], answer.json_body["version"]) == ("Of the API", 2)
    stale = api.patch(f"/kpis/{uptime.pk}", {"name": "Availability"}, **{"If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.json_body["current"]["version"] == 2
    assert Kpi.objects.get(pk=uptime.pk).name == "Uptime"
    switched = api.patch(
        f"/kpis/{uptime.pk}",
        {"band": "within", "red_low": 99, "green_low": 99.5, "green_high": 100, "red_high": 100},
    )
    assert switched.status_code == 200, switched.json_body
    assert (switched.json_body["green"], switched.json_body["red"]) == (None, None)
    assert_field(api.patch(f"/kpis/{uptime.pk}", {"name": None}), "name")


def test_an_outsider_cannot_change_or_archive(company, uptime):
    api = Api(company.dave)
    assert api.patch(f"/kpis/{uptime.pk}", {"name": "Mine"}).status_code == 403
    assert api.delete(f"/kpis/{uptime.pk}").status_code == 403
    assert not Kpi.objects.get(pk=uptime.pk).archived


def test_delete_archives_and_patch_restores(company, uptime):
    api = Api(company.bob)
    assert api.delete(f"/kpis/{uptime.pk}").status_code == 204
    assert Kpi.objects.get(pk=uptime.pk).archived
    assert api.get(f"/kpis/{uptime.pk}").json_body["archived"] is True
    assert api.patch(f"/kpis/{uptime.pk}", {"archived": False}).json_body["archived"] is False


# Measurements -------------------------------------------------------------------------------


def test_the_owner_measures_and_everyone_reads_newest_first(company, uptime):
    api = Api(company.alice)
    answer = measure(api, uptime, 99.95, ago=2, note="After the fix")
    assert answer.status_code == 201, answer.json_body
    assert answer.json_body["health"] == "green"
    assert answer.json_body["author"] == {"id": company.alice.pk, "name": "Alice"}
    assert measure(api, uptime, 99, ago=1).status_code == 201
    listed = Api(company.dave).get(f"/kpis/{uptime.pk}/measurements")
    assert [m["value"] for m in listed.json_body["items"]] == [99, 99.95]
    kpi = Api(company.dave).get(f"/kpis/{uptime.pk}").json_body
    assert (kpi["latest_value"], kpi["health"], kpi["red_streak"]) == (99, "red", 1)


def test_a_measurement_must_be_a_number_on_a_past_date_once(company, uptime):
    api = Api(company.alice)
    assert_field(measure(api, uptime, "lots"), "value", 422)
    assert_field(measure(api, uptime, True), "value", 422)
    nan = api.client.post(
        f"/api/v1/kpis/{uptime.pk}/measurements",
        data=json.dumps({"value": math.nan, "date": str(date.today())}),
        content_type="application/json",
        headers=api.headers,
    )
    assert nan.status_code == 400 and nan.json()["field"] == "value"
    tomorrow = str(date.today() + timedelta(days=1))
    assert_field(
        api.post(f"/kpis/{uptime.pk}/measurements", {"value": 1, "date": tomorrow}), "date"
    )
    assert_field(
        api.post(f"/kpis/{uptime.pk}/measurements", {"value": 1, "date": "x"}), "date", 422
    )
    assert measure(api, uptime, 99.9).status_code == 201
    again = measure(api, uptime, 99.8)
    assert_field(again, "date")
    assert again.json_body["detail"] == f"date: There is already a measurement on {date.today()}."
    assert Measurement.objects.count() == 1


def test_a_plain_member_cannot_measure_another_teams_kpi(company, uptime, latency):
    assert measure(Api(company.dave), uptime, 99.9).status_code == 403
    assert measure(Api(company.alice), latency, 100).status_code == 403  # not hers
    assert not Measurement.objects.exists()


def test_deleting_a_measurement_restores_the_key_result(company, uptime, uptime_kr):
    api = Api(company.alice)
    measure(api, uptime, 99.2, ago=2)
    newest = measure(api, uptime, 99.8, ago=1).json_body
    assert api.get(f"/key-results/{uptime_kr.pk}").json_body["current"] == 99.8
    assert (
        Api(company.dave).delete(f"/kpis/{uptime.pk}/measurements/{newest['id']}").status_code
        == 403
    )
    assert api.delete(f"/kpis/{uptime.pk}/measurements/{newest['id']}").status_code == 204
    assert api.get(f"/key-results/{uptime_kr.pk}").json_body["current"] == 99.2
    assert api.delete(f"/kpis/{uptime.pk}/measurements/{newest['id']}").status_code == 404


# CSV imports --------------------------------------------------------------------------------


def upload(api, kpi, text: str):
    return api.client.post(
        f"/api/v1/kpis/{kpi.pk}/measurements/import",
        {"file": SimpleUploadedFile("uptime.csv", text.encode(), content_type="text/csv")},
        headers=api.headers,
    )


def test_an_uploaded_file_is_imported_whole(company, uptime, uptime_kr):
    api = Api(company.alice)
    answer = upload(api, uptime, f"date,value\n{days_ago(2)},99.1\n{days_ago(1)},99.95\n")
    assert answer.status_code == 201, answer.content
    assert answer.json()["count"] == 2
    assert [m["value"] for m in answer.json()["items"]] == [99.1, 99.95]
    assert CheckIn.objects.filter(key_result=uptime_kr).count() == 2


def test_a_csv_body_is_imported_too(company, uptime):
    api = Api(company.alice)
    answer = api.client.post(
        f"/api/v1/kpis/{uptime.pk}/measurements/import",
        data=f"date,value,note\n{days_ago(1)},99.9,fine\n",
        content_type="text/csv",
        headers=api.headers,
    )
    assert answer.status_code == 201, answer.content
    assert Measurement.objects.get().note == "fine"


def test_a_file_with_bad_lines_lists_each_and_writes_nothing(company, uptime, uptime_kr):
    api = Api(company.alice)
    text = f"date,value\n{days_ago(3)},99.1\n{days_ago(2)},n/a\n{days_ago(3)},99\n"
    answer = upload(api, uptime, text)
    assert answer.status_code == 400
    assert answer.json()["field"] == "file"
    problems = answer.json()["errors"]["file"]
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4"]
    assert Measurement.objects.count() == 0
    assert CheckIn.objects.count() == 0


def test_an_outsider_cannot_import(company, uptime):
    assert upload(Api(company.dave), uptime, f"date,value\n{days_ago(1)},1\n").status_code == 403


# The board ----------------------------------------------------------------------------------


def test_the_board_shows_each_kpi_with_its_trend(company, uptime, latency):
    for ago in range(15, 0, -1):
        services.add_measurement(company.bob, latency, value=100 + ago * 10, date=days_ago(ago))
    answer = Api(company.dave).get(f"/kpis/board?team={company.platform.pk}")
    assert answer.status_code == 200
    items = {item["name"]: item for item in answer.json_body["items"]}
    assert items["Latency"]["trend"] == [100 + ago * 10 for ago in range(12, 0, -1)]
    assert items["Latency"]["trend_direction"] == "down"
    assert items["Uptime"]["trend"] == []
    assert_field(Api(company.dave).get("/kpis/board?team=987654"), "team")


# Recovery -----------------------------------------------------------------------------------


def test_a_red_kpi_gets_a_recovery_objective_that_moves_with_it(company, uptime):
    api = Api(company.alice)
    measure(api, uptime, 99.0, ago=2)
    draft = api.get(f"/kpis/{uptime.pk}/recovery").json_body
    assert draft["title"] == "Bring “Uptime” back into its band"
    assert draft["cycle"]["id"] == company.quarter.pk
    assert draft["key_result"]["target"] == 99.9
    assert draft["current"] is None
    made = api.post(f"/kpis/{uptime.pk}/recovery", {})
    assert made.status_code == 201, made.json_body
    assert made.json_body["url"] == f"/objectives/{made.json_body['id']}/"
    objective = Objective.objects.get(pk=made.json_body["id"])
    kr = objective.key_results.get()
    assert kr.kpi_id == uptime.pk
    measure(api, uptime, 99.45, ago=1)
    shown = api.get(f"/kpis/{uptime.pk}").json_body["recovery"]
    assert shown["id"] == objective.pk
    assert shown["progress"] == pytest.approx(0.5)
    assert api.get(f"/kpis/{uptime.pk}/recovery").json_body["current"]["id"] == objective.pk
    assert_field(api.post(f"/kpis/{uptime.pk}/recovery", {}), "kpi")


def test_a_kpi_in_the_green_needs_no_recovery(company, uptime):
    api = Api(company.alice)
    measure(api, uptime, 99.95)
    assert_field(api.post(f"/kpis/{uptime.pk}/recovery", {}), "kpi")
    assert Api(company.dave).post(f"/kpis/{uptime.pk}/recovery", {}).status_code == 403
    assert not Objective.objects.exists()


# Key results following a KPI ----------------------------------------------------------------


def test_a_key_result_follows_a_kpi_through_the_api(company, scheduler, latency):
    api = Api(company.alice)
    path = f"/objectives/{scheduler.pk}/key-results"
    mismatch = {"title": "p99", "direction": "decrease", "start": 1, "target": 0.2, "unit": "s"}
    assert_field(api.post(path, {**mismatch, "kpi": latency.pk}), "kpi_factor")
    assert_field(api.post(path, {**mismatch, "kpi": 987654}), "kpi")
    answer = api.post(path, {**mismatch, "kpi": latency.pk, "kpi_factor": 0.001})
    assert answer.status_code == 201, answer.json_body
    assert (answer.json_body["kpi"], answer.json_body["kpi_factor"]) == (latency.pk, 0.001)
    services.add_measurement(company.bob, latency, value=600, date=days_ago(1))
    kr = api.get(f"/key-results/{answer.json_body['id']}").json_body
    assert kr["current"] == pytest.approx(0.6)
    assert kr["progress"] == pytest.approx(0.5)
    unlinked = api.patch(f"/key-results/{kr['id']}", {"kpi": None})
    assert unlinked.status_code == 200, unlinked.json_body
    assert (unlinked.json_body["kpi"], unlinked.json_body["kpi_factor"]) == (None, 1)
    plain = api.post(path, {"title": "Docs", "target": 3})
    assert plain.json_body["kpi"] is None
    assert KeyResult.objects.filter(kpi=latency).count() == 0
