"""/api/v1/me, /people, /teams, /cycles and /company, and the API's own documentation."""

from datetime import date, timedelta

import pytest
from django.test import Client

from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle
from stretch.org import services as org
from stretch.org.models import Team


def assert_names(response, field, status=400):
    assert response.status_code == status, response.json_body
    assert response.json_body["field"] == field
    assert field in response.json_body["errors"]


# /me ----------------------------------------------------------------------------------------


def test_me_describes_the_signed_in_person(company, api_as):
    body = api_as(company.alice).get("/me").json_body
    assert body["id"] == company.alice.pk
    assert (body["username"], body["display_name"]) == ("alice", "Alice")
    assert body["manager"] == company.bob.pk
    assert body["teams"] == [
        {"team": company.platform.pk, "team_name": "Platform", "role": "member"}
    ]
    assert body["is_admin"] is False


def test_me_says_who_is_an_administrator(company, api_as):
    assert api_as(company.admin).get("/me").json_body["is_admin"] is True


def test_me_needs_a_signed_in_caller(company, api_as):
    assert api_as(None).get("/me").status_code == 401


def test_a_browser_session_reaches_the_api(company):
    client = Client()
    client.force_login(company.bob)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "bob"


def test_a_browser_session_needs_the_csrf_token_to_change_anything(company):
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.alice)
    response = client.post(
        "/api/v1/objectives",
        data={"title": "Forged", "cycle": company.quarter.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not company.quarter.objectives.exists()


def test_a_token_of_a_deactivated_person_stops_working(company, api_as):
    api = api_as(company.dave)
    company.dave.is_active = False
    company.dave.save()
    assert api.get("/me").status_code == 401


# /people ------------------------------------------------------------------------------------


def test_people_lists_everyone_active_with_their_teams(company, api_as):
    body = api_as(company.dave).get("/people").json_body
    assert body["count"] == 6
    by_name = {p["username"]: p for p in body["items"]}
    assert set(by_name) == {"admin", "ceo", "carol", "bob", "alice", "dave"}
    assert by_name["bob"]["teams"] == [
        {"team": company.platform.pk, "team_name": "Platform", "role": "lead"}
    ]
    assert by_name["bob"]["title"] == ""
    assert by_name["carol"]["manager"] == company.ceo.pk


def test_people_leaves_out_deactivated_people(company, api_as):
    gone = org.create_person("gone")
    gone.is_active = False
    gone.save()
    usernames = [p["username"] for p in api_as(company.dave).get("/people").json_body["items"]]
    assert "gone" not in usernames


def test_people_pages_with_limit_and_offset(company, api_as):
    dave = api_as(company.dave)
    first = dave.get("/people?limit=4").json_body
    rest = dave.get("/people?limit=4&offset=4").json_body
    assert (first["count"], first["limit"], first["offset"], len(first["items"])) == (6, 4, 0, 4)
    assert (rest["count"], rest["offset"], len(rest["items"])) == (6, 4, 2)
    ids = [p["id"] for p in first["items"] + rest["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 6


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "offset=-1"])
def test_people_refuses_a_bad_page(company, api_as, query):
    assert api_as(company.dave).get(f"/people?{query}").status_code == 422


@pytest.mark.parametrize(
    ("q", "found"),
    [("ali", ["alice"]), ("CLEO", ["ceo"]), ("ca", ["carol"]), ("zzz", [])],
)
def test_people_searches_usernames_and_names(company, api_as, q, found):
    body = api_as(company.dave).get(f"/people?q={q}").json_body
    assert [p["username"] for p in body["items"]] == found
    assert body["count"] == len(found)


def test_people_searches_email(company, api_as):
    org.create_person("erin", email="erin@example.test")
    body = api_as(company.dave).get("/people?q=example.test").json_body
    assert [p["username"] for p in body["items"]] == ["erin"]


def test_people_filters_by_team(company, api_as):
    body = api_as(company.dave).get(f"/people?team={company.platform.pk}").json_body
    assert sorted(p["username"] for p in body["items"]) == ["alice", "bob"]


# /teams -------------------------------------------------------------------------------------


def test_teams_lists_the_tree_parents_first(company, api_as):
    body = api_as(company.dave).get("/teams").json_body
    assert body["count"] == 4
    by_name = {t["name"]: t for t in body["items"]}
    assert by_name["Testco"]["parent"] is None
    assert by_name["Platform"]["parent"] == company.engineering.pk
    assert (by_name["Platform"]["member_count"], by_name["Platform"]["leads"]) == (
        2,
        [company.bob.pk],
    )
    names = [t["name"] for t in body["items"]]
    assert names.index("Testco") < names.index("Engineering") < names.index("Platform")


def test_teams_filters_by_parent(company, api_as):
    body = api_as(company.dave).get(f"/teams?parent={company.root.pk}").json_body
    assert sorted(t["name"] for t in body["items"]) == ["Engineering", "Sales"]


def test_a_team_is_read_by_id(company, api_as):
    body = api_as(company.dave).get(f"/teams/{company.engineering.pk}").json_body
    assert (body["name"], body["parent"], body["leads"]) == (
        "Engineering",
        company.root.pk,
        [company.carol.pk],
    )
    assert api_as(company.dave).get("/teams/999999").status_code == 404


def test_an_administrator_creates_a_team(company, api_as):
    response = api_as(company.admin).post(
        "/teams", {"name": "Data", "parent": company.engineering.pk, "description": "Numbers"}
    )
    assert response.status_code == 201
    body = response.json_body
    assert (body["name"], body["parent"], body["description"]) == (
        "Data",
        company.engineering.pk,
        "Numbers",
    )
    assert (body["member_count"], body["leads"]) == (0, [])
    assert Team.objects.get(pk=body["id"]).parent == company.engineering


def test_someone_else_may_not_create_a_team(company, api_as):
    for person in [company.ceo, company.carol, company.dave]:
        response = api_as(person).post("/teams", {"name": "Data", "parent": company.engineering.pk})
        assert response.status_code == 403
    assert not Team.objects.filter(name="Data").exists()


def test_a_team_with_an_unknown_parent_is_refused_naming_parent(company, api_as):
    response = api_as(company.admin).post("/teams", {"name": "Data", "parent": 999999})
    assert_names(response, "parent")
    assert not Team.objects.filter(name="Data").exists()


def test_there_is_one_root_team(company, api_as):
    assert_names(api_as(company.admin).post("/teams", {"name": "Second root"}), "parent")


def test_team_names_are_unique_under_one_parent(company, api_as):
    admin = api_as(company.admin)
    assert_names(
        admin.post("/teams", {"name": "Platform", "parent": company.engineering.pk}), "name"
    )
    assert admin.post("/teams", {"name": "Platform", "parent": company.sales.pk}).status_code == 201


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 201}])
def test_a_team_needs_a_sensible_name(company, api_as, body):
    assert api_as(company.admin).post("/teams", body).status_code == 422


