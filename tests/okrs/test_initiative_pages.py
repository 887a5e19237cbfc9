"""Initiatives on the pages: the list under each key result of the objective page and on
the key result page, and its forms, without JavaScript (post, then back with a message)
and with HTMX (the list alone, swapped in place).

Alice owns "Ship the scheduler"; Bob owns its key result "Jobs migrated". Carol reads it;
Dave, the outsider, finds nothing once it is private.
"""

from datetime import date, timedelta

import pytest

from stretch.okrs import initiatives
from stretch.okrs import services as okrs
from stretch.okrs.models import Initiative
from tests.helpers import client_for

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def objective(company):
    return okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )


@pytest.fixture
def kr(company, objective):
    return okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", target=200, owner=company.bob
    )


def objective_page(user, objective) -> str:
    response = client_for(user).get(f"/objectives/{objective.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def add_url(kr) -> str:
    return f"/key-results/{kr.pk}/initiatives/"


# Reading --------------------------------------------------------------------------------------


def test_the_objective_page_lists_initiatives_under_their_key_result(company, objective, kr):
    yesterday = date.today() - timedelta(days=1)
    initiatives.create(
        company.alice, kr, title="Move the cron jobs", owner=company.bob, due=yesterday,
        link="https://tracker.example/SCHED-1",
    )  # fmt: skip
    initiatives.create(company.alice, kr, title="Write the runbook", status="done")
    initiatives.create(company.alice, kr, title="Port the billing export", status="dropped")
    page = objective_page(company.carol, objective)
    section = page[page.index(f'id="initiatives-{kr.pk}"') :]
    assert page.index(f'id="kr-{kr.pk}"') < page.index(f'id="initiatives-{kr.pk}"')
    assert '<a href="https://tracker.example/SCHED-1" rel="noopener noreferrer nofollow"' in section
    assert "Bob" in section and "overdue" in section
    assert "1 of 2 initiatives done" in page  # the dropped one is not planned work any more
    assert "1 dropped" in page
    # Carol may read but not plan: no forms.
    assert "Add an initiative" not in page and 'name="status"' not in page


def test_a_key_result_without_initiatives_shows_nothing_to_a_reader(company, objective, kr):
    page = objective_page(company.carol, objective)
    assert f'id="initiatives-{kr.pk}"' not in page
    assert "initiatives done" not in page


def test_those_who_plan_the_work_get_the_forms(company, objective, kr):
    initiatives.create(company.alice, kr, title="Move the cron jobs")
    for person in (company.alice, company.bob):
        page = objective_page(person, objective)
        assert "Add an initiative" in page
        assert f'action="{add_url(kr)}"' in page
        assert 'class="autosubmit status-pill todo"' in page


def test_a_closed_objective_shows_its_initiatives_without_forms(company, objective, kr):
    initiatives.create(company.alice, kr, title="Move the cron jobs")
    okrs.update_objective(company.alice, objective, {"status": "closed"})
    page = objective_page(company.alice, objective)
    assert "Move the cron jobs" in page
    assert "Add an initiative" not in page and 'name="status"' not in page


def test_the_key_result_page_lists_them_too(company, kr):
    initiatives.create(company.alice, kr, title="Move the cron jobs", owner=company.bob)
    response = client_for(company.bob).get(f"/key-results/{kr.pk}/")
    page = response.content.decode()
    assert "Move the cron jobs" in page
    assert 'name="back" value="key-result"' in page
    assert "stretch/initiatives.css" in page


def test_an_outsider_finds_neither_the_page_nor_the_forms(company, objective, kr):
    made = initiatives.create(company.alice, kr, title="Secret work")
    okrs.update_objective(company.alice, objective, {"visibility": "private"})
    dave = client_for(company.dave)
    assert dave.get(f"/objectives/{objective.pk}/").status_code == 404
    assert dave.post(add_url(kr), {"title": "Peek"}).status_code == 404
    assert dave.post(f"/initiatives/{made.pk}/status/", {"status": "done"}).status_code == 404
    assert dave.post(f"/initiatives/{made.pk}/delete/").status_code == 404
    assert Initiative.objects.get(pk=made.pk).status == "todo"


# Adding ---------------------------------------------------------------------------------------


def test_adding_without_javascript_goes_back_to_the_objective_with_a_message(
    company, objective, kr
):
    client = client_for(company.bob)
    response = client.post(
        add_url(kr),
        {"title": "Move the cron jobs", "owner": str(company.alice.pk), "due": "2030-01-31",
         "link": "", "back": "objective"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{objective.pk}/#initiatives-{kr.pk}"
    made = Initiative.objects.get()
    assert (made.title, made.owner, made.due) == (
        "Move the cron jobs",
        company.alice,
        date(2030, 1, 31),
    )
    page = client.get(response["Location"]).content.decode()
    assert "Initiative added." in page


def test_adding_from_the_key_result_page_goes_back_there(company, kr):
    response = client_for(company.bob).post(add_url(kr), {"title": "A", "back": "key-result"})
    assert response["Location"] == f"/key-results/{kr.pk}/#initiatives-{kr.pk}"


def test_adding_with_htmx_answers_the_list_and_the_objectives_count(company, objective, kr):
    client = client_for(company.alice)
    response = client.post(
        add_url(kr), {"title": "Move the cron jobs", "back": "objective"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<section class="initiatives" id="initiatives-{kr.pk}"')
    assert "Move the cron jobs" in html
    assert 'id="initiative-count" class="initiative-count" hx-swap-oob="true"' in html
    assert "0 of 1 initiative done" in html
    assert "<html" not in html
    # No message waits for the next page: the list said it already.
    assert "Initiative added." not in client.get(f"/objectives/{objective.pk}/").content.decode()


def test_a_refused_add_with_htmx_keeps_what_was_typed_and_says_why(company, kr):
    response = client_for(company.alice).post(
        add_url(kr), {"title": "Read the plan", "link": "javascript:alert(1)"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "http:// or https://" in html
    assert 'value="Read the plan"' in html and '<details class="initiative-add" open>' in html
    assert not Initiative.objects.exists()


def test_a_refused_add_without_javascript_goes_back_with_the_reason(company, objective, kr):
    client = client_for(company.alice)
    response = client.post(add_url(kr), {"title": "", "back": "objective"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/objectives/{objective.pk}/#initiatives-{kr.pk}"
    assert "An initiative needs a title." in response.content.decode()
    assert not Initiative.objects.exists()


def test_an_unknown_owner_is_refused_naming_the_owner(company, kr):
    response = client_for(company.alice).post(
        add_url(kr), {"title": "A", "owner": "999999"}, **HTMX
    )
    assert "No person with id 999999." in response.content.decode()
    assert not Initiative.objects.exists()


def test_someone_who_may_only_read_is_refused(company, kr):
    made = initiatives.create(company.alice, kr, title="Move the cron jobs")
    carol = client_for(company.carol)
    assert carol.post(add_url(kr), {"title": "Mine"}).status_code == 403
    assert carol.post(f"/initiatives/{made.pk}/status/", {"status": "done"}).status_code == 403
    assert carol.post(f"/initiatives/{made.pk}/edit/", {"title": "Mine"}).status_code == 403
    assert carol.post(f"/initiatives/{made.pk}/delete/").status_code == 403
    assert Initiative.objects.get().title == "Move the cron jobs"


def test_the_forms_take_posts_only(company, kr):
    made = initiatives.create(company.alice, kr, title="Move the cron jobs")
    client = client_for(company.alice)
    assert client.get(add_url(kr)).status_code == 405
    assert client.get(f"/initiatives/{made.pk}/status/").status_code == 405


# Changing -------------------------------------------------------------------------------------


@pytest.fixture
def one(company, kr):
    return initiatives.create(company.alice, kr, title="Move the cron jobs")


def test_changing_the_status_without_javascript(company, objective, kr, one):
    client = client_for(company.bob)
    response = client.post(
        f"/initiatives/{one.pk}/status/", {"status": "doing", "version": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/objectives/{objective.pk}/#initiatives-{kr.pk}"
    assert "“Move the cron jobs” is now doing." in response.content.decode()
    one.refresh_from_db()
    assert (one.status, one.version) == ("doing", 2)


def test_changing_the_status_with_htmx_answers_the_fresh_list(company, kr, one):
    response = client_for(company.bob).post(
        f"/initiatives/{one.pk}/status/", {"status": "done", "version": "1", "back": "objective"},
        **HTMX,
    )  # fmt: skip
    html = response.content.decode()
    assert 'class="autosubmit status-pill done"' in html
    assert "1 of 1 initiative done" in html  # the objective's count, out of band
    assert Initiative.objects.get().status == "done"


def test_a_status_from_a_stale_page_is_refused(company, kr, one):
    initiatives.update(company.bob, one, status="doing")
    response = client_for(company.alice).post(
        f"/initiatives/{one.pk}/status/", {"status": "dropped", "version": "1"}, **HTMX
    )
    assert "changed by someone else" in response.content.decode()
    assert Initiative.objects.get().status == "doing"


def test_an_unknown_status_is_refused(company, kr, one):
    response = client_for(company.alice).post(
        f"/initiatives/{one.pk}/status/", {"status": "paused"}, **HTMX
    )
    assert "Must be one of: todo, doing, done, dropped." in response.content.decode()


def test_editing_changes_title_owner_due_and_link(company, kr, one):
    response = client_for(company.alice).post(
        f"/initiatives/{one.pk}/edit/",
        {"title": "Move all cron jobs", "owner": str(company.bob.pk), "due": "2030-02-01",
         "link": "http://wiki.example/cron", "version": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    one.refresh_from_db()
    assert (one.title, one.owner, one.due, one.link) == (
        "Move all cron jobs",
        company.bob,
        date(2030, 2, 1),
        "http://wiki.example/cron",
    )


def test_a_refused_edit_with_htmx_opens_the_form_again_with_the_reason(company, kr, one):
    response = client_for(company.alice).post(
        f"/initiatives/{one.pk}/edit/",
        {"title": "Renamed", "owner": "", "due": "someday", "link": ""},
        **HTMX,
    )
    html = response.content.decode()
    assert "Give a date, such as 2026-11-30." in html
    assert '<details class="initiative-edit" open>' in html and 'value="Renamed"' in html
    assert Initiative.objects.get().title == "Move the cron jobs"


def test_deleting_without_javascript(company, objective, kr, one):
    response = client_for(company.bob).post(f"/initiatives/{one.pk}/delete/", follow=True)
    assert "Initiative deleted." in response.content.decode()
    assert not Initiative.objects.exists()


def test_deleting_with_htmx_answers_the_list_without_it(company, kr, one):
    html = client_for(company.alice).post(f"/initiatives/{one.pk}/delete/", **HTMX).content.decode()
    assert "Move the cron jobs" not in html and f'id="initiatives-{kr.pk}"' in html


# Cost -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key_results", "each"), [(2, 1), (8, 6)])
def test_the_objective_page_runs_a_bounded_number_of_queries(
    company, objective, django_assert_max_num_queries, key_results, each
):
    for k in range(key_results):
        kr = okrs.create_key_result(
            company.alice, objective, title=f"KR {k}", target=10, owner=company.bob
        )
        okrs.check_in(company.alice, kr, value=k, confidence=7)
        for n in range(each):
            initiatives.create(company.alice, kr, title=f"I {k}.{n}", owner=company.bob)
    client = client_for(company.alice)
    client.get("/")  # the first request of a session stores its language
    # The objective page's bound (28, tests/okrs/test_pages.py) and two for initiatives: the
    # objective's initiatives with their owners, and the people the owner select offers.
    with django_assert_max_num_queries(28 + 2):
        response = client.get(f"/objectives/{objective.pk}/")
    assert response.content.decode().count('class="initiative ') == key_results * each
