"""/api/v1/pillars, PATCH /api/v1/company (name, mission, vision) and /api/v1/strategy-map."""

import pytest

from stretch.okrs import services as okrs
from stretch.org import services as org
from stretch.org.models import Company, Membership, StrategyPillar
from tests.org.test_strategy import plan


@pytest.fixture
def s(company):
    return plan(company)


def assert_names(response, field, status=400):
    assert response.status_code == status, response.json_body
    assert response.json_body["field"] == field
    assert field in response.json_body["errors"]


def order() -> list[str]:
    return list(StrategyPillar.objects.values_list("name", flat=True))


# /pillars -----------------------------------------------------------------------------------


def test_pillars_are_listed_in_order_with_how_many_objectives_name_them(company, s, api_as):
    body = api_as(company.dave).get("/pillars").json_body
    assert [(p["name"], p["position"], p["objectives"]) for p in body] == [
        ("Quality", 0, 2),
        ("Speed", 1, 2),
        ("Growth", 2, 0),
    ]


def test_an_administrator_adds_a_pillar(company, api_as):
    response = api_as(company.admin).post("/pillars", {"name": "Speed", "description": "Fast"})
    assert response.status_code == 201, response.json_body
    body = response.json_body
    assert (body["name"], body["description"], body["position"], body["objectives"]) == (
        "Speed",
        "Fast",
        1,
        0,
    )
    assert order() == ["Quality", "Speed"]
    first = api_as(company.admin).post("/pillars", {"name": "Growth", "position": 0})
    assert first.json_body["position"] == 0 and order() == ["Growth", "Quality", "Speed"]


def test_someone_else_may_not_add_a_pillar(company, api_as):
    for person in [company.ceo, company.alice]:
        assert api_as(person).post("/pillars", {"name": "Speed"}).status_code == 403
    assert order() == ["Quality"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": " "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "QUALITY"}, "name"),
        ({"name": "Speed", "position": -2}, "position"),
        ({"name": "Speed", "description": "x" * 2001}, "description"),
    ],
)
def test_a_bad_pillar_is_a_400_naming_the_field(company, api_as, body, field):
    assert_names(api_as(company.admin).post("/pillars", body), field)
    assert order() == ["Quality"]


@pytest.mark.parametrize("body", [{}, {"name": 3}, {"name": "Speed", "colour": "red"}])
def test_a_malformed_pillar_is_a_422(company, api_as, body):
    assert api_as(company.admin).post("/pillars", body).status_code == 422


def test_one_pillar_is_read_by_id(company, s, api_as):
    body = api_as(company.dave).get(f"/pillars/{s.speed.pk}").json_body
    assert (body["name"], body["objectives"]) == ("Speed", 2)
    assert api_as(company.dave).get("/pillars/999999").status_code == 404


def test_an_administrator_renames_describes_and_moves_a_pillar(company, s, api_as):
    admin = api_as(company.admin)
    response = admin.patch(f"/pillars/{s.growth.pk}", {"description": "New markets"})
    assert response.json_body["name"] == "Growth"
    assert response.json_body["description"] == "New markets"
    moved = admin.patch(f"/pillars/{s.growth.pk}", {"position": 0, "name": "Reach"})
    assert (moved.json_body["name"], moved.json_body["position"]) == ("Reach", 0)
    assert order() == ["Reach", "Quality", "Speed"]
    assert [p["position"] for p in admin.get("/pillars").json_body] == [0, 1, 2]


@pytest.mark.parametrize(
    "body, field",
    [({"name": None}, "name"), ({"name": "Speed"}, "name"), ({"position": None}, "position")],
)
def test_a_bad_pillar_patch_is_a_400_naming_the_field(company, s, api_as, body, field):
    assert_names(api_as(company.admin).patch(f"/pillars/{s.growth.pk}", body), field)
    assert StrategyPillar.objects.get(pk=s.growth.pk).name == "Growth"


