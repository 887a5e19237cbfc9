"""The activity feed (API and pages) and following, with the visibility rules."""

from datetime import date

import pytest
from django.test import Client

from stretch.okrs import services as okrs
from stretch.okrs.models import Objective
from stretch.social.models import Follow

from .conftest import check_in


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def texts(answer):
    return [item["text"] for item in answer["items"]]


def test_the_company_feed_shows_new_objectives_and_check_ins_newest_first(company, q4, kr, api_as):
    check_in(company.alice, kr, 20, date(2026, 10, 2), confidence=7, note="Half way to 40")
    answer = api_as(company.dave).get("/feed").json_body
    assert texts(answer) == [
        "Alice checked in on “Jobs migrated”: 20 · confidence 7/10",
        "Alice created the objective “Ship the scheduler”",
    ]
    item = answer["items"][0]
    assert item["verb"] == "check_in"
    assert item["actor"] == {"id": company.alice.pk, "name": "Alice"}
    assert item["objective"] == {"id": kr.objective.pk, "title": "Ship the scheduler"}
    assert item["key_result"] == {"id": kr.pk, "title": "Jobs migrated"}
    assert item["url"] == f"/objectives/{kr.objective.pk}/#kr-{kr.pk}"
    assert item["data"]["value"] == 20


def test_what_happens_to_a_private_objective_stays_out_of_an_outsiders_feed(
    company, q4, kr, api_as
):
    secret = okrs.create_objective(
        company.alice, cycle=q4, title="Secret plan", owner_person=company.alice,
        visibility=Objective.Visibility.PRIVATE,
    )  # fmt: skip
    hidden = okrs.create_key_result(company.alice, secret, title="Hidden", target=5)
    check_in(company.alice, hidden, 1, date(2026, 10, 2))
    for path in ("/feed", f"/feed?person={company.alice.pk}", f"/feed?team={company.platform.pk}"):
        outsider = texts(api_as(company.dave).get(path).json_body)
        assert not any("Secret" in t or "Hidden" in t for t in outsider), path
        manager = texts(api_as(company.bob).get(path).json_body)
        assert any("Hidden" in t for t in manager), path
    page = client_for(company.dave).get("/feed/").content.decode()
    assert "Ship the scheduler" in page and "Secret plan" not in page and "Hidden" not in page


def test_a_team_feed_covers_its_sub_teams_and_its_people(company, q4, kr, api_as):
    okrs.create_objective(company.dave, cycle=q4, title="Sell more", owner_person=company.dave)
    okrs.create_objective(
        company.carol, cycle=q4, title="Engineering ships", owner_team=company.engineering
    )
    engineering = texts(api_as(company.dave).get(f"/feed?team={company.engineering.pk}").json_body)
    assert engineering == [
        "Carol created the objective “Engineering ships”",
        "Alice created the objective “Ship the scheduler”",  # alice is in Platform, below
    ]
    sales = texts(api_as(company.dave).get(f"/feed?team={company.sales.pk}").json_body)
    assert sales == ["Dave created the objective “Sell more”"]


def test_a_persons_feed_and_the_verb_filter(company, q4, kr, api_as):
    check_in(company.alice, kr, 5, date(2026, 10, 2))
    okrs.create_objective(company.dave, cycle=q4, title="Sell more", owner_person=company.dave)
    api = api_as(company.bob)
    assert len(api.get(f"/feed?person={company.alice.pk}").json_body["items"]) == 2
    only = api.get("/feed?verb=check_in").json_body
    assert [i["verb"] for i in only["items"]] == ["check_in"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("team=999999", "team"), ("person=999999", "person"), ("verb=exploded", "verb")],
)
def test_the_feed_refuses_unknown_scopes_naming_the_field(company, api_as, query, field):
    response = api_as(company.alice).get(f"/feed?{query}")
    assert response.status_code in (400, 422)
    assert field in str(response.json_body)


def test_the_feed_is_paginated(company, q4, kr, api_as):
    for day in range(2, 9):
        check_in(company.alice, kr, day, date(2026, 10, day))
    answer = api_as(company.bob).get("/feed?limit=3&offset=3").json_body
    assert (answer["count"], len(answer["items"])) == (8, 3)
    assert answer["items"][0]["data"]["value"] == 5


@pytest.mark.parametrize("count", [2, 20])
def test_the_feed_runs_a_bounded_number_of_queries(
    company, q4, kr, api_as, count, django_assert_max_num_queries
):
    for n in range(count):
        check_in(company.alice, kr, n, date(2026, 10, 2))
    api = api_as(company.dave)
    with django_assert_max_num_queries(8):
        assert api.get("/feed").status_code == 200
    client = client_for(company.dave)
    with django_assert_max_num_queries(12):
        assert client.get("/feed/").status_code == 200


def test_the_feed_page_filters_and_pages(company, q4, kr):
    for day in range(2, 32):
        check_in(company.alice, kr, day, date(2026, 10, day))
    client = client_for(company.dave)
    page = client.get("/feed/").content.decode()
    assert "Company activity" in page and "Page 1 of 1" not in page and "Older" in page
    team = client.get(f"/feed/?team={company.platform.pk}&verb=objective_created")
    assert "Activity in Platform" in team.content.decode()
    assert "created the objective" in team.content.decode()
    assert "checked in" not in team.content.decode()
    assert client.get("/feed/?team=999999").status_code == 404


