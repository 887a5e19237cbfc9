"""The first pages: log in, My OKRs, an objective with its check-in form, the alignment tree."""

import pytest
from django.test import Client

from stretch.okrs import services as okrs
from stretch.okrs.models import KeyResult
from tests.helpers import client_for


@pytest.fixture
def okr(company):
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )
    kr = okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=200, unit="jobs"
    )
    return objective, kr


def test_a_visitor_is_sent_to_the_login_page(company):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_person_logs_in_with_username_and_password(company):
    client = Client()
    response = client.post("/login/", {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_my_okrs_lists_my_objectives_with_progress(company, okr):
    _objective, kr = okr
    okrs.check_in(company.alice, kr, value=50, confidence=8)
    page = client_for(company.alice).get("/").content.decode()
    assert "Ship the scheduler" in page
    assert "25%" in page  # 50 of 200 jobs


def test_my_okrs_leaves_out_other_peoples_objectives(company, okr):
    page = client_for(company.dave).get("/").content.decode()
    assert "Ship the scheduler" not in page


def test_the_objective_page_shows_key_results_and_history(company, okr):
    objective, kr = okr
    okrs.check_in(company.alice, kr, value=120, confidence=6, note="Half way there")
    page = client_for(company.bob).get(f"/objectives/{objective.pk}/").content.decode()
    assert "Jobs migrated" in page
    assert "Half way there" in page
    assert "60%" in page


def test_a_private_objective_is_not_found_by_an_outsider(company, okr):
    objective, _kr = okr
    okrs.update_objective(company.alice, objective, {"visibility": "private"})
    assert client_for(company.dave).get(f"/objectives/{objective.pk}/").status_code == 404
    assert client_for(company.bob).get(f"/objectives/{objective.pk}/").status_code == 200


def test_checking_in_from_the_form_updates_the_key_result(company, okr):
    _objective, kr = okr
    response = client_for(company.alice).post(
        f"/key-results/{kr.pk}/check-in/", {"value": "100", "confidence": "7", "note": "ok"}
    )
    assert response.status_code == 302
    kr.refresh_from_db()
    assert (kr.current, kr.confidence) == (100, 7)


def test_checking_in_with_htmx_returns_the_updated_card_and_objective_progress(company, okr):
    _objective, kr = okr
    response = client_for(company.alice).post(
        f"/key-results/{kr.pk}/check-in/",
        {"value": "150", "confidence": "9"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="kr-{kr.pk}"' in html
    assert 'id="objective-progress"' in html and 'hx-swap-oob="true"' in html
    assert "75%" in html
    assert "<html" not in html


def test_a_bad_check_in_keeps_the_input_and_names_the_problem(company, okr):
    _objective, kr = okr
    response = client_for(company.alice).post(
        f"/key-results/{kr.pk}/check-in/",
        {"value": "", "confidence": "12", "note": "keep me"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "keep me" in html
    assert "less than or equal to 10" in html
    kr.refresh_from_db()
    assert kr.current is None


def test_a_check_in_on_a_closed_cycle_is_refused_on_the_page(company, okr):
    _objective, kr = okr
    okrs.update_cycle(company.admin, company.quarter, {"status": "closed"})
    response = client_for(company.alice).post(
        f"/key-results/{kr.pk}/check-in/", {"value": "10", "confidence": "5"}
    )
    assert response.status_code == 400
    assert "closed" in response.content.decode()
    assert not kr.check_ins.exists()


def test_an_outsider_may_not_check_in(company, okr):
    _objective, kr = okr
    response = client_for(company.dave).post(
        f"/key-results/{kr.pk}/check-in/", {"value": "10", "confidence": "5"}
    )
    assert response.status_code == 403
    assert not kr.check_ins.exists()


def test_milestone_steps_are_ticked_on_the_form(company, okr):
    objective, _kr = okr
    milestone = okrs.create_key_result(
        company.alice,
        objective,
        title="Launch",
        kind=KeyResult.Kind.MILESTONE,
        steps=[{"title": "Beta", "weight": 1}, {"title": "GA", "weight": 3}],
    )
    beta = milestone.steps.get(title="Beta")
    client_for(company.alice).post(
        f"/key-results/{milestone.pk}/check-in/",
        {"steps": [str(beta.pk)], "confidence": "8"},
    )
    page = client_for(company.alice).get(f"/objectives/{objective.pk}/").content.decode()
    assert "1 step done" in page
    assert "25%" in page


def test_the_alignment_page_draws_the_tree(company, okr):
    objective, _kr = okr
    company_objective = okrs.create_objective(
        company.admin,
        cycle=company.year,
        title="Be reliable",
        owner_team=company.root,
        pillar=company.pillar,
    )
    okrs.update_objective(company.alice, objective, {"parent": company_objective})
    response = client_for(company.dave).get(f"/alignment/?cycle={company.year.pk}", follow=True)
    assert response.redirect_chain[0] == (f"/company/?cycle={company.year.pk}", 301)
    page = response.content.decode()
    assert "Test everything" in page  # the mission
    assert "Quality" in page  # the pillar
    assert page.index("Be reliable") < page.index("Ship the scheduler")


@pytest.mark.parametrize("path", ["/admin/auth/user/", "/admin/org/team/", "/admin/okrs/cycle/"])
def test_administrators_manage_people_teams_and_cycles_in_the_admin(company, path):
    assert client_for(company.admin).get(path).status_code == 200


def _grow(company, objectives: int) -> None:
    """Add `objectives` aligned objectives, each with two key results and a check-in."""
    parent = okrs.create_objective(
        company.admin, cycle=company.quarter, title="Root", owner_team=company.platform
    )
    for n in range(objectives):
        child = okrs.create_objective(
            company.alice,
            cycle=company.quarter,
            title=f"Child {n}",
            owner_person=company.alice,
            parent=parent,
        )
        for k in range(2):
            kr = okrs.create_key_result(company.alice, child, title=f"KR {k}", target=10)
            okrs.check_in(company.alice, kr, value=k + 1, confidence=7)


@pytest.mark.parametrize("size", [2, 12])
@pytest.mark.parametrize("path", ["/", "/objectives/{root}/", "/check-in/", "/explore/"])
def test_pages_run_a_bounded_number_of_queries(company, django_assert_max_num_queries, size, path):
    _grow(company, size)
    root = company.quarter.objectives.get(title="Root")
    client = client_for(company.alice)
    # 20, and on the objective page 3 for its comments, their reactions and check-in comment
    # counts, 2 for following it, 3 for its proposal, alignment requests and dependencies.
    with django_assert_max_num_queries(28):
        response = client.get(path.format(root=root.pk))
    assert response.status_code == 200
