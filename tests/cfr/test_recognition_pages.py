"""The recognition pages: the company and team walls with the give form, one recognition with
its comments, reactions, deleting, and the company values page."""

import pytest

from stretch.cfr import recognition
from stretch.cfr.models import Recognition
from stretch.okrs import services as okrs
from stretch.org.models import CompanyValue
from stretch.social.models import Reaction
from tests.helpers import client_for


@pytest.fixture
def ownership(company):
    return CompanyValue.objects.create(name="Ownership", description="We finish what we start")


def give(giver, receivers, message="Thanks!", **more):
    return recognition.give(giver, receivers=[p.pk for p in receivers], message=message, **more)


def test_a_recognition_given_through_the_form_is_on_the_wall(company, ownership):
    alice = client_for(company.alice)
    answer = alice.post(
        "/recognition/give/",
        {
            "receivers": [company.bob.pk, company.dave.pk],
            "message": "Fixed the **build** on a Sunday",
            "value": ownership.pk,
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/recognition/"
    page = alice.get("/recognition/").content.decode()
    assert "Recognition given. Bob, Dave will hear of it." in page
    card = page[page.index('class="card recognition"') :]
    assert "Alice" in card and "Bob" in card and "Dave" in card
    assert "<strong>build</strong>" in card and "Ownership" in card
    assert f'href="/people/{company.bob.pk}/"' in card or f"/{company.bob.pk}/" in card


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"message": "Great work"}, "Choose at least one person to recognise."),
        ({"receivers": "bob", "message": "   "}, "Say what they did that deserves recognition."),
        ({"receivers": "alice", "message": "Me, me, me"}, "You cannot recognise yourself."),
    ],
)
def test_a_refused_recognition_keeps_the_input_and_names_the_problem(company, form, problem):
    people = {"bob": company.bob.pk, "alice": company.alice.pk}
    if "receivers" in form:
        form = {**form, "receivers": people[form["receivers"]]}
    answer = client_for(company.alice).post("/recognition/give/", form)
    page = answer.content.decode()
    assert answer.status_code == 400
    assert problem in page
    assert form["message"].strip() in page  # what was typed is still there
    if form.get("receivers") == company.bob.pk:
        assert f'<option value="{company.bob.pk}" selected>' in page
    assert not Recognition.objects.exists()


def test_the_team_wall_lists_only_recognitions_of_its_people(company):
    give(company.dave, [company.alice], "Alice in Platform")  # Platform is below Engineering
    give(company.alice, [company.dave], "Dave in Sales")
    page = client_for(company.bob).get(f"/teams/{company.engineering.pk}/recognition/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Alice in Platform" in text and "Dave in Sales" not in text
    assert "Recognition in Engineering" in text
    team_page = client_for(company.bob).get(f"/teams/{company.engineering.pk}/").content.decode()
    assert f"/teams/{company.engineering.pk}/recognition/" in team_page


def test_the_detail_page_shows_comments_and_takes_a_new_one(company):
    given = give(company.alice, [company.bob], "Great review")
    carol = client_for(company.carol)
    posted = carol.post("/comments/", {"recognition": given.pk, "body": "Well deserved"})
    assert posted.status_code == 302
    assert posted["Location"].startswith(f"/recognition/{given.pk}/#comment-")
    page = carol.get(f"/recognition/{given.pk}/").content.decode()
    assert "Great review" in page and "Well deserved" in page
    assert f'name="recognition" value="{given.pk}"' in page
    wall = carol.get("/recognition/").content.decode()
    assert "1 comment<" in wall


def test_reactions_toggle_with_and_without_htmx(company):
    given = give(company.alice, [company.bob])
    carol = client_for(company.carol)
    plain = carol.post(
        f"/recognition/{given.pk}/react/", {"emoji": "🎉", "next": "/recognition/?cycle=all"}
    )
    assert plain.status_code == 302
    assert plain["Location"] == f"/recognition/?cycle=all#recognition-{given.pk}"
    assert Reaction.objects.filter(recognition=given, person=company.carol, emoji="🎉").exists()
    swapped = carol.post(
        f"/recognition/{given.pk}/react/", {"emoji": "👍"}, headers={"HX-Request": "true"}
    )
    bar = swapped.content.decode()
    assert swapped.status_code == 200 and bar.startswith("<form")
    assert f'id="reactions-{given.pk}"' in bar and "<html" not in bar
    assert '<span class="count">1</span>' in bar and 'aria-pressed="true"' in bar
    undone = carol.post(
        f"/recognition/{given.pk}/react/", {"emoji": "🎉"}, headers={"HX-Request": "true"}
    )
    assert "🎉 <span" not in undone.content.decode()
    assert list(Reaction.objects.filter(recognition=given).values_list("emoji", flat=True)) == [
        "👍"
    ]
    assert carol.post(f"/recognition/{given.pk}/react/", {"emoji": "💩"}).status_code == 400


def test_only_the_giver_or_an_administrator_may_delete(company):
    first, second = give(company.alice, [company.bob]), give(company.alice, [company.bob])
    assert client_for(company.bob).post(f"/recognition/{first.pk}/delete/").status_code == 403
    bob_page = client_for(company.bob).get("/recognition/").content.decode()
    assert "Delete this recognition" not in bob_page
    assert (
        "Delete this recognition" in client_for(company.alice).get("/recognition/").content.decode()
    )
    gone = client_for(company.alice).post(
        f"/recognition/{first.pk}/delete/", {"next": f"/recognition/{first.pk}/"}
    )
    assert gone.status_code == 302 and gone["Location"] == "/recognition/"
    assert client_for(company.admin).post(f"/recognition/{second.pk}/delete/").status_code == 302
    assert not Recognition.objects.exists()


def test_an_administrator_adds_renames_archives_and_deletes_values(company, ownership):
    admin = client_for(company.admin)
    added = admin.post("/values/", {"name": "Candour", "description": "Say it kindly"})
    assert added.status_code == 302
    candour = CompanyValue.objects.get(name="Candour")
    clash = admin.post("/values/", {"name": "ownership"})
    assert clash.status_code == 400 and "already" in clash.content.decode()
    renamed = admin.post(f"/values/{candour.pk}/", {"action": "save", "name": "Candor"})
    assert renamed.status_code == 302
    admin.post(f"/values/{candour.pk}/", {"action": "up"})
    assert list(CompanyValue.objects.values_list("name", flat=True)) == ["Candor", "Ownership"]
    admin.post(f"/values/{candour.pk}/", {"action": "archive"})
    candour.refresh_from_db()
    assert candour.name == "Candor" and candour.archived
    give(company.alice, [company.bob], value=ownership.pk)
    kept = admin.post(f"/values/{ownership.pk}/", {"action": "delete"}, follow=True)
    assert "archived instead of deleted" in kept.content.decode()
    assert CompanyValue.objects.get(pk=ownership.pk).archived
    page = admin.get("/values/").content.decode()
    assert "named by 1 recognition" in page and "Bring back" in page
    admin.post(f"/values/{candour.pk}/", {"action": "delete"})
    assert not CompanyValue.objects.filter(pk=candour.pk).exists()


def test_a_member_reads_the_values_but_may_not_change_them(company, ownership):
    alice = client_for(company.alice)
    page = alice.get("/values/")
    assert page.status_code == 200 and "We finish what we start" in page.content.decode()
    assert "Add a value" not in page.content.decode()
    assert alice.post("/values/", {"name": "Mine"}).status_code == 403
    assert alice.post(f"/values/{ownership.pk}/", {"action": "archive"}).status_code == 403
    assert not CompanyValue.objects.get(pk=ownership.pk).archived


def test_a_linked_objective_made_private_is_named_only_to_those_who_may_see_it(company):
    goal = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Secret launch", owner_person=company.alice
    )
    give(company.bob, [company.alice], "Great launch", objective=goal.pk)
    goal.visibility = "private"
    goal.save()
    assert "Secret launch" in client_for(company.alice).get("/recognition/").content.decode()
    dave_page = client_for(company.dave).get("/recognition/").content.decode()
    assert "Great launch" in dave_page and "Secret launch" not in dave_page


