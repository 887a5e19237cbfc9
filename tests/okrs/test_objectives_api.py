"""/api/v1/objectives: create, list, read, change and delete objectives, and their alignment."""

from datetime import timedelta

import pytest

from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle, Objective


def create(api, cycle, **fields):
    response = api.post("/objectives", {"title": "Ship the scheduler", "cycle": cycle.pk, **fields})
    assert response.status_code == 201, response.json_body
    return response.json_body


def assert_names(response, field, status=400):
    assert response.status_code == status, response.json_body
    assert response.json_body["field"] == field
    assert field in response.json_body["errors"]


# Create -------------------------------------------------------------------------------------


def test_it_creates_an_objective_owned_by_me_by_default(company, api_as):
    body = create(
        api_as(company.alice),
        company.quarter,
        description="Move every job",
        strategy="One team at a time",
        kind="aspirational",
    )
    assert body["owner"] == {"type": "person", "id": company.alice.pk, "name": "Alice"}
    assert body["owner_person"] == company.alice.pk
    assert body["owner_team"] is None
    assert body["cycle"] == company.quarter.pk
    assert (body["kind"], body["visibility"], body["status"]) == (
        "aspirational",
        "public",
        "active",
    )
    assert (body["description"], body["strategy"]) == ("Move every job", "One team at a time")
    assert body["version"] == 1
    assert body["can_edit"] is True
    assert body["key_results"] == []
    assert body["progress"] == 0.0
    assert Objective.objects.get(pk=body["id"]).owner_person == company.alice


def test_a_lead_creates_an_objective_for_the_team_they_lead(company, api_as):
    body = create(api_as(company.bob), company.quarter, owner_team=company.platform.pk)
    assert body["owner"] == {"type": "team", "id": company.platform.pk, "name": "Platform"}
    assert body["owner_person"] is None


def test_it_refuses_an_objective_for_a_team_i_do_not_lead(company, api_as):
    for person, team in [(company.alice, company.platform), (company.bob, company.sales)]:
        response = api_as(person).post(
            "/objectives", {"title": "Not mine", "cycle": company.quarter.pk, "owner_team": team.pk}
        )
        assert response.status_code == 403
    assert not Objective.objects.exists()


def test_it_refuses_an_objective_for_another_person(company, api_as):
    response = api_as(company.bob).post(
        "/objectives",
        {"title": "For Alice", "cycle": company.quarter.pk, "owner_person": company.alice.pk},
    )
    assert response.status_code == 403
    assert not Objective.objects.exists()


def test_an_administrator_creates_objectives_for_anyone(company, api_as):
    admin = api_as(company.admin)
    for_alice = create(admin, company.quarter, owner_person=company.alice.pk)
    for_sales = create(admin, company.quarter, owner_team=company.sales.pk)
    assert for_alice["owner"]["id"] == company.alice.pk
    assert for_sales["owner"]["id"] == company.sales.pk
    # Alice owns it now: she may change it.
    assert api_as(company.alice).get(f"/objectives/{for_alice['id']}").json_body["can_edit"]


def test_it_refuses_two_owners(company, api_as):
    response = api_as(company.bob).post(
        "/objectives",
        {
            "title": "Both",
            "cycle": company.quarter.pk,
            "owner_person": company.bob.pk,
            "owner_team": company.platform.pk,
        },
    )
    assert_names(response, "owner_person")


def test_it_refuses_a_blank_title(company, api_as):
    response = api_as(company.alice).post(
        "/objectives", {"title": "   ", "cycle": company.quarter.pk}
    )
    assert_names(response, "title")


@pytest.mark.parametrize("field", ["cycle", "parent", "owner_team", "owner_person", "pillar"])
def test_it_names_the_field_of_an_unknown_id(company, api_as, field):
    body = {"title": "Ship", "cycle": company.quarter.pk, field: 987654}
    response = api_as(company.admin).post("/objectives", body)
    assert_names(response, field)
    assert "987654" in response.json_body["detail"]
    assert not Objective.objects.exists()


