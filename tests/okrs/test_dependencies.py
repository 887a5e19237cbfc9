"""Dependencies: an objective names a team whose help it needs; the team confirms or
declines, on its page or through /api/v1/dependencies."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stretch.okrs import services as okrs
from stretch.okrs.models import Dependency
from stretch.org import services as org
from stretch.org.models import Membership
from stretch.social.models import Notification
from tests.helpers import client_for
from tests.okrs.agreement_helpers import assert_names, listening, told


@pytest.fixture
def heard():
    yield from listening()


@pytest.fixture
def sales_lead(company):
    """Dave leads Sales here, so someone answers for it."""
    org.set_membership(company.sales, company.dave, Membership.Role.LEAD)
    return company.dave


@pytest.fixture
def mine(company):
    return okrs.create_objective(
        company.alice, cycle=company.quarter, title="Faster builds", owner_person=company.alice
    )


def add(api, objective, team, note="We need two of your engineers"):
    return api.post("/dependencies", {"objective": objective.pk, "team": team.pk, "note": note})


def test_the_round_trip_add_then_confirm(company, api_as, mine, sales_lead, heard):
    made = add(api_as(company.alice), mine, company.sales)
    assert made.status_code == 201, made.json_body
    assert (made.json_body["state"], made.json_body["team_name"]) == ("pending", "Sales")
    people, data = told(heard, "dependency_added")[0]
    assert people == {company.dave.pk}
    assert (data["team_id"], data["team_name"], data["note"]) == (
        company.sales.pk,
        "Sales",
        "We need two of your engineers",
    )
    confirmed = api_as(company.dave).post(f"/dependencies/{made.json_body['id']}/confirm", {})
    assert confirmed.status_code == 200, confirmed.json_body
    assert confirmed.json_body["state"] == "confirmed"
    assert told(heard, "dependency_confirmed")[0][0] == {company.alice.pk}
    assert Notification.objects.filter(recipient=company.dave, kind="dependency").exists()
    assert Notification.objects.filter(recipient=company.alice, kind="dependency").exists()


def test_declining_needs_a_reason(company, api_as, mine, sales_lead, heard):
    made = add(api_as(company.alice), mine, company.sales).json_body
    dave = api_as(company.dave)
    assert_names(dave.post(f"/dependencies/{made['id']}/decline", {"reason": ""}), "reason")
    declined = dave.post(f"/dependencies/{made['id']}/decline", {"reason": "Fully booked"})
    assert (declined.json_body["state"], declined.json_body["reason"]) == (
        "declined",
        "Fully booked",
    )
    people, data = told(heard, "dependency_declined")[0]
    assert (people, data["reason"]) == ({company.alice.pk}, "Fully booked")


def test_depending_on_its_own_team_is_refused(company, api_as):
    platform = okrs.create_objective(
        company.bob, cycle=company.quarter, title="Quiet pager", owner_team=company.platform
    )
    assert_names(add(api_as(company.bob), platform, company.platform), "team")


def test_naming_a_team_twice_is_refused(company, api_as, mine, sales_lead):
    api = api_as(company.alice)
    assert add(api, mine, company.sales).status_code == 201
    assert_names(add(api, mine, company.sales), "team")


def test_an_unknown_team_is_refused(company, api_as, mine):
    response = api_as(company.alice).post("/dependencies", {"objective": mine.pk, "team": 9999})
    assert_names(response, "team")


def test_only_a_lead_of_the_team_answers(company, api_as, mine, sales_lead):
    made = add(api_as(company.alice), mine, company.sales).json_body
    assert api_as(company.alice).post(f"/dependencies/{made['id']}/confirm").status_code == 403
    assert api_as(company.carol).post(f"/dependencies/{made['id']}/confirm").status_code == 403
    assert api_as(company.admin).post(f"/dependencies/{made['id']}/confirm").status_code == 200


def test_answering_twice_is_refused(company, api_as, mine, sales_lead):
    made = add(api_as(company.alice), mine, company.sales).json_body
    dave = api_as(company.dave)
    assert dave.post(f"/dependencies/{made['id']}/confirm").status_code == 200
    assert_names(dave.post(f"/dependencies/{made['id']}/decline", {"reason": "No"}), "state")


def test_only_those_who_may_change_the_objective_add_or_remove(company, api_as, mine, sales_lead):
    assert add(api_as(company.bob), mine, company.sales).status_code == 403
    made = add(api_as(company.alice), mine, company.sales).json_body
    assert api_as(company.dave).delete(f"/dependencies/{made['id']}").status_code == 403
    assert api_as(company.alice).delete(f"/dependencies/{made['id']}").status_code == 204
    assert not Dependency.objects.exists()


def test_a_private_objectives_dependencies_are_not_found_for_an_outsider(company, api_as):
    secret = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Secret",
        owner_person=company.alice,
        visibility="private",
    )
    made = add(api_as(company.alice), secret, company.engineering)  # Carol may see it
    assert made.status_code == 201, made.json_body
    dave = api_as(company.dave)
    assert dave.get("/dependencies").json_body["count"] == 0
    assert dave.get(f"/dependencies?objective={secret.pk}").json_body["count"] == 0
    assert dave.post(f"/dependencies/{made.json_body['id']}/confirm").status_code == 404
    assert dave.delete(f"/dependencies/{made.json_body['id']}").status_code == 404


def test_a_private_objective_cannot_ask_a_team_whose_leads_cannot_see_it(
    company, api_as, sales_lead
):
    secret = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Secret",
        owner_person=company.alice,
        visibility="private",
    )
    assert_names(add(api_as(company.alice), secret, company.sales), "team")


def test_lists_filter_by_objective_and_team_waiting_first(company, api_as, mine, sales_lead):
    api = api_as(company.alice)
    first = add(api, mine, company.sales).json_body
    second = add(api, mine, company.engineering).json_body
    api_as(company.dave).post(f"/dependencies/{first['id']}/confirm")
    listed = api.get(f"/dependencies?objective={mine.pk}").json_body["items"]
    assert [d["id"] for d in listed] == [second["id"], first["id"]]
    assert api.get(f"/dependencies?team={company.sales.pk}").json_body["count"] == 1


@pytest.mark.parametrize("size", [2, 10])
def test_the_list_runs_a_bounded_number_of_queries(
    company, api_as, size, sales_lead, django_assert_max_num_queries
):
    api = api_as(company.alice)
    for n in range(size):
        objective = okrs.create_objective(
            company.alice, cycle=company.quarter, title=f"O {n}", owner_person=company.alice
        )
        assert add(api, objective, company.sales).status_code == 201
    with django_assert_max_num_queries(10):
        assert api_as(company.dave).get("/dependencies").json_body["count"] == size


# The team page ------------------------------------------------------------------------------


def test_the_team_page_shows_what_objectives_need_of_it_waiting_first(
    company, api_as, mine, sales_lead
):
    api = api_as(company.alice)
    first = add(api, mine, company.sales, note="First ask").json_body
    other = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Second one", owner_person=company.alice
    )
    add(api, other, company.sales, note="Second ask")
    api_as(company.dave).post(f"/dependencies/{first['id']}/confirm")
    page = client_for(company.dave).get(f"/teams/{company.sales.pk}/").content.decode()
    assert "Objectives that need this team" in page
    assert page.index("Second ask") < page.index("First ask")
    assert "Confirm: we will help" in page
    member_page = client_for(company.alice).get(f"/teams/{company.sales.pk}/").content.decode()
    assert "Second ask" in member_page and "Confirm: we will help" not in member_page


def test_a_lead_confirms_and_declines_on_the_team_page(company, api_as, mine, sales_lead):
    made = add(api_as(company.alice), mine, company.sales).json_body
    dave = client_for(company.dave)
    back = f"team:{company.sales.pk}"
    refused = dave.post(f"/dependencies/{made['id']}/decline/", {"reason": "", "back": back})
    assert refused.status_code == 400
    assert "Say why" in refused.content.decode()
    done = dave.post(f"/dependencies/{made['id']}/confirm/", {"back": back})
    assert done.status_code == 302
    assert done["Location"].startswith(f"/teams/{company.sales.pk}/")
    assert Dependency.objects.get().state == "confirmed"


def test_the_team_page_runs_as_many_queries_for_ten_dependencies_as_for_two(
    company, api_as, sales_lead
):
    api = api_as(company.alice)
    client = client_for(company.dave)

    def grow_to(size):
        while Dependency.objects.count() < size:
            objective = okrs.create_objective(
                company.alice, cycle=company.quarter, title="O", owner_person=company.alice
            )
            add(api, objective, company.sales)
        client.get(f"/teams/{company.sales.pk}/")  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/teams/{company.sales.pk}/").status_code == 200
        return len(queries)

    assert grow_to(2) == grow_to(10)


def test_an_objective_page_adds_and_lists_dependencies(company, mine, sales_lead):
    alice = client_for(company.alice)
    form = alice.get(f"/objectives/{mine.pk}/dependencies/new/").content.decode()
    assert "Sales" in form
    refused = alice.post(f"/objectives/{mine.pk}/dependencies/new/", {"team": ""})
    assert refused.status_code == 400
    done = alice.post(
        f"/objectives/{mine.pk}/dependencies/new/", {"team": company.sales.pk, "note": "Help"}
    )
    assert done.status_code == 302
    page = alice.get(f"/objectives/{mine.pk}/").content.decode()
    assert "Needs the help of Sales" in page
