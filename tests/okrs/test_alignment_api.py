"""/api/v1/cycles/{id}/alignment: mission, pillars, company, team and personal objectives."""

import json

import pytest

from stretch.okrs import services as okrs
from stretch.org import services as org
from stretch.org.models import Membership


def check_in(company, objective, value, target=10):
    owner = objective.owner_person or company.admin
    kr = okrs.create_key_result(company.admin, objective, title="k", target=target, owner=owner)
    okrs.check_in(company.admin, kr, value=value)
    return kr


@pytest.fixture
def tree(company):
    """Year: "Be reliable" (company) ← quarter: "No outages" (company) ← "Boring platform"
    (Platform) ← alice's "Migrate jobs" (3/10) and bob's private "Fix paging" (10/10)."""
    t = type("Tree", (), {})()
    t.year = okrs.create_objective(
        company.ceo,
        cycle=company.year,
        title="Be reliable",
        owner_team=company.root,
        pillar=company.pillar,
    )
    t.company = okrs.create_objective(
        company.ceo,
        cycle=company.quarter,
        title="No outages",
        owner_team=company.root,
        parent=t.year,
        pillar=company.pillar,
    )
    t.team = okrs.create_objective(
        company.bob,
        cycle=company.quarter,
        title="Boring platform",
        owner_team=company.platform,
        parent=t.company,
    )
    t.alice = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Migrate jobs",
        owner_person=company.alice,
        parent=t.team,
    )
    t.bob = okrs.create_objective(
        company.bob,
        cycle=company.quarter,
        title="Fix paging",
        owner_person=company.bob,
        parent=t.team,
        visibility="private",
    )
    check_in(company, t.alice, 3)
    check_in(company, t.bob, 10)
    return t


def alignment(api, cycle):
    response = api.get(f"/cycles/{cycle.pk}/alignment")
    assert response.status_code == 200, response.json_body
    return response.json_body


def top_nodes(body):
    return [node for pillar in body["pillars"] for node in pillar["objectives"]]


def test_the_tree_starts_with_the_mission_and_the_strategy_pillars(company, api_as, tree):
    body = alignment(api_as(company.alice), company.year)
    assert (body["mission"], body["vision"]) == ("Test everything", "Green builds")
    assert body["cycle"]["id"] == company.year.pk
    assert body["cycle"]["name"] == "Year"
    assert [p["name"] for p in body["pillars"]] == ["Quality"]
    assert body["pillars"][0]["id"] == company.pillar.pk


def test_the_tree_nests_company_team_and_personal_objectives(company, api_as, tree):
    body = alignment(api_as(company.carol), company.quarter)
    [year] = body["pillars"][0]["objectives"]
    assert (year["title"], year["level"], year["context"]) == ("Be reliable", "company", True)
    [company_node] = year["children"]
    assert (company_node["title"], company_node["level"]) == ("No outages", "company")
    assert company_node["context"] is False
    assert company_node["owner"] == {"type": "team", "id": company.root.pk, "name": "Testco"}
    [team] = company_node["children"]
    assert (team["title"], team["level"], team["owner"]["name"]) == (
        "Boring platform",
        "team",
        "Platform",
    )
    people = team["children"]
    assert [(p["title"], p["level"], p["owner"]["name"]) for p in people] == [
        ("Migrate jobs", "person", "Alice"),
        ("Fix paging", "person", "Bob"),
    ]
    assert all(p["children"] == [] for p in people)
    assert body["objective_count"] == 4  # the year objective only frames the quarter


def test_progress_rolls_up_through_objectives_without_key_results(company, api_as, tree):
    body = alignment(api_as(company.carol), company.quarter)
    [year] = top_nodes(body)
    company_node = year["children"][0]
    team = company_node["children"][0]
    alice, bob = team["children"]
    assert (alice["progress"], bob["progress"]) == (pytest.approx(0.3), 1.0)
    assert team["progress"] == pytest.approx(0.65)  # the mean of its children
    assert company_node["progress"] == pytest.approx(0.65)
    assert year["progress"] == pytest.approx(0.65)
    assert body["progress"] == pytest.approx(0.65)  # the quarter's top objectives
    assert alice["health"] == "at_risk"  # 0.3 where 0.5 was expected
    assert bob["health"] == "on_track"


def test_an_objective_with_key_results_ignores_its_children(company, api_as, tree):
    check_in(company, tree.team, 1)
    body = alignment(api_as(company.carol), company.quarter)
    team = top_nodes(body)[0]["children"][0]["children"][0]
    assert team["progress"] == pytest.approx(0.1)


def test_a_private_child_is_hidden_but_still_counts_in_the_roll_up(company, api_as, tree):
    body = alignment(api_as(company.dave), company.quarter)
    team = top_nodes(body)[0]["children"][0]["children"][0]
    assert [p["title"] for p in team["children"]] == ["Migrate jobs"]
    assert team["progress"] == pytest.approx(0.65)
    assert "Fix paging" not in json.dumps(body)
    assert body["objective_count"] == 3