def test_someone_else_may_not_change_or_delete_a_pillar(company, s, api_as):
    ceo = api_as(company.ceo)
    assert ceo.patch(f"/pillars/{s.growth.pk}", {"name": "Mine"}).status_code == 403
    assert ceo.delete(f"/pillars/{s.growth.pk}").status_code == 403
    assert order() == ["Quality", "Speed", "Growth"]


def test_an_unknown_pillar_is_404_to_change_or_delete(company, api_as):
    admin = api_as(company.admin)
    assert admin.patch("/pillars/999999", {"name": "X"}).status_code == 404
    assert admin.delete("/pillars/999999").status_code == 404


def test_a_pillar_no_objective_names_is_deleted(company, s, api_as):
    response = api_as(company.admin).delete(f"/pillars/{s.growth.pk}")
    assert response.status_code == 204
    assert order() == ["Quality", "Speed"]


def test_a_pillar_objectives_name_is_refused_naming_pillar(company, s, api_as):
    response = api_as(company.admin).delete(f"/pillars/{s.speed.pk}")
    assert_names(response, "pillar")
    assert "another pillar first" in response.json_body["detail"]
    assert order() == ["Quality", "Speed", "Growth"]


def test_pillars_need_a_signed_in_caller(company, api_as):
    assert api_as(None).get("/pillars").status_code == 401


# PATCH /company -----------------------------------------------------------------------------


def test_an_administrator_changes_the_name_mission_and_vision(company, api_as):
    response = api_as(company.admin).patch(
        "/company", {"name": "Acme", "mission": "Make it work", "vision": "Calm"}
    )
    assert response.status_code == 200, response.json_body
    body = response.json_body
    assert (body["name"], body["mission"], body["vision"]) == ("Acme", "Make it work", "Calm")
    only = api_as(company.admin).patch("/company", {"vision": ""}).json_body
    assert (only["name"], only["mission"], only["vision"]) == ("Acme", "Make it work", "")


def test_someone_else_may_not_change_the_mission(company, api_as):
    for person in [company.ceo, company.dave]:
        assert api_as(person).patch("/company", {"mission": "Mine"}).status_code == 403
    assert Company.load().mission == "Test everything"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"mission": None}, "mission"),
        ({"vision": "x" * 5001}, "vision"),
    ],
)
def test_bad_company_input_is_a_400_naming_the_field(company, api_as, body, field):
    assert_names(api_as(company.admin).patch("/company", body), field)
    assert Company.load().name == "Testco"


def test_an_unknown_company_field_is_a_422(company, api_as):
    assert api_as(company.admin).patch("/company", {"motto": "x"}).status_code == 422


# /strategy-map ------------------------------------------------------------------------------


def pillars_of(body) -> dict[str, list[str]]:
    return {p["name"]: [o["title"] for o in p["objectives"]] for p in body["pillars"]}


def test_the_map_defaults_to_the_active_cycle(company, s, api_as):
    body = api_as(company.admin).get("/strategy-map").json_body
    assert body["cycle"]["id"] == company.quarter.pk
    assert (body["name"], body["mission"], body["vision"]) == (
        "Testco",
        "Test everything",
        "Green builds",
    )
    assert pillars_of(body) == {
        "Quality": ["Be reliable", "No outages"],
        "Speed": ["Ship weekly", "Secret plan"],
        "Growth": [],
    }


def test_the_map_flags_the_gaps(company, s, api_as):
    body = api_as(company.admin).get(f"/strategy-map?cycle={company.quarter.pk}").json_body
    assert body["unserved_pillars"] == [s.growth.pk]
    assert [p["unserved"] for p in body["pillars"]] == [False, False, True]
    [tidy] = body["without_pillar"]
    assert (tidy["title"], tidy["parent"]) == ("Tidy the office", s.outages.pk)
    year = api_as(company.admin).get(f"/strategy-map?cycle={company.year.pk}").json_body
    assert year["unserved_pillars"] == [s.speed.pk, s.growth.pk]
    assert year["without_pillar"] == []