def test_it_requires_a_cycle(company, api_as):
    response = api_as(company.alice).post("/objectives", {"title": "No cycle"})
    assert response.status_code == 422


# Alignment rules ----------------------------------------------------------------------------


def test_a_quarter_objective_may_align_to_a_year_objective(company, api_as):
    year = create(
        api_as(company.ceo), company.year, title="Be reliable", owner_team=company.root.pk
    )
    quarter = create(api_as(company.alice), company.quarter, parent=year["id"])
    assert quarter["parent"] == year["id"]


def test_it_refuses_a_parent_in_a_cycle_that_does_not_cover_this_one(company, api_as):
    alice = api_as(company.alice)
    quarter = create(alice, company.quarter, title="Quarter goal")
    response = alice.post(
        "/objectives", {"title": "Year goal", "cycle": company.year.pk, "parent": quarter["id"]}
    )
    assert_names(response, "parent")
    assert "Quarter" in response.json_body["detail"]


def test_it_refuses_a_parent_from_a_neighbouring_cycle(company, api_as):
    next_quarter = okrs.create_cycle(
        company.admin,
        name="Next quarter",
        start=company.quarter.end,
        end=company.quarter.end + timedelta(days=90),
    )
    alice = api_as(company.alice)
    this_one = create(alice, company.quarter)
    response = alice.post(
        "/objectives", {"title": "Later", "cycle": next_quarter.pk, "parent": this_one["id"]}
    )
    assert_names(response, "parent")


def test_it_refuses_circular_alignment(company, api_as):
    alice = api_as(company.alice)
    a = create(alice, company.quarter, title="A")
    b = create(alice, company.quarter, title="B", parent=a["id"])
    response = alice.patch(f"/objectives/{a['id']}", {"parent": b["id"]})
    assert_names(response, "parent")
    assert "Circular" in response.json_body["detail"]
    assert Objective.objects.get(pk=a["id"]).parent_id is None


def test_it_refuses_circular_alignment_through_several_levels(company, api_as):
    alice = api_as(company.alice)
    a = create(alice, company.quarter, title="A")
    b = create(alice, company.quarter, title="B", parent=a["id"])
    c = create(alice, company.quarter, title="C", parent=b["id"])
    assert_names(alice.patch(f"/objectives/{a['id']}", {"parent": c["id"]}), "parent")


def test_it_refuses_an_objective_as_its_own_parent(company, api_as):
    alice = api_as(company.alice)
    a = create(alice, company.quarter)
    assert_names(alice.patch(f"/objectives/{a['id']}", {"parent": a["id"]}), "parent")


def test_moving_an_objective_to_a_cycle_its_parent_does_not_cover_is_refused(company, api_as):
    alice = api_as(company.alice)
    parent = create(alice, company.quarter, title="Quarter parent")
    child = create(alice, company.quarter, title="Child", parent=parent["id"])
    response = alice.patch(f"/objectives/{child['id']}", {"cycle": company.year.pk})
    assert_names(response, "parent")
    assert Objective.objects.get(pk=child["id"]).cycle == company.quarter


def test_aligning_to_a_private_objective_i_cannot_see_is_like_an_unknown_id(company, api_as):
    hidden = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Hidden",
        owner_person=company.alice,
        visibility="private",
    )
    response = api_as(company.dave).post(
        "/objectives", {"title": "Mine", "cycle": company.quarter.pk, "parent": hidden.pk}
    )
    assert_names(response, "parent")
    assert "Hidden" not in response.json_body["detail"]


def test_unaligning_with_a_null_parent(company, api_as):
    alice = api_as(company.alice)
    parent = create(alice, company.quarter, title="Parent")
    child = create(alice, company.quarter, title="Child", parent=parent["id"])
    response = alice.patch(f"/objectives/{child['id']}", {"parent": None})
    assert response.status_code == 200
    assert response.json_body["parent"] is None