def test_the_tree_shows_the_same_progress_as_the_objective_endpoint(company, api_as, tree):
    api = api_as(company.carol)
    body = alignment(api, company.quarter)
    team = top_nodes(body)[0]["children"][0]["children"][0]
    assert api.get(f"/objectives/{tree.team.pk}").json_body["progress"] == pytest.approx(
        team["progress"]
    )


def test_a_quarter_objective_appears_under_its_year_objective_in_the_year_tree(
    company, api_as, tree
):
    body = alignment(api_as(company.carol), company.year)
    [year] = top_nodes(body)
    assert year["context"] is False
    assert year["cycle"] == company.year.pk
    assert [c["title"] for c in year["children"]] == ["No outages"]
    assert year["children"][0]["cycle"] == company.quarter.pk
    assert body["progress"] == pytest.approx(0.65)
    assert body["objective_count"] == 5


def test_objectives_without_a_pillar_are_grouped_last(company, api_as, tree):
    okrs.create_objective(
        company.dave, cycle=company.quarter, title="Sell more", owner_person=company.dave
    )
    body = alignment(api_as(company.dave), company.quarter)
    assert [p["name"] for p in body["pillars"]] == ["Quality", "No strategy pillar"]
    assert body["pillars"][-1]["id"] is None
    assert [n["title"] for n in body["pillars"][-1]["objectives"]] == ["Sell more"]


def test_siblings_are_ordered_company_then_team_then_person(company, api_as, tree):
    for title, owner in [("Person child", {"owner_person": company.ceo})]:
        okrs.create_objective(
            company.ceo, cycle=company.quarter, title=title, parent=tree.company, **owner
        )
    okrs.create_objective(
        company.ceo,
        cycle=company.quarter,
        title="Company child",
        owner_team=company.root,
        parent=tree.company,
    )
    body = alignment(api_as(company.carol), company.quarter)
    children = top_nodes(body)[0]["children"][0]["children"]
    assert [c["level"] for c in children] == ["company", "team", "person"]


def test_an_empty_cycle_has_an_empty_tree(company, api_as):
    body = alignment(api_as(company.dave), company.quarter)
    assert body["objective_count"] == 0
    assert body["progress"] == 0.0
    assert body["pillars"] == [{"id": company.pillar.pk, "name": "Quality", "objectives": []}]


def test_an_unknown_cycle_is_404(company, api_as):
    assert api_as(company.dave).get("/cycles/999999/alignment").status_code == 404


def test_the_tree_needs_a_signed_in_caller(company, api_as):
    assert api_as(None).get(f"/cycles/{company.quarter.pk}/alignment").status_code == 401


# Bounded queries ----------------------------------------------------------------------------

QUERY_BOUND = 20


def grow(company, size: int) -> None:
    """`size` personal objectives under a team objective under a quarter company objective
    under a year one; each with a metric and a stepped milestone; every other one private."""
    year = okrs.create_objective(
        company.admin,
        cycle=company.year,
        title="Year",
        owner_team=company.root,
        pillar=company.pillar,
    )
    quarter = okrs.create_objective(
        company.admin, cycle=company.quarter, title="Quarter", owner_team=company.root, parent=year
    )
    team = okrs.create_objective(
        company.admin,
        cycle=company.quarter,
        title="Team",
        owner_team=company.platform,
        parent=quarter,
    )
    for n in range(size):
        person = org.create_person(f"person{n}", manager=company.bob)
        org.set_membership(company.platform, person, Membership.Role.MEMBER)
        objective = okrs.create_objective(
            person,
            cycle=company.quarter,
            title=f"Objective {n}",
            owner_person=person,
            parent=team,
            visibility="private" if n % 2 else "public",
        )
        metric = okrs.create_key_result(person, objective, title="Metric", target=10)
        okrs.check_in(person, metric, value=n % 10, confidence=7)
        okrs.create_key_result(
            person,
            objective,
            title="Milestone",
            kind="milestone",
            steps=[{"title": "One"}, {"title": "Two", "weight": 2}],
        )


@pytest.mark.parametrize("size", [5, 40])
@pytest.mark.parametrize("person", ["alice", "bob", "dave", "admin"])
@pytest.mark.parametrize(
    "path",
    [
        "/cycles/{quarter}/alignment",
        "/cycles/{year}/alignment",
        "/objectives?limit=100",
        "/people?limit=100",
    ],
)
def test_reads_run_a_bounded_number_of_queries(
    company, api_as, django_assert_max_num_queries, size, person, path
):
    grow(company, size)
    api = api_as(getattr(company, person))
    api.get("/me")  # the token's first use of the minute is recorded; not this request's cost
    url = path.format(quarter=company.quarter.pk, year=company.year.pk)
    with django_assert_max_num_queries(QUERY_BOUND):
        response = api.get(url)
    assert response.status_code == 200
    body = response.json_body
    visible = size if person in ("bob", "admin") else (size + 1) // 2  # bob manages them all
    assert (len(body["items"]) if "items" in body else body["objective_count"]) >= visible