def test_a_blank_team_name_is_refused_naming_name(company, api_as):
    response = api_as(company.admin).post("/teams", {"name": "   ", "parent": company.root.pk})
    assert_names(response, "name")


# /cycles ------------------------------------------------------------------------------------


def cycle_body(**fields):
    start = date(2031, 1, 1)
    return {"name": "2031", "start": str(start), "end": str(start + timedelta(days=364)), **fields}


def test_cycles_are_listed_newest_first(company, api_as):
    body = api_as(company.dave).get("/cycles").json_body
    assert [c["name"] for c in body["items"]] == ["Quarter", "Year"]
    assert body["count"] == 2
    quarter = body["items"][0]
    assert (quarter["status"], quarter["cadence"]) == ("active", "weekly")
    assert quarter["expected_progress"] == pytest.approx(0.5, abs=0.02)


def test_cycles_filter_by_status(company, api_as):
    okrs.update_cycle(company.admin, company.year, {"status": "planning"})
    body = api_as(company.dave).get("/cycles?status=planning").json_body
    assert [c["name"] for c in body["items"]] == ["Year"]


def test_a_cycle_is_read_by_id(company, api_as):
    body = api_as(company.dave).get(f"/cycles/{company.year.pk}").json_body
    assert (body["name"], body["start"], body["end"]) == (
        "Year",
        str(company.year.start),
        str(company.year.end),
    )
    assert api_as(company.dave).get("/cycles/999999").status_code == 404


def test_an_administrator_creates_a_cycle(company, api_as):
    response = api_as(company.admin).post("/cycles", cycle_body(cadence="biweekly"))
    assert response.status_code == 201
    body = response.json_body
    assert (body["name"], body["start"], body["status"], body["cadence"]) == (
        "2031",
        "2031-01-01",
        "planning",
        "biweekly",
    )
    assert body["expected_progress"] == 0.0  # it has not started
    assert Cycle.objects.filter(name="2031").exists()


def test_someone_else_may_not_create_a_cycle(company, api_as):
    for person in [company.ceo, company.alice]:
        assert api_as(person).post("/cycles", cycle_body()).status_code == 403
    assert not Cycle.objects.filter(name="2031").exists()


@pytest.mark.parametrize("days", [0, -1])
def test_a_cycle_ending_before_it_starts_is_refused_naming_end(company, api_as, days):
    body = cycle_body(end=str(date(2031, 1, 1) + timedelta(days=days)))
    assert_names(api_as(company.admin).post("/cycles", body), "end")
    assert not Cycle.objects.filter(name="2031").exists()