# List ---------------------------------------------------------------------------------------


@pytest.fixture
def many(company):
    """Objectives of several owners, cycles and statuses."""

    def make(actor, title, cycle=None, **fields):
        if "owner_team" not in fields:
            fields.setdefault("owner_person", actor)
        return okrs.create_objective(actor, cycle=cycle or company.quarter, title=title, **fields)

    return {
        "scheduler": make(company.alice, "Ship the scheduler"),
        "docs": make(company.alice, "Write the docs", status="draft"),
        "hiring": make(company.bob, "Hire two engineers"),
        "platform": make(company.bob, "Platform is boring", owner_team=company.platform),
        "sales": make(company.dave, "Double the pipeline"),
        "year": make(company.ceo, "Be reliable", cycle=company.year, owner_team=company.root),
    }


def titles(response):
    assert response.status_code == 200, response.json_body
    return [item["title"] for item in response.json_body["items"]]


def test_the_list_holds_every_objective_i_may_see(company, api_as, many):
    response = api_as(company.dave).get("/objectives")
    assert response.json_body["count"] == 6
    assert sorted(titles(response)) == sorted(o.title for o in many.values())


def test_the_list_filters_by_cycle(company, api_as, many):
    response = api_as(company.dave).get(f"/objectives?cycle={company.year.pk}")
    assert titles(response) == ["Be reliable"]
    assert response.json_body["count"] == 1


def test_the_list_filters_by_owner(company, api_as, many):
    response = api_as(company.dave).get(f"/objectives?owner={company.alice.pk}")
    assert titles(response) == ["Ship the scheduler", "Write the docs"]


def test_the_list_filters_by_team(company, api_as, many):
    response = api_as(company.dave).get(f"/objectives?team={company.platform.pk}")
    assert titles(response) == ["Platform is boring"]


def test_the_list_filters_by_status(company, api_as, many):
    response = api_as(company.dave).get("/objectives?status=draft")
    assert titles(response) == ["Write the docs"]


def test_the_list_filters_by_words_in_the_title_whatever_the_case(company, api_as, many):
    assert titles(api_as(company.dave).get("/objectives?q=SCHEDULER")) == ["Ship the scheduler"]
    assert titles(api_as(company.dave).get("/objectives?q=nothing-like-this")) == []


def test_the_list_filters_by_parent(company, api_as, many):
    child = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Child",
        owner_person=company.alice,
        parent=many["platform"],
    )
    response = api_as(company.dave).get(f"/objectives?parent={many['platform'].pk}")
    assert [item["id"] for item in response.json_body["items"]] == [child.pk]


def test_the_filters_combine(company, api_as, many):
    url = f"/objectives?owner={company.alice.pk}&status=active&cycle={company.quarter.pk}"
    assert titles(api_as(company.dave).get(url)) == ["Ship the scheduler"]


def test_the_list_pages_with_limit_and_offset(company, api_as, many):
    dave = api_as(company.dave)
    first = dave.get("/objectives?limit=4").json_body
    second = dave.get("/objectives?limit=4&offset=4").json_body
    assert (first["count"], first["limit"], first["offset"]) == (6, 4, 0)
    assert (second["count"], second["limit"], second["offset"]) == (6, 4, 4)
    assert len(first["items"]) == 4 and len(second["items"]) == 2
    ids = [o["id"] for o in first["items"] + second["items"]]
    assert ids == sorted(o.pk for o in many.values())


def test_an_offset_past_the_end_gives_an_empty_page_with_the_count(company, api_as, many):
    body = api_as(company.dave).get("/objectives?offset=100").json_body
    assert (body["count"], body["items"]) == (6, [])


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "offset=-1", "limit=many"])
def test_the_list_refuses_a_bad_page(company, api_as, query):
    assert api_as(company.dave).get(f"/objectives?{query}").status_code == 422


