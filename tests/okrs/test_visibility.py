"""Who sees and changes what through the API: the rules of `stretch.access`.

A private objective is visible to its owner, the members and leads of the owning team, the
leads of teams above it, every manager above its owner, and administrators; anyone else gets
a 404, as if it did not exist. Changes belong to the owner, a lead of the owning team, or an
administrator; a key result's owner may also check in on it.
"""

import json
from datetime import timedelta

import pytest

from stretch.okrs import services as okrs
from stretch.okrs.models import CheckIn, KeyResult, Objective
from stretch.org import services as org
from stretch.org.models import Membership


@pytest.fixture
def secret(company):
    """Alice's private objective, aligned to a public company objective, with a check-in."""
    company_objective = okrs.create_objective(
        company.ceo,
        cycle=company.year,
        title="Be reliable",
        owner_team=company.root,
        pillar=company.pillar,
    )
    objective = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Secret plan",
        owner_person=company.alice,
        visibility="private",
        parent=company_objective,
    )
    kr = okrs.create_key_result(company.alice, objective, title="Secret metric", target=10)
    okrs.check_in(company.alice, kr, value=4, note="Secret note")
    return objective, kr


def sees(api, objective, kr) -> bool:
    """Whether every way of reading the objective answers, or every way says 404."""
    answers = [
        api.get(f"/objectives/{objective.pk}").status_code,
        api.get(f"/objectives/{objective.pk}/key-results").status_code,
        api.get(f"/key-results/{kr.pk}").status_code,
        api.get(f"/key-results/{kr.pk}/check-ins").status_code,
    ]
    assert set(answers) in ({200}, {404}), answers
    return answers[0] == 200


@pytest.mark.parametrize("person", ["alice", "bob", "carol", "ceo", "admin"])
def test_the_owner_every_manager_above_and_administrators_see_a_private_objective(
    company, api_as, secret, person
):
    assert sees(api_as(getattr(company, person)), *secret)


def test_an_outsider_gets_404_on_a_private_objective_its_key_results_and_check_ins(
    company, api_as, secret
):
    objective, kr = secret
    dave = api_as(company.dave)
    assert not sees(dave, objective, kr)
    body = dave.get(f"/objectives/{objective.pk}").json_body
    missing = dave.get("/objectives/987654").json_body
    assert body["detail"].replace(str(objective.pk), "?") == missing["detail"].replace(
        "987654", "?"
    )  # the same answer as for an objective that does not exist


def test_a_teammate_does_not_see_a_private_personal_objective(company, api_as, secret):
    erin = org.create_person("erin", display_name="Erin", manager=company.bob)
    org.set_membership(company.platform, erin)  # alice's teammate, not her manager
    assert not sees(api_as(erin), *secret)


def test_a_private_objective_is_absent_from_an_outsiders_lists(company, api_as, secret):
    objective, _kr = secret
    dave = api_as(company.dave)
    for query in ["", "?q=secret", f"?owner={company.alice.pk}", f"?parent={objective.parent_id}"]:
        body = dave.get(f"/objectives{query}").json_body
        assert objective.pk not in [o["id"] for o in body["items"]], query
        assert "Secret" not in json.dumps(body)
    assert dave.get(f"/objectives?owner={company.alice.pk}").json_body["count"] == 0
    assert api_as(company.bob).get(f"/objectives?owner={company.alice.pk}").json_body["count"] == 1


@pytest.mark.parametrize("cycle", ["quarter", "year"])
def test_a_private_objective_is_absent_from_an_outsiders_alignment_tree(
    company, api_as, secret, cycle
):
    path = f"/cycles/{getattr(company, cycle).pk}/alignment"
    outsider = api_as(company.dave).get(path)
    assert outsider.status_code == 200
    assert "Secret" not in outsider.content.decode()
    assert "Secret plan" in api_as(company.bob).get(path).content.decode()
    assert outsider.json_body["objective_count"] == (1 if cycle == "year" else 0)


def test_the_outsider_sees_an_objective_aligned_below_a_private_one_at_the_top(
    company, api_as, secret
):
    objective, _kr = secret
    public_child = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Open child",
        owner_person=company.alice,
        parent=objective,
    )
    tree = api_as(company.dave).get(f"/cycles/{company.quarter.pk}/alignment").json_body
    top = [n for p in tree["pillars"] for n in p["objectives"]]
    assert public_child.pk in [n["id"] for n in top]
    assert "Secret" not in json.dumps(tree)


# Team objectives ----------------------------------------------------------------------------


@pytest.fixture
def team_okr(company):
    """Platform's private objective; bob leads Platform with erin, alice is a member."""
    company.erin = org.create_person("erin", display_name="Erin", manager=company.carol)
    org.set_membership(company.platform, company.erin, Membership.Role.LEAD)
    objective = okrs.create_objective(
        company.bob,
        cycle=company.quarter,
        title="Platform is boring",
        owner_team=company.platform,
        visibility="private",
    )
    kr = okrs.create_key_result(
        company.bob, objective, title="Pages", target=10, owner=company.alice
    )
    return objective, kr