def test_the_map_carries_key_results_aligned_objectives_and_progress(company, s, api_as):
    body = api_as(company.admin).get("/strategy-map").json_body
    outages = body["pillars"][0]["objectives"][1]
    assert outages["progress"] == pytest.approx(0.5)
    assert [(k["title"], k["progress"]) for k in outages["key_results"]] == [
        ("Incidents a month", pytest.approx(0.5))
    ]
    assert [(a["title"], a["level"], a["aligned_count"]) for a in outages["aligned"]] == [
        ("Boring platform", "team", 1),
        ("Fix paging", "person", 0),
    ]
    assert outages["aligned_count"] == 2
    assert body["pillars"][1]["objectives"][0]["progress"] == pytest.approx(0.8)


def test_the_map_hides_private_objectives_and_their_counts(company, s, api_as):
    body = api_as(company.dave).get("/strategy-map").json_body
    assert pillars_of(body)["Speed"] == ["Ship weekly"]
    outages = body["pillars"][0]["objectives"][1]
    assert [a["title"] for a in outages["aligned"]] == ["Boring platform"]
    assert outages["aligned_count"] == 1
    assert "Fix paging" not in str(body) and "Secret plan" not in str(body)


@pytest.mark.parametrize("cycle", ["999999", "abc", "-1", "", "99999999999999999999999"])
def test_an_unknown_cycle_is_a_400_naming_cycle(company, s, api_as, cycle):
    assert_names(api_as(company.dave).get(f"/strategy-map?cycle={cycle}"), "cycle")


def test_the_map_needs_a_signed_in_caller(company, api_as):
    assert api_as(None).get("/strategy-map").status_code == 401


def grow(company, s, size: int) -> None:
    """`size` more people in Platform, each with an objective aligned to "No outages" (every
    other one private) with a key result, and one below it naming Growth; and a company
    objective per three people, under a new pillar."""
    start = Membership.objects.filter(team=company.platform).count()
    for n in range(start, start + size):
        person = org.create_person(f"person{n}", manager=company.bob)
        org.set_membership(company.platform, person, Membership.Role.MEMBER)
        mine = okrs.create_objective(
            person,
            cycle=company.quarter,
            title=f"Objective {n}",
            owner_person=person,
            parent=s.outages,
            visibility="private" if n % 2 else "public",
        )
        below = okrs.create_objective(
            person,
            cycle=company.quarter,
            title=f"Detail {n}",
            owner_person=person,
            parent=mine,
            pillar=s.growth,  # no company objective serves it: the map lists these
        )
        for objective in (mine, below):
            kr = okrs.create_key_result(person, objective, title="Metric", target=10)
            okrs.check_in(person, kr, value=n % 10, confidence=7)
        if n % 3 == 0:
            pillar = StrategyPillar.objects.create(name=f"Pillar {n}", position=10 + n)
            goal = okrs.create_objective(
                company.ceo,
                cycle=company.quarter,
                title=f"Company goal {n}",
                owner_team=company.root,
                pillar=pillar,
            )
            okrs.create_key_result(company.admin, goal, title="Metric", target=10)


@pytest.mark.parametrize("person", ["dave", "carol", "admin"])
def test_the_map_runs_the_same_few_queries_at_any_size(
    company, s, api_as, person, django_assert_max_num_queries
):
    api = api_as(getattr(company, person))
    counts = []
    for size in (4, 30):
        grow(company, s, size)
        api.get("/strategy-map")  # a warm token, as in real use
        with django_assert_max_num_queries(30) as captured:
            response = api.get("/strategy-map")
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    body = response.json_body
    outages = body["pillars"][0]["objectives"][1]
    assert len(outages["aligned"]) == 8  # ALIGNED_LIMIT, whatever the size
    assert len(body["pillars"][2]["named_by"]) == 8


def test_an_unserved_pillar_names_the_objectives_below_that_name_it(company, s, api_as):
    hire = okrs.create_objective(
        company.bob,
        cycle=company.quarter,
        title="Hire",
        owner_team=company.platform,
        pillar=s.growth,
    )
    growth = api_as(company.dave).get("/strategy-map").json_body["pillars"][2]
    assert (growth["unserved"], growth["named_count"]) == (True, 1)
    assert [(n["id"], n["level"]) for n in growth["named_by"]] == [(hire.pk, "team")]