def test_cycle_names_are_unique(company, api_as):
    assert_names(api_as(company.admin).post("/cycles", cycle_body(name="Year")), "name")


@pytest.mark.parametrize(
    "body",
    [
        cycle_body(start="not a date"),
        cycle_body(status="finished"),
        cycle_body(cadence="daily"),
        cycle_body(name=""),
        {"name": "2031"},
    ],
)
def test_a_malformed_cycle_is_a_422(company, api_as, body):
    assert api_as(company.admin).post("/cycles", body).status_code == 422


def test_an_administrator_moves_a_cycle_through_its_statuses(company, api_as):
    admin = api_as(company.admin)
    for status in ["grading", "closed", "active"]:
        response = admin.patch(f"/cycles/{company.quarter.pk}", {"status": status})
        assert response.status_code == 200
        assert response.json_body["status"] == status
        assert Cycle.objects.get(pk=company.quarter.pk).status == status


def test_patching_a_cycle_changes_only_what_is_sent(company, api_as):
    response = api_as(company.admin).patch(
        f"/cycles/{company.quarter.pk}", {"name": "Q4", "cadence": "monthly"}
    )
    body = response.json_body
    assert (body["name"], body["cadence"], body["status"]) == ("Q4", "monthly", "active")
    assert body["start"] == str(company.quarter.start)


def test_someone_else_may_not_change_a_cycle(company, api_as):
    response = api_as(company.ceo).patch(f"/cycles/{company.quarter.pk}", {"status": "closed"})
    assert response.status_code == 403
    assert Cycle.objects.get(pk=company.quarter.pk).status == "active"


def test_a_patch_that_ends_a_cycle_before_its_start_is_refused_naming_end(company, api_as):
    response = api_as(company.admin).patch(
        f"/cycles/{company.quarter.pk}", {"end": str(company.quarter.start)}
    )
    assert_names(response, "end")
    assert Cycle.objects.get(pk=company.quarter.pk).end == company.quarter.end


@pytest.mark.parametrize("field", ["name", "start", "end", "status"])
def test_a_null_in_a_cycle_patch_is_refused_naming_the_field(company, api_as, field):
    response = api_as(company.admin).patch(f"/cycles/{company.quarter.pk}", {field: None})
    assert_names(response, field)


def test_patching_an_unknown_cycle_is_404(company, api_as):
    assert api_as(company.admin).patch("/cycles/999999", {"status": "closed"}).status_code == 404


# /company -----------------------------------------------------------------------------------


def test_company_gives_mission_vision_values_and_pillars(company, api_as):
    from stretch.org.models import CompanyValue, StrategyPillar

    CompanyValue.objects.create(name="Care", position=2)
    CompanyValue.objects.create(name="Candour", position=1)
    CompanyValue.objects.create(name="Heroics", position=0, archived=True)
    StrategyPillar.objects.create(name="Speed", description="Ship weekly", position=1)
    body = api_as(company.dave).get("/company").json_body
    assert (body["name"], body["mission"], body["vision"]) == (
        "Testco",
        "Test everything",
        "Green builds",
    )
    assert body["values"] == ["Candour", "Care"]
    assert [(p["name"], p["description"]) for p in body["pillars"]] == [
        ("Quality", ""),
        ("Speed", "Ship weekly"),
    ]


def test_company_needs_a_signed_in_caller(company, api_as):
    assert api_as(None).get("/company").status_code == 401


# The API's documentation --------------------------------------------------------------------


def test_the_openapi_schema_is_served(company):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Stretch API"
    for path in [
        "/api/v1/objectives",
        "/api/v1/objectives/{objective_id}",
        "/api/v1/key-results/{key_result_id}/check-ins",
        "/api/v1/cycles/{cycle_id}/alignment",
        "/api/v1/people",
        "/api/v1/teams",
        "/api/v1/me",
    ]:
        assert path in schema["paths"], path
    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"


def test_the_docs_page_loads_for_a_signed_in_person(company):
    client = Client()
    client.force_login(company.alice)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Stretch API" in page
    assert "/api/v1/openapi.json" in page


def test_the_docs_page_loads_nothing_from_a_cdn(company):
    client = Client()
    client.force_login(company.alice)
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in page


def test_someone_else_gets_403_before_any_check_of_the_parent(company, api_as):
    response = api_as(company.dave).post("/teams", {"name": "Data", "parent": 999999})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "status", "words"),
    [
        ("put", "/objectives", 405, "Method PUT is not allowed"),
        ("get", "/no-such-thing", 404, "No such endpoint"),
    ],
)
def test_api_errors_django_answers_are_json_too(company, api_as, method, path, status, words):
    response = api_as(company.alice).request(method, path)
    assert response.status_code == status
    assert words in response.json_body["detail"]