def test_the_list_shows_can_edit_for_the_caller(company, api_as, many):
    items = api_as(company.bob).get(f"/objectives?cycle={company.quarter.pk}").json_body["items"]
    editable = {item["title"] for item in items if item["can_edit"]}
    assert editable == {"Hire two engineers", "Platform is boring"}


def test_the_list_shows_the_same_progress_as_the_objective(company, api_as, many):
    """A parent without key results shows its children's mean, also next to them in a list."""
    parent = many["platform"]
    for title, value in [("A", 2), ("B", 8)]:
        child = okrs.create_objective(
            company.alice,
            cycle=company.quarter,
            title=title,
            owner_person=company.alice,
            parent=parent,
        )
        kr = okrs.create_key_result(company.alice, child, title="k", target=10)
        okrs.check_in(company.alice, kr, value=value)
    dave = api_as(company.dave)
    listed = {o["title"]: o["progress"] for o in dave.get("/objectives").json_body["items"]}
    alone = dave.get(f"/objectives/{parent.pk}").json_body["progress"]
    assert alone == pytest.approx(0.5)
    assert listed["Platform is boring"] == pytest.approx(0.5)
    assert (listed["A"], listed["B"]) == (pytest.approx(0.2), pytest.approx(0.8))


def test_an_anonymous_caller_gets_401(company, api_as, many):
    assert api_as(None).get("/objectives").status_code == 401
    assert api_as(None).get(f"/objectives/{many['scheduler'].pk}").status_code == 401
    assert api_as(None).post("/objectives", {"title": "x", "cycle": 1}).status_code == 401


def test_a_wrong_token_gets_401(company, api_as, many):
    anonymous = api_as(None)
    response = anonymous.get("/objectives", Authorization="Bearer stk_not-a-real-token")
    assert response.status_code == 401


# Get ----------------------------------------------------------------------------------------


def test_it_reads_one_objective_with_its_key_results(company, api_as):
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship", owner_person=company.alice
    )
    kr = okrs.create_key_result(company.alice, objective, title="Jobs", target=200, unit="jobs")
    okrs.check_in(company.alice, kr, value=50, confidence=8)
    body = api_as(company.dave).get(f"/objectives/{objective.pk}").json_body
    assert body["title"] == "Ship"
    assert [k["title"] for k in body["key_results"]] == ["Jobs"]
    assert body["key_results"][0]["current"] == 50
    assert body["progress"] == pytest.approx(0.25)
    assert body["expected_progress"] == pytest.approx(0.5, abs=0.02)
    assert body["can_edit"] is False


def test_an_unknown_objective_is_404(company, api_as):
    response = api_as(company.alice).get("/objectives/424242")
    assert response.status_code == 404
    assert "424242" in response.json_body["detail"]


# Patch --------------------------------------------------------------------------------------


def test_a_change_bumps_the_version(company, api_as):
    alice = api_as(company.alice)
    objective = create(alice, company.quarter)
    response = alice.patch(
        f"/objectives/{objective['id']}", {"title": "Ship it", "visibility": "private"}
    )
    assert response.status_code == 200
    assert (response.json_body["title"], response.json_body["visibility"]) == ("Ship it", "private")
    assert response.json_body["version"] == 2
    again = alice.patch(f"/objectives/{objective['id']}", {"description": "Now", "version": 2})
    assert again.json_body["version"] == 3
    assert again.json_body["title"] == "Ship it"  # fields not sent stay as they were


def test_a_stale_version_in_the_body_is_a_409_with_the_current_state(company, api_as):
    alice = api_as(company.alice)
    objective = create(alice, company.quarter)
    alice.patch(f"/objectives/{objective['id']}", {"title": "Their edit"})
    response = alice.patch(f"/objectives/{objective['id']}", {"title": "My edit", "version": 1})
    assert response.status_code == 409
    assert response.json_body["current"]["title"] == "Their edit"
    assert response.json_body["current"]["version"] == 2
    assert Objective.objects.get(pk=objective["id"]).title == "Their edit"


