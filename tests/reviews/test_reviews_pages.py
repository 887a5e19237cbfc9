"""The reviews on the objective page and the team review page: read, write with and
without JavaScript, the diagnosis in plain words, and a bounded number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stretch.okrs.models import Objective
from stretch.reviews import services
from stretch.reviews.models import Review
from tests.helpers import client_for
from tests.reviews.test_reviews_helpers import (
    IN_GRADING,
    at,
    check_in_weeks,
    make_cycles,
    objective_with_key_results,
    set_phase,
    week_day,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def q1(company):
    company.q1, company.q2, company.y2026 = make_cycles(company.admin)
    company.objective, (company.kr,) = objective_with_key_results(company.alice, company.q1)
    return company


def page_of(user, objective):
    return client_for(user).get(f"/objectives/{objective.pk}/").content.decode()


def section(page: str) -> str:
    start = page.index('<section class="reviews"')
    return page[start : page.index('aria-labelledby="timeline-heading"', start)]


def answers(kind="mid", **texts):
    return {"went_well": "", "went_badly": "", "learned": "", "change_next": "", **texts}


# The objective page --------------------------------------------------------------------------


def test_the_owner_gets_the_mid_review_form_while_the_cycle_is_active(q1):
    with at(week_day(6)):
        page = section(page_of(q1.alice, q1.objective))
    assert f'action="/objectives/{q1.objective.pk}/reviews/mid/"' in page
    assert f'hx-post="/objectives/{q1.objective.pk}/reviews/mid/"' in page
    assert "What went well" in page and "What did not" in page
    assert "What we learned" in page and "What we change" in page
    assert "/reviews/final/" not in page  # not before grading
    assert "The end-of-cycle review opens when Q1 2026 is being graded." in page
    assert "style=" not in page and "<script" not in page and " on" + "click" not in page


def test_a_reader_who_may_not_write_sees_the_reviews_without_forms(q1):
    with at(week_day(6)):
        services.write_review(
            q1.alice, objective=q1.objective, cycle=q1.q1, kind="mid", learned="Ship smaller"
        )
        page = section(page_of(q1.dave, q1.objective))
    assert "Ship smaller" in page and "Written by Alice" in page
    assert "<form" not in page
    assert "Not written yet." in page  # the final one


def test_submitting_without_javascript_comes_back_to_the_objective(q1):
    client = client_for(q1.alice)
    with at(week_day(6)):
        answer = client.post(
            f"/objectives/{q1.objective.pk}/reviews/mid/",
            answers(went_well="Weekly demos", change_next="Fewer meetings"),
        )
        assert answer.status_code == 302
        assert answer["Location"] == f"/objectives/{q1.objective.pk}/#review-objective-mid"
        page = section(client.get(answer["Location"]).content.decode())
    assert "Weekly demos" in page and "Fewer meetings" in page
    assert "Edit this review" in page
    assert Review.objects.get().author == q1.alice


def test_submitting_with_htmx_swaps_in_the_saved_review(q1):
    with at(week_day(6)):
        answer = client_for(q1.alice).post(
            f"/objectives/{q1.objective.pk}/reviews/mid/",
            answers(learned="Automate the release"),
            headers=HTMX,
        )
    body = answer.content.decode()
    assert answer.status_code == 200
    assert body.startswith('<section class="card review mid" id="review-objective-mid"')
    assert "<html" not in body
    assert "Review saved." in body and "Automate the release" in body
    assert 'name="version" value="1"' in body  # the next edit is based on this version


def test_an_empty_review_is_refused_and_nothing_is_written(q1):
    client = client_for(q1.alice)
    path = f"/objectives/{q1.objective.pk}/reviews/mid/"
    with at(week_day(6)):
        plain = client.post(path, answers(went_well="   "))
        htmx = client.post(path, answers(), headers=HTMX)
    assert plain.status_code == 400
    assert "Answer at least one question" in plain.content.decode()
    assert "<html" in plain.content.decode()  # a whole page with the form again
    assert htmx.status_code == 200 and "Answer at least one question" in htmx.content.decode()
    assert Review.objects.count() == 0


def test_a_stale_form_keeps_the_writers_text_and_says_what_happened(q1):
    client = client_for(q1.alice)
    path = f"/objectives/{q1.objective.pk}/reviews/mid/"
    with at(week_day(6)):
        client.post(path, answers(went_well="First"))
        client.post(path, answers(went_well="Second", version=1))
        stale = client.post(path, answers(went_well="Mine", version=1))
    body = stale.content.decode()
    assert stale.status_code == 409
    assert "changed by someone else" in body
    assert "Mine" in body and 'name="version" value="2"' in body
    assert Review.objects.get().went_well == "Second"


def test_someone_who_may_not_write_is_refused(q1):
    path = f"/objectives/{q1.objective.pk}/reviews/mid/"
    with at(week_day(6)):
        assert client_for(q1.dave).post(path, answers(learned="x")).status_code == 403
        assert (
            client_for(q1.alice)
            .post(f"/objectives/{q1.objective.pk}/reviews/weekly/", answers(learned="x"))
            .status_code
            == 404
        )
    assert Review.objects.count() == 0


def test_a_private_objectives_reviews_are_not_found_by_an_outsider(q1):
    Objective.objects.filter(pk=q1.objective.pk).update(visibility="private")
    with at(week_day(6)):
        services.write_review(
            q1.alice, objective=q1.objective, cycle=q1.q1, kind="mid", learned="Secret plan"
        )
        dave = client_for(q1.dave)
        assert dave.get(f"/objectives/{q1.objective.pk}/").status_code == 404
        refused = dave.post(f"/objectives/{q1.objective.pk}/reviews/mid/", answers(learned="x"))
    assert refused.status_code == 404
    assert "Secret plan" not in refused.content.decode()


def test_the_final_review_shows_its_diagnosis_plainly(q1):
    check_in_weeks(q1.alice, q1.kr, [w for w in range(12) if w != 3], value=30)
    Objective.objects.filter(pk=q1.objective.pk).update(score=0.3)
    set_phase(q1.q1, "grading")
    client = client_for(q1.alice)
    with at(IN_GRADING):
        page = section(page_of(q1.alice, q1.objective))
        assert "/reviews/final/" in page and "closes with a diagnosis" in page
        assert "/reviews/mid/" not in page  # the mid review is over
        answer = client.post(
            f"/objectives/{q1.objective.pk}/reviews/final/",
            answers(went_badly="The channel did not convert"),
            headers=HTMX,
        )
    body = answer.content.decode()
    assert "Diagnosis" in body and "Look at the strategy" in body
    assert "A score of 0.3 with check-ins in 11 of 12 weeks" in body
    assert 'class="diagnosis strategy"' in body
    with at(IN_GRADING):
        assert "Look at the strategy" in section(page_of(q1.dave, q1.objective))


# The team review page ------------------------------------------------------------------------


@pytest.fixture
def team_q1(q1):
    q1.team_objectives = [
        objective_with_key_results(q1.platform, q1.q1, actor=q1.bob, title=title)[0]
        for title in ("Faster builds", "Fewer pages")
    ]
    q1.hidden = objective_with_key_results(
        q1.platform, q1.q1, actor=q1.bob, title="Reorganise on-call", visibility="private"
    )[0]
    return q1


def test_the_team_review_page_shows_the_teams_objectives_and_reviews(team_q1):
    q1 = team_q1
    Objective.objects.filter(pk=q1.team_objectives[0].pk).update(score=0.4)
    path = f"/teams/{q1.platform.pk}/reviews/{q1.q1.pk}/"
    with at(week_day(6)):
        services.write_review(
            q1.bob, team=q1.platform, cycle=q1.q1, kind="mid", learned="Pairing helps"
        )
        dave = client_for(q1.dave).get(path).content.decode()
        bob = client_for(q1.bob).get(path).content.decode()
    assert "Reviews of Platform · Q1 2026" in dave
    assert "Faster builds" in dave and "Fewer pages" in dave and "0.4" in dave
    assert "Reorganise on-call" not in dave  # private to the team
    assert "Pairing helps" in dave and "<form" not in dave.split('class="reviews"')[1]
    assert "Reorganise on-call" in bob
    assert f'hx-post="/teams/{q1.platform.pk}/reviews/{q1.q1.pk}/mid/"' in bob
    assert client_for(q1.dave).get(f"/teams/{q1.platform.pk}/reviews/99999/").status_code == 404


def test_a_team_lead_writes_the_final_team_review_with_its_diagnosis(team_q1):
    q1 = team_q1
    for objective in q1.team_objectives:
        check_in_weeks(q1.bob, objective.key_results.get(), [0, 1, 2], value=10)
    set_phase(q1.q1, "grading")
    path = f"/teams/{q1.platform.pk}/reviews/{q1.q1.pk}/final/"
    with at(IN_GRADING):
        refused = client_for(q1.alice).post(path, answers(learned="x"))
        answer = client_for(q1.bob).post(path, answers(learned="Too many bets"))
        assert answer.status_code == 302
        page = client_for(q1.dave).get(answer["Location"]).content.decode()
    assert refused.status_code == 403
    assert "Look at the execution" in page
    # Read by the whole company: the private objective is neither named nor counted.
    assert "over 2 objectives" in page and "Reorganise on-call" not in page
    assert "only check-ins in 6 of 24 weeks" in page


def test_the_team_review_page_offers_to_carry_unfinished_objectives_over(team_q1):
    q1 = team_q1
    set_phase(q1.q1, "grading")
    path = f"/teams/{q1.platform.pk}/reviews/{q1.q1.pk}/"
    with at(IN_GRADING):
        bob = client_for(q1.bob)
        page = bob.get(path).content.decode()
        assert page.count("Carry over to Q2 2026") == 3
        assert "Carry over to" not in client_for(q1.dave).get(path).content.decode()
        first = q1.team_objectives[0]
        answer = bob.post(f"/objectives/{first.pk}/carry-over/", {"cycle": q1.q2.pk, "back": path})
        assert answer.status_code == 302
        again = bob.post(f"/objectives/{first.pk}/carry-over/", {"cycle": q1.q2.pk, "back": path})
        assert again["Location"] == path  # refused, back to the page with the reason
        page = bob.get(path).content.decode()
    assert page.count("Carry over to Q2 2026") == 2
    assert "carried over into Q2 2026 already" in page
    assert "Carried over to" in page


# Bounded queries -----------------------------------------------------------------------------


def _objective_page_queries(company, key_results: int) -> int:
    objective, krs = objective_with_key_results(
        company.alice, company.q1, *[{"title": f"KR {n}"} for n in range(key_results)]
    )
    for kr in krs:
        check_in_weeks(company.alice, kr, [0, 1], value=5)
    set_phase(company.q1, "grading")
    with at(IN_GRADING):
        services.write_review(
            company.alice, objective=objective, cycle=company.q1, kind="final", learned="x"
        )
        client = client_for(company.alice)
        client.get(f"/objectives/{objective.pk}/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/objectives/{objective.pk}/").status_code == 200
    return len(queries)


def test_the_objective_page_with_reviews_runs_the_same_queries_at_any_size(company):
    company.q1, company.q2, company.y2026 = make_cycles(company.admin)
    small = _objective_page_queries(company, 1)
    set_phase(company.q1, "active")
    large = _objective_page_queries(company, 6)
    assert small == large


@pytest.mark.parametrize("count", [2, 8])
def test_the_team_review_page_runs_a_bounded_number_of_queries(
    q1, count, django_assert_max_num_queries
):
    for n in range(count):
        _objective, (kr,) = objective_with_key_results(
            q1.platform, q1.q1, actor=q1.bob, title=f"Team objective {n}"
        )
        check_in_weeks(q1.bob, kr, [0], value=5)
    set_phase(q1.q1, "grading")
    with at(IN_GRADING):
        services.write_review(q1.bob, team=q1.platform, cycle=q1.q1, kind="final", learned="x")
        client = client_for(q1.bob)
        client.get(f"/teams/{q1.platform.pk}/reviews/{q1.q1.pk}/")
        with django_assert_max_num_queries(17):
            page = client.get(f"/teams/{q1.platform.pk}/reviews/{q1.q1.pk}/").content.decode()
    assert len(re.findall(r"Team objective \d", page)) >= count