def test_team_and_person_pages_show_their_recent_activity(company, q4, kr):
    client = client_for(company.dave)
    team_page = client.get(f"/teams/{company.platform.pk}/").content.decode()
    assert "Recent activity" in team_page
    assert "Alice created the objective “Ship the scheduler”" in team_page
    person_page = client.get(f"/people/{company.alice.pk}/").content.decode()
    assert "Alice created the objective “Ship the scheduler”" in person_page


# Following ------------------------------------------------------------------------------


def test_follow_and_unfollow_through_the_api(company, q4, kr, api_as):
    api = api_as(company.dave)
    answer = api.post("/follows", {"objective": kr.objective.pk}).json_body
    assert answer["objective"] == {"id": kr.objective.pk, "title": "Ship the scheduler"}
    api.post("/follows", {"team": company.platform.pk})
    api.post("/follows", {"person": company.alice.pk})
    assert api.get("/follows").json_body["count"] == 3
    api.post("/follows", {"team": company.platform.pk, "following": False})
    listed = api.get("/follows").json_body["items"]
    assert {(i["objective"] or i["person"] or i["team"])["id"] for i in listed} == {
        kr.objective.pk,
        company.alice.pk,
    }
    assert Follow.objects.filter(follower=company.dave).count() == 3  # one kept as "off"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "objective"),
        ({"team": 1, "person": 2}, "person"),
        ({"person": "self"}, "person"),
        ({"objective": 999999}, "objective"),
        ({"team": 999999}, "team"),
    ],
)
def test_bad_follows_are_refused_naming_the_field(company, q4, kr, api_as, body, field):
    if body.get("person") == "self":
        body = {"person": company.dave.pk}
    response = api_as(company.dave).post("/follows", body)
    assert response.status_code in (400, 422)
    assert field in str(response.json_body)


def test_a_private_objective_cannot_be_followed_by_who_may_not_see_it(company, q4, kr, api_as):
    okrs.update_objective(company.alice, kr.objective, {"visibility": "private"})
    response = api_as(company.dave).post("/follows", {"objective": kr.objective.pk})
    assert response.status_code == 400
    assert response.json_body["detail"] == f"objective: No objective with id {kr.objective.pk}."


def test_the_follow_button_on_the_objective_page(company, q4, kr):
    client = client_for(company.dave)
    url = f"/objectives/{kr.objective.pk}/"
    assert ">Follow</button>" in client.get(url).content.decode()
    response = client.post("/follow/", {"objective": kr.objective.pk, "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert "Following ✓" in client.get(url).content.decode()
    owner_page = client_for(company.alice).get(url).content.decode()
    assert "as an owner or aligned owner" in owner_page
    htmx = client.post(
        "/follow/", {"objective": kr.objective.pk, "following": "0"}, headers={"HX-Request": "true"}
    )
    assert ">Follow</button>" in htmx.content.decode()
    assert client.post("/follow/", {}).status_code == 400


def test_the_following_feed_holds_what_i_own_belong_to_or_follow(company, q4, kr, api_as):
    okrs.create_objective(company.dave, cycle=q4, title="Sell more", owner_person=company.dave)
    okrs.create_objective(company.carol, cycle=q4, title="Hire", owner_team=company.engineering)
    api = api_as(company.bob)  # leads Platform (alice's team); follows dave
    api.post("/follows", {"person": company.dave.pk})
    assert texts(api.get("/feed?following=true").json_body) == [
        "Dave created the objective “Sell more”",
        "Alice created the objective “Ship the scheduler”",
    ]
    page = client_for(company.bob).get("/feed/?following=1").content.decode()
    assert "Sell more" in page and "Hire" not in page


def test_an_alignment_request_to_a_private_objective_stays_out_of_an_outsiders_feed(
    company, q4, kr, api_as
):
    from stretch.social import events

    secret = okrs.create_objective(
        company.bob, cycle=q4, title="Secret platform thing", owner_team=company.platform,
        visibility=Objective.Visibility.PRIVATE,
    )  # fmt: skip
    events.record(
        events.Verb.ALIGNMENT_REQUESTED, company.alice, objective=kr.objective,
        data={"target_id": secret.pk, "target_title": secret.title}, recipients=[company.bob],
    )  # fmt: skip
    assert not any("Secret" in t for t in texts(api_as(company.dave).get("/feed").json_body))
    assert any("Secret" in t for t in texts(api_as(company.bob).get("/feed").json_body))


def test_the_feed_api_gives_a_deleted_comments_text_nowhere(company, q4, kr, api_as):
    from stretch.social import comments

    note = comments.create_comment(company.dave, objective=kr.objective, body="my password")
    comments.create_comment(company.bob, objective=kr.objective, body="ok", parent=note)
    comments.delete_comment(company.dave, note)
    assert "my password" not in str(api_as(company.carol).get("/feed").json_body)
