"""The key result page: where it stands, its progress chart and its check-in history."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django_htmx.middleware import HtmxDetails

from stretch.okrs import key_results
from stretch.okrs import services as okrs
from stretch.okrs.forms import CheckInForm
from stretch.okrs.models import CheckIn, KeyResult
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


def days_ago(days: int) -> datetime:
    moment = datetime.combine(timezone.localdate() - timedelta(days=days), time(16, 30))
    return timezone.make_aware(moment)


def page_of(user, kr, query: str = "") -> str:
    response = client_for(user).get(f"/key-results/{kr.pk}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def chart_of(page: str) -> str:
    return re.search(r'<svg class="chart".*?</svg>', page, re.S).group(0)


def line_vertices(chart: str) -> list[tuple[float, float]]:
    path = re.search(r'<path class="actual" d="([^"]+)"', chart).group(1)
    return [(float(x), float(y)) for x, y in re.findall(r"[ML]([-\d.]+) ([-\d.]+)", path)]


def grow(company, kr, count: int) -> None:
    """`count` check-ins spread over the cycle so far, oldest first."""
    CheckIn.objects.bulk_create(
        CheckIn(
            key_result=kr,
            author=company.alice,
            value=n,
            confidence=7,
            note=f"Note {n}",
            created_at=timezone.now() - timedelta(minutes=60 * 24 * 44 * (count - n) / count),
        )
        for n in range(count)
    )


def test_the_page_shows_the_key_result_its_history_and_a_chart(company, okr):
    objective, kr = okr
    okrs.check_in(company.alice, kr, value=40, confidence=6, note="Warming up", at=days_ago(30))
    okrs.check_in(company.alice, kr, value=90, confidence=7, note="Half way there", at=days_ago(2))
    page = page_of(company.bob, kr)
    assert "<h1>Jobs migrated</h1>" in page
    assert f'href="/objectives/{objective.pk}/"' in page and "Ship the scheduler" in page
    assert "Owner: Alice" in page
    assert "90 of 200 jobs (from 0)" in page
    assert "45%" in page
    assert "Warming up" in page and "Half way there" in page
    assert page.index("Half way there") > page.index("Check-in history")
    chart = chart_of(page)
    assert 'role="img"' in chart and "<desc" in chart
    assert len(line_vertices(chart)) == 3  # the start, then one point per check-in
    assert chart.count('<circle class="dot') == 2
    assert 'class="expected"' in chart and 'class="today"' in chart
    assert "confidence 7/10 · Alice" in chart


def test_the_history_lists_the_newest_check_in_first(company, okr):
    _objective, kr = okr
    okrs.check_in(company.alice, kr, value=10, confidence=6, note="first", at=days_ago(20))
    okrs.check_in(company.alice, kr, value=20, confidence=6, note="second", at=days_ago(10))
    page = page_of(company.alice, kr)
    history = page[page.index('id="history"') :]
    assert history.index("second") < history.index("first")


def test_a_key_result_of_a_private_objective_is_not_found_by_an_outsider(company, okr):
    objective, kr = okr
    okrs.update_objective(company.alice, objective, {"visibility": "private"})
    assert client_for(company.dave).get(f"/key-results/{kr.pk}/").status_code == 404
    assert client_for(company.bob).get(f"/key-results/{kr.pk}/").status_code == 200


def test_a_missing_key_result_is_not_found(company):
    assert client_for(company.alice).get("/key-results/999999/").status_code == 404


def test_the_owner_sees_the_check_in_form_and_a_reader_does_not(company, okr):
    _objective, kr = okr
    form = f'action="/key-results/{kr.pk}/check-in/"'
    assert form in page_of(company.alice, kr)
    assert form not in page_of(company.dave, kr)


def test_a_check_in_from_the_form_on_this_page_updates_the_card(company, okr):
    _objective, kr = okr
    response = client_for(company.alice).post(
        f"/key-results/{kr.pk}/check-in/",
        {"value": "50", "confidence": "8"},
        headers={"HX-Request": "true"},
    )
    assert f'id="kr-{kr.pk}"' in response.content.decode()  # swaps the card on this page
    page = page_of(company.alice, kr)
    assert f'id="kr-{kr.pk}"' in page and "25%" in page
    assert len(line_vertices(chart_of(page))) == 2


def test_the_form_on_this_page_says_to_come_back_here(company, okr):
    _objective, kr = okr
    assert 'name="return_to" value="key-result"' in page_of(company.alice, kr)


def test_a_check_in_made_on_this_page_comes_back_to_it_with_the_chart_redrawn(company, okr):
    _objective, kr = okr
    client = client_for(company.alice)
    url = f"/key-results/{kr.pk}/check-in/"
    body = {"value": "50", "confidence": "8", "return_to": "key-result"}
    response = client.post(url, body, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == f"/key-results/{kr.pk}/"
    response = client.post(url, {**body, "value": "80"})
    assert response.status_code == 302 and response["Location"] == f"/key-results/{kr.pk}/"
    assert len(line_vertices(chart_of(page_of(company.alice, kr)))) == 3


def test_a_refused_check_in_made_on_this_page_shows_this_page_with_the_errors(company, okr):
    _objective, kr = okr
    response = client_for(company.alice).post(
        f"/key-results/{kr.pk}/check-in/",
        {"value": "50", "confidence": "12", "note": "keep me", "return_to": "key-result"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "keep me" in html and '<svg class="chart"' in html


def test_the_page_can_show_a_refused_check_in_with_its_errors(company, okr, rf):
    """For the check-in view to answer a refused check-in made on this page, without HTMX."""
    _objective, kr = okr
    form = CheckInForm({"value": "", "confidence": "12", "note": "keep me"})
    assert not form.is_valid()
    request = rf.post(f"/key-results/{kr.pk}/check-in/")
    request.user, request.htmx = company.alice, HtmxDetails(request)
    response = key_results.render_key_result(request, kr.pk, form=form, status=400)
    html = response.content.decode()
    assert response.status_code == 400
    assert "keep me" in html and "less than or equal to 10" in html
    assert '<svg class="chart"' in html


def test_the_history_shows_twenty_check_ins_a_page(company, okr):
    _objective, kr = okr
    grow(company, kr, 45)
    first = page_of(company.alice, kr)
    assert "Note 44" in first and "Note 25" in first and "Note 24" not in first
    assert "Page 1 of 3" in first and "?page=2" in first
    last = page_of(company.alice, kr, "?page=3")
    assert "Note 4<" in last and "Note 0<" in last and "Note 5<" not in last
    assert len(line_vertices(chart_of(last))) == 46  # the chart keeps every check-in


def test_paging_with_htmx_returns_only_the_history(company, okr):
    _objective, kr = okr
    grow(company, kr, 25)
    response = client_for(company.alice).get(
        f"/key-results/{kr.pk}/?page=2", headers={"HX-Request": "true", "HX-Target": "history"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card check-ins" id="history"')
    assert "Note 0<" in html and "<svg" not in html
    assert "HX-Request" in response["Vary"]


def test_a_range_key_result_draws_its_band_and_values(company, okr):
    objective, _kr = okr
    uptime = okrs.create_key_result(
        company.alice,
        objective,
        title="Uptime",
        direction=KeyResult.Direction.RANGE,
        range_low=99.9,
        range_high=100,
        unit="%",
    )
    okrs.check_in(company.alice, uptime, value=99.95, confidence=8, at=days_ago(20))
    okrs.check_in(company.alice, uptime, value=99.5, confidence=5, at=days_ago(5))
    page = page_of(company.alice, uptime)
    chart = chart_of(page)
    assert '<rect class="band"' in chart
    assert 'class="expected"' not in chart  # staying within a range has no pace
    assert len(line_vertices(chart)) == 2  # no start point: the values alone
    assert chart.count('<circle class="dot outside"') == 1
    assert "2 check-ins, 1 of them within 99.9–100 %." in chart
    y_labels = re.search(r'<g class="labels y".*?</g>', chart, re.S).group(0)
    assert ">99." in y_labels and "%<" not in y_labels  # the y axis shows values


def test_a_milestone_key_result_draws_its_steps_done_over_time(company, okr):
    objective, _kr = okr
    launch = okrs.create_key_result(
        company.alice,
        objective,
        title="Launch",
        kind=KeyResult.Kind.MILESTONE,
        steps=[{"title": "Beta", "weight": 1}, {"title": "GA", "weight": 3}],
    )
    beta, ga = launch.steps.order_by("position")
    okrs.check_in(company.alice, launch, steps=[beta.pk], confidence=8, at=days_ago(30))
    okrs.check_in(company.alice, launch, steps=[beta.pk, ga.pk], confidence=9, at=days_ago(3))
    chart = chart_of(page_of(company.alice, launch))
    vertices = line_vertices(chart)
    assert len(vertices) == 5  # start, then across and up at each check-in
    heights = sorted({y for _x, y in vertices}, reverse=True)
    assert len(heights) == 3  # 0 %, 25 %, 100 %
    assert "1 step done (25%)" in chart and "2 steps done (100%)" in chart


def test_a_key_result_without_check_ins_draws_the_pace_and_its_start(company, okr):
    _objective, kr = okr
    chart = chart_of(page_of(company.alice, kr))
    assert 'class="expected"' in chart and '<circle class="start"' in chart
    assert '<circle class="dot' not in chart and 'class="hold"' in chart


@pytest.mark.parametrize("count", [3, 200])
def test_the_page_runs_a_bounded_number_of_queries(
    company, okr, django_assert_max_num_queries, count
):
    _objective, kr = okr
    grow(company, kr, count)
    client = client_for(company.bob)
    client.get("/")  # the first request of a session stores its language
    # Session and user (2), bob's reach (4), the key result (2), its steps, the chart's
    # check-ins, the history page and bob's name in the top bar (1 each); its comments, their
    # reactions and its check-ins' comment counts (1 each).
    with django_assert_max_num_queries(16):
        response = client.get(f"/key-results/{kr.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count('<circle class="dot') == count