@pytest.mark.parametrize("header", ['"1"', "1", 'W/"1"'])
def test_a_stale_if_match_header_is_a_409(company, api_as, header):
    alice = api_as(company.alice)
    objective = create(alice, company.quarter)
    alice.patch(f"/objectives/{objective['id']}", {"title": "Their edit"})
    response = alice.patch(
        f"/objectives/{objective['id']}", {"title": "My edit"}, **{"If-Match": header}
    )
    assert response.status_code == 409
    assert response.json_body["current"]["version"] == 2


def test_a_current_if_match_header_lets_the_change_through(company, api_as):
    alice = api_as(company.alice)
    objective = create(alice, company.quarter)
    response = alice.patch(f"/objectives/{objective['id']}", {"title": "Mine"}, **{"If-Match": "1"})
    assert response.status_code == 200
    assert response.json_body["version"] == 2


def test_the_body_version_wins_over_if_match(company, api_as):
    alice = api_as(company.alice)
    objective = create(alice, company.quarter)
    response = alice.patch(
        f"/objectives/{objective['id']}", {"title": "Mine", "version": 1}, **{"If-Match": "7"}
    )
    assert response.status_code == 200


def test_a_malformed_if_match_is_a_400(company, api_as):
    alice = api_as(company.alice)
    objective = create(alice, company.quarter)
    response = alice.patch(f"/objectives/{objective['id']}", {"title": "x"}, **{"If-Match": "abc"})
    assert response.status_code == 400
    assert Objective.objects.get(pk=objective["id"]).version == 1


def test_adding_a_key_result_makes_an_earlier_version_stale(company, api_as):
    alice = api_as(company.alice)
    objective = create(alice, company.quarter)
    alice.post(f"/objectives/{objective['id']}/key-results", {"title": "Jobs", "target": 5})
    response = alice.patch(f"/objectives/{objective['id']}", {"title": "x", "version": 1})
    assert response.status_code == 409


@pytest.mark.parametrize("field", ["title", "description", "cycle", "kind", "status", "strategy"])
def test_a_null_for_a_required_field_is_a_400_naming_it(company, api_as, field):
    alice = api_as(company.alice)
    objective = create(alice, company.quarter)
    assert_names(alice.patch(f"/objectives/{objective['id']}", {field: None}), field)
    assert Objective.objects.get(pk=objective["id"]).version == 1


def test_it_refuses_a_score_outside_zero_to_one(company, api_as):
    alice = api_as(company.alice)
    objective = create(alice, company.quarter)
    okrs.update_cycle(company.admin, company.quarter, {"status": "grading"})
    assert alice.patch(f"/objectives/{objective['id']}", {"score": 1.5}).status_code == 422
    response = alice.patch(
        f"/objectives/{objective['id']}",
        {"score": 0.7, "reflection": "Good stretch", "reason": "Most of it landed"},
    )
    assert (response.json_body["score"], response.json_body["reflection"]) == (0.7, "Good stretch")


def test_an_unknown_choice_is_a_422(company, api_as):
    alice = api_as(company.alice)
    objective = create(alice, company.quarter)
    assert alice.patch(f"/objectives/{objective['id']}", {"status": "done"}).status_code == 422


def test_someone_else_may_not_change_my_objective(company, api_as):
    objective = create(api_as(company.alice), company.quarter)
    response = api_as(company.bob).patch(f"/objectives/{objective['id']}", {"title": "Bob's"})
    assert response.status_code == 403
    assert Objective.objects.get(pk=objective["id"]).title == "Ship the scheduler"


def test_a_lead_may_hand_their_objective_to_their_team(company, api_as):
    bob = api_as(company.bob)
    objective = create(bob, company.quarter)
    response = bob.patch(f"/objectives/{objective['id']}", {"owner_team": company.platform.pk})
    assert response.status_code == 200
    assert response.json_body["owner"]["type"] == "team"
    assert response.json_body["owner_person"] is None