@pytest.mark.parametrize("person", ["alice", "bob", "erin", "carol", "ceo", "admin"])
def test_members_leads_and_leads_above_see_a_private_team_objective(
    company, api_as, team_okr, person
):
    assert sees(api_as(getattr(company, person)), *team_okr)


def test_another_team_does_not_see_a_private_team_objective(company, api_as, team_okr):
    assert not sees(api_as(company.dave), *team_okr)


def test_a_sub_team_does_not_see_the_private_objectives_of_the_team_above(company, api_as):
    objective = okrs.create_objective(
        company.carol,
        cycle=company.quarter,
        title="Engineering secret",
        owner_team=company.engineering,
        visibility="private",
    )
    kr = okrs.create_key_result(company.carol, objective, title="k", target=1)
    assert sees(api_as(company.carol), objective, kr)
    assert not sees(api_as(company.bob), objective, kr)  # leads Platform, below Engineering
    assert not sees(api_as(company.alice), objective, kr)


def test_making_an_objective_public_opens_it_to_everyone(company, api_as, team_okr):
    objective, kr = team_okr
    response = api_as(company.bob).patch(f"/objectives/{objective.pk}", {"visibility": "public"})
    assert response.status_code == 200
    assert sees(api_as(company.dave), objective, kr)


# Every write endpoint: works, wrong method, teammate, read-only, outsider -------------------

WRITES = {
    "change the objective": ("patch", "/objectives/{o}", {"title": "Changed"}, 200),
    "delete the objective": ("delete", "/objectives/{o}", None, 204),
    "add a key result": ("post", "/objectives/{o}/key-results", {"title": "New", "target": 5}, 201),
    "change a key result": ("patch", "/key-results/{kr}", {"target": 50, "reason": "r"}, 200),
    "delete a key result": ("delete", "/key-results/{kr}", None, 204),
    "check in": ("post", "/key-results/{kr}/check-ins", {"value": 3}, 201),
}
# The method each path does not answer to.
WRONG_METHOD = {
    "/objectives/{o}": "put",
    "/objectives/{o}/key-results": "delete",
    "/key-results/{kr}": "post",
    "/key-results/{kr}/check-ins": "patch",
}
# Besides the lead who made it: who else may, and who may read but not write.
TEAMMATE = {name: "erin" for name in WRITES} | {"check in": "alice"}  # co-lead; the KR owner
READ_ONLY = {name: ["alice", "carol"] for name in WRITES} | {"check in": ["carol", "ceo"]}


def state(objective, kr):
    """What any of the writes would change."""
    found = Objective.objects.filter(pk=objective.pk).first()
    target = KeyResult.objects.filter(pk=kr.pk).values_list("target", flat=True).first()
    return (
        found.title if found else None,
        KeyResult.objects.filter(objective=objective).count(),
        target,
        CheckIn.objects.count(),
    )


def call(api, name, objective, kr):
    verb, path, body, _status = WRITES[name]
    path = path.format(o=objective.pk, kr=kr.pk)
    if verb == "delete":
        return api.delete(path)
    return api.request(verb, path, body)


def raw(api, method: str, path: str, body=None):
    """A request whose answer need not be JSON (a 405 is Django's plain answer)."""
    return getattr(api.client, method)(
        f"/api/v1{path}",
        data=json.dumps(body or {}),
        content_type="application/json",
        headers=api.headers,
    )


@pytest.mark.parametrize("name", WRITES)
def test_the_lead_of_the_owning_team_may(company, api_as, team_okr, name):
    before = state(*team_okr)
    response = call(api_as(company.bob), name, *team_okr)
    assert response.status_code == WRITES[name][3], response.json_body
    assert state(*team_okr) != before


@pytest.mark.parametrize("name", WRITES)
def test_a_wrong_method_is_405(company, api_as, team_okr, name):
    before = state(*team_okr)
    _verb, path, body, _status = WRITES[name]
    path = path.format(o=team_okr[0].pk, kr=team_okr[1].pk)
    response = raw(api_as(company.bob), WRONG_METHOD[WRITES[name][1]], path, body)
    assert response.status_code == 405
    assert state(*team_okr) == before


@pytest.mark.parametrize("name", WRITES)
def test_a_teammate_may_where_the_rules_allow(company, api_as, team_okr, name):
    before = state(*team_okr)
    response = call(api_as(getattr(company, TEAMMATE[name])), name, *team_okr)
    assert response.status_code == WRITES[name][3], response.json_body
    assert state(*team_okr) != before


@pytest.mark.parametrize("name", WRITES)
def test_someone_who_may_only_read_is_refused_with_403(company, api_as, team_okr, name):
    before = state(*team_okr)
    for person in READ_ONLY[name]:
        api = api_as(getattr(company, person))
        assert api.get(f"/objectives/{team_okr[0].pk}").status_code == 200  # they see it
        assert call(api, name, *team_okr).status_code == 403, person
    assert state(*team_okr) == before