def test_the_person_page_says_how_often_they_were_recognised(company):
    give(company.alice, [company.bob])
    give(company.carol, [company.bob])
    page = client_for(company.dave).get(f"/people/{company.bob.pk}/").content.decode()
    assert "Recognised 2 times this cycle" in page
    assert f"/recognition/?person={company.bob.pk}" in page
    wall = client_for(company.dave).get(f"/recognition/?person={company.bob.pk}")
    assert "Recognition of Bob" in wall.content.decode()


def test_the_wall_filters_by_value_and_counts_the_cycle(company, ownership):
    give(company.alice, [company.bob], "With a value", value=ownership.pk)
    give(company.dave, [company.bob, company.carol], "Without a value")
    page = client_for(company.alice).get("/recognition/").content.decode()
    counts = page[page.index("recognition-counts") :]
    assert "2 recognitions" in counts and "from 2 people" in counts
    assert "Ownership" in counts
    filtered = client_for(company.alice).get(f"/recognition/?value={ownership.pk}")
    assert "With a value" in filtered.content.decode()
    assert "Without a value" not in filtered.content.decode()


def test_the_wall_runs_a_bounded_number_of_queries(
    company, ownership, django_assert_max_num_queries
):
    goal = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Launch", owner_person=company.alice
    )
    people = [company.bob, company.carol, company.dave, company.ceo]
    for n in range(30):
        given = give(company.alice, people[: 1 + n % 4], f"Thanks {n}", value=ownership.pk,
                     objective=goal.pk)  # fmt: skip
        recognition.react(company.bob, given, "🎉")
    client = client_for(company.ceo)
    client.get("/recognition/")  # the session and caches warm up
    with django_assert_max_num_queries(30):
        page = client.get("/recognition/")
    assert page.status_code == 200 and "Thanks 29" in page.content.decode()
    assert "Page 1 of 2" in page.content.decode()
    # A team's wall also finds the team and walks the teams below it, a query per level.
    with django_assert_max_num_queries(36):
        assert client.get(f"/teams/{company.root.pk}/recognition/?page=2").status_code == 200


def test_in_a_big_company_the_form_lists_my_circle_and_takes_anyone_else_by_name(
    company, monkeypatch
):
    from stretch.cfr import recognition_views

    monkeypatch.setattr(recognition_views, "PEOPLE_LISTED", 3)
    alice = client_for(company.alice)  # in Platform with Bob (her manager and lead)
    page = alice.get("/recognition/").content.decode()
    form = page[
        page.index('id="id_receivers"') : page.index("</select>", page.index("id_receivers"))
    ]
    assert f'value="{company.bob.pk}"' in form
    assert f'value="{company.ceo.pk}"' not in form  # not in her circle: by @name instead
    assert 'name="others"' in page and "anyone else by @name" in page

    answer = alice.post(
        "/recognition/give/",
        {"receivers": [company.bob.pk], "others": "@ceo and @Dave", "message": "Thanks, all"},
    )
    assert answer.status_code == 302
    given = Recognition.objects.get()
    assert set(given.receivers.all()) == {company.bob, company.ceo, company.dave}

    refused = alice.post("/recognition/give/", {"others": "@nobody", "message": "Hello?"})
    assert refused.status_code == 400
    assert "No one is called @nobody." in refused.content.decode()
    assert "Hello?" in refused.content.decode() and Recognition.objects.count() == 1