def test_nobody_but_an_administrator_gives_an_objective_away(company, api_as):
    alice = api_as(company.alice)
    objective = create(alice, company.quarter)
    response = alice.patch(f"/objectives/{objective['id']}", {"owner_person": company.dave.pk})
    assert response.status_code == 403
    response = api_as(company.admin).patch(
        f"/objectives/{objective['id']}", {"owner_person": company.dave.pk}
    )
    assert response.status_code == 200
    assert response.json_body["owner"]["id"] == company.dave.pk


def test_patching_an_unknown_objective_is_404(company, api_as):
    assert api_as(company.admin).patch("/objectives/999999", {"title": "x"}).status_code == 404


# Delete -------------------------------------------------------------------------------------


def test_the_owner_deletes_an_objective_and_its_children_stay_unaligned(company, api_as):
    alice = api_as(company.alice)
    parent = create(alice, company.quarter, title="Parent")
    child = create(alice, company.quarter, title="Child", parent=parent["id"])
    kr = alice.post(f"/objectives/{parent['id']}/key-results", {"title": "k", "target": 3})
    response = alice.delete(f"/objectives/{parent['id']}")
    assert response.status_code == 204
    assert alice.get(f"/objectives/{parent['id']}").status_code == 404
    assert alice.get(f"/key-results/{kr.json_body['id']}").status_code == 404
    assert alice.get(f"/objectives/{child['id']}").json_body["parent"] is None


def test_someone_else_may_not_delete_my_objective(company, api_as):
    objective = create(api_as(company.alice), company.quarter)
    assert api_as(company.bob).delete(f"/objectives/{objective['id']}").status_code == 403
    assert Objective.objects.filter(pk=objective["id"]).exists()


def test_an_administrator_deletes_any_objective(company, api_as):
    objective = create(api_as(company.alice), company.quarter)
    assert api_as(company.admin).delete(f"/objectives/{objective['id']}").status_code == 204
    assert not Objective.objects.filter(pk=objective["id"]).exists()


def test_deleting_an_unknown_objective_is_404(company, api_as):
    assert api_as(company.admin).delete("/objectives/999999").status_code == 404


def test_a_cycle_with_objectives_keeps_them_when_closed(company, api_as):
    objective = create(api_as(company.alice), company.quarter)
    api_as(company.admin).patch(f"/cycles/{company.quarter.pk}", {"status": "closed"})
    assert Cycle.objects.get(pk=company.quarter.pk).status == "closed"
    assert api_as(company.dave).get(f"/objectives/{objective['id']}").status_code == 200


def test_moving_a_parent_to_a_cycle_that_no_longer_covers_its_children_is_refused(company, api_as):
    admin = api_as(company.admin)
    parent = create(admin, company.year, owner_team=company.root.pk)
    child = create(api_as(company.alice), company.quarter, parent=parent["id"])
    later = okrs.create_cycle(
        company.admin,
        name="Later",
        start=company.quarter.end + timedelta(days=1),
        end=company.quarter.end + timedelta(days=90),
    )
    response = admin.patch(f"/objectives/{parent['id']}", {"cycle": later.pk})
    assert_names(response, "cycle")
    assert child["title"] in response.json_body["detail"]
    assert Objective.objects.get(pk=parent["id"]).cycle == company.year
    # Once the child is realigned, the parent may move.
    api_as(company.alice).patch(f"/objectives/{child['id']}", {"parent": None})
    assert admin.patch(f"/objectives/{parent['id']}", {"cycle": later.pk}).status_code == 200


def test_removing_the_only_owner_is_refused_naming_owner_person(company, api_as):
    alice = api_as(company.alice)
    body = create(alice, company.quarter)
    response = alice.patch(f"/objectives/{body['id']}", {"owner_person": None})
    assert_names(response, "owner_person")
    assert Objective.objects.get(pk=body["id"]).owner_person == company.alice