@pytest.mark.parametrize("name", WRITES)
def test_an_outsider_gets_404(company, api_as, team_okr, name):
    before = state(*team_okr)
    response = call(api_as(company.dave), name, *team_okr)
    assert response.status_code == 404
    assert state(*team_okr) == before


@pytest.mark.parametrize("name", WRITES)
def test_an_administrator_may(company, api_as, team_okr, name):
    response = call(api_as(company.admin), name, *team_okr)
    assert response.status_code == WRITES[name][3], response.json_body


# Creating objectives ------------------------------------------------------------------------


def test_creating_an_objective_for_myself_works(company, api_as):
    response = api_as(company.dave).post(
        "/objectives", {"title": "Mine", "cycle": company.quarter.pk}
    )
    assert response.status_code == 201


def test_creating_with_a_wrong_method_is_405(company, api_as):
    body = {"title": "Mine", "cycle": company.quarter.pk}
    assert raw(api_as(company.dave), "put", "/objectives", body).status_code == 405
    assert not Objective.objects.exists()


def test_a_co_lead_creates_objectives_for_the_team(company, api_as, team_okr):
    response = api_as(company.erin).post(
        "/objectives",
        {"title": "Ours", "cycle": company.quarter.pk, "owner_team": company.platform.pk},
    )
    assert response.status_code == 201


@pytest.mark.parametrize("person", ["alice", "carol"])  # a member; a lead of the team above
def test_only_a_lead_of_the_team_creates_its_objectives(company, api_as, person):
    response = api_as(getattr(company, person)).post(
        "/objectives",
        {"title": "Ours", "cycle": company.quarter.pk, "owner_team": company.platform.pk},
    )
    assert response.status_code == 403
    assert not Objective.objects.exists()


def test_an_outsider_cannot_align_to_a_private_objective_or_learn_it_exists(
    company, api_as, team_okr
):
    objective, _kr = team_okr
    dave = api_as(company.dave)
    hidden = dave.post(
        "/objectives", {"title": "Mine", "cycle": company.quarter.pk, "parent": objective.pk}
    )
    missing = dave.post(
        "/objectives", {"title": "Mine", "cycle": company.quarter.pk, "parent": 987654}
    )
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json_body["field"] == "parent"
    assert hidden.json_body["detail"].replace(str(objective.pk), "?") == missing.json_body[
        "detail"
    ].replace("987654", "?")
    assert not Objective.objects.filter(title="Mine").exists()


def test_a_member_may_align_to_the_private_objective_of_their_team(company, api_as, team_okr):
    objective, _kr = team_okr
    response = api_as(company.alice).post(
        "/objectives", {"title": "Mine", "cycle": company.quarter.pk, "parent": objective.pk}
    )
    assert response.status_code == 201


def test_an_objective_aligned_below_a_private_one_hides_the_parent_from_an_outsider(
    company, api_as, secret
):
    objective, _kr = secret
    child = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Open child",
        owner_person=company.alice,
        parent=objective,
    )
    outsider = api_as(company.dave).get(f"/objectives/{child.pk}").json_body
    assert outsider["parent"] is None
    listed = api_as(company.dave).get(f"/objectives?cycle={company.quarter.pk}").json_body
    assert [o["parent"] for o in listed["items"] if o["id"] == child.pk] == [None]
    assert api_as(company.bob).get(f"/objectives/{child.pk}").json_body["parent"] == objective.pk


def test_a_key_result_of_a_private_objective_cannot_go_to_someone_who_cannot_see_it(
    company, api_as, secret
):
    objective, kr = secret
    api = api_as(company.alice)
    response = api.post(
        f"/objectives/{objective.pk}/key-results",
        {"title": "Dave's part", "target": 5, "owner": company.dave.pk},
    )
    assert response.status_code == 400, response.json_body
    assert response.json_body["field"] == "owner"
    assert "Dave" in response.json_body["detail"]
    response = api.patch(f"/key-results/{kr.pk}", {"owner": company.dave.pk})
    assert response.status_code == 400
    assert KeyResult.objects.get(pk=kr.pk).owner == company.alice
    # Bob, her manager, sees it, so he may own a part of it.
    response = api.patch(f"/key-results/{kr.pk}", {"owner": company.bob.pk})
    assert response.status_code == 200, response.json_body


def test_moving_a_cycle_never_names_an_aligned_objective_the_mover_cannot_see(
    company, api_as, secret
):
    objective, _kr = secret
    dave_goal = okrs.create_objective(
        company.dave, cycle=company.year, title="Dave's year", owner_person=company.dave
    )
    okrs.update_objective(company.alice, objective, {"parent": dave_goal})
    later = okrs.create_cycle(
        company.admin,
        name="Later",
        start=company.year.end + timedelta(days=1),
        end=company.year.end + timedelta(days=90),
    )
    response = api_as(company.dave).patch(f"/objectives/{dave_goal.pk}", {"cycle": later.pk})
    assert response.status_code == 400
    assert response.json_body["field"] == "cycle"
    assert "Secret plan" not in json.dumps(response.json_body)
    assert "1 aligned objective you cannot see" in response.json_body["detail"]
