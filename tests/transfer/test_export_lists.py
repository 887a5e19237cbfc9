"""A list page's current filter as CSV: explore, people and the KPI boards give exactly the
rows the page lists under its query string, every page of it, and only what the reader may
see."""

import csv
import html
import io
import re

import pytest

from stretch.kpis import services as kpis
from stretch.okrs import explore
from stretch.okrs import services as okrs
from stretch.okrs.models import KeyResult
from stretch.org import services as org
from tests.helpers import client_for
from tests.transfer.test_export_okrs import HEADER, body, build


@pytest.fixture
def known(company):
    return build(company)


def csv_rows(user, url: str) -> list[dict[str, str]]:
    response = client_for(user).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))


def page_of(user, url: str) -> str:
    response = client_for(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


# Explore ---------------------------------------------------------------------------------------


def test_explore_csv_has_only_the_filtered_objectives(known, company):
    query = f"?cycle={company.quarter.pk}&kind=aspirational"
    rows = csv_rows(company.alice, f"/explore/export.csv{query}")
    assert {r["objective"] for r in rows} == {"Ship the scheduler"}
    assert [r["key_result"] for r in rows] == ["Jobs run on time", "Write the runbook"]


def test_explore_csv_is_in_the_shared_format(known, company):
    response = client_for(company.alice).get(f"/explore/export.csv?cycle={company.quarter.pk}")
    assert body(response).decode("utf-8-sig").splitlines()[0].split(",") == HEADER


def test_explore_csv_follows_the_search_and_the_health(known, company):
    rows = csv_rows(company.alice, f"/explore/export.csv?cycle={company.quarter.pk}&q=secret")
    assert {r["objective"] for r in rows} == {"Secret plan"}
    # Half the quarter is gone: "Faster builds" (0.375, its child's), "Secret plan" (1 of 3)
    # and dave's are at risk; nothing is on track, so the health filter leaves "Ship the
    # scheduler" out only once it is finished.
    KeyResult.objects.filter(pk=known.runbook.pk).update(current=1)
    KeyResult.objects.filter(pk=known.jobs.pk).update(current=10)
    for health, expected in (
        ("on_track", {"Ship the scheduler", "Faster builds"}),
        ("at_risk", {"Secret plan", '\'=HYPERLINK("http://x")'}),
        ("off_track", set()),
    ):
        query = f"?cycle={company.quarter.pk}&health={health}"
        page = page_of(company.alice, f"/explore/{query}")
        rows = csv_rows(company.alice, f"/explore/export.csv{query}")
        assert {r["objective"] for r in rows} == expected
        shown = set(re.findall(r'<h3><a href="/objectives/\d+/">([^<]+)</a></h3>', page))
        assert {html.unescape(t) for t in shown} == {t.removeprefix("'") for t in expected}


def test_explore_csv_leaves_out_a_private_objective_for_an_outsider(known, company):
    rows = csv_rows(company.dave, f"/explore/export.csv?cycle={company.quarter.pk}&q=secret")
    assert rows == []


def test_explore_csv_holds_every_page(known, company, monkeypatch):
    monkeypatch.setattr(explore, "PAGE_SIZE", 2)
    page = page_of(company.alice, f"/explore/?cycle={company.quarter.pk}")
    assert "Page 1 of 2" in page
    rows = csv_rows(company.alice, f"/explore/export.csv?cycle={company.quarter.pk}&page=1")
    assert {r["objective"] for r in rows} == {
        "Faster builds",
        "Ship the scheduler",
        "Secret plan",
        '\'=HYPERLINK("http://x")',
    }


def test_explore_links_its_csv_with_its_filters(known, company):
    page = page_of(company.alice, f"/explore/?cycle={company.quarter.pk}&kind=aspirational&page=1")
    assert f'href="/explore/export.csv?cycle={company.quarter.pk}&amp;kind=aspirational"' in page


# People ----------------------------------------------------------------------------------------


def test_people_csv_lists_the_filtered_people_with_their_objectives(known, company):
    query = f"?team={company.platform.pk}&cycle={company.quarter.pk}"
    rows = csv_rows(company.dave, f"/people/export.csv{query}")
    assert [r["username"] for r in rows] == ["alice", "bob"]
    alice = rows[0]
    assert alice == alice | {
        "name": "Alice",
        "teams": "Platform",
        "manager": "Bob",
        "cycle": "Quarter",
        "objectives": "1",  # dave may not see her secret plan
        "progress": "0.375",
    }
    assert rows[1]["teams"] == "Platform (lead)"
    assert rows[1]["objectives"] == "0" and rows[1]["progress"] == ""
    own = csv_rows(company.alice, f"/people/export.csv{query}")
    assert own[0]["objectives"] == "2"


def test_people_csv_follows_the_search(known, company):
    rows = csv_rows(company.alice, "/people/export.csv?q=car")
    assert [r["username"] for r in rows] == ["carol"]


def test_people_csv_holds_every_page(known, company, monkeypatch):
    from stretch.org import views

    monkeypatch.setattr(views, "PEOPLE_PER_PAGE", 2)
    assert "Page 1 of 3" in page_of(company.alice, "/people/")
    rows = csv_rows(company.alice, "/people/export.csv?page=2")
    assert len(rows) == 6


def test_people_page_links_its_csv(known, company):
    page = page_of(company.alice, f"/people/?q=a&team={company.platform.pk}")
    assert f'href="/people/export.csv?q=a&amp;team={company.platform.pk}"' in page


def test_people_csv_makes_a_name_that_starts_a_formula_safe(known, company):
    org.create_person("eve", display_name="=1+1")
    assert csv_rows(company.alice, "/people/export.csv?q=eve")[0]["name"] == "'=1+1"


# KPI boards ------------------------------------------------------------------------------------


@pytest.fixture
def board(known, company):
    latency = kpis.create_kpi(
        company.bob,
        team=company.platform,
        name="Latency",
        unit="ms",
        band="below",
        green=200,
        red=400,
    )
    kpis.add_measurement(company.bob, latency, value=150, date=known.scheduler.cycle.start)
    kpis.create_kpi(
        company.admin, team=company.sales, name="Deals", unit="", band="above", green=10, red=5
    )
    return latency


def test_kpi_csv_lists_the_board_in_its_order(board, company):
    rows = csv_rows(company.dave, "/kpis/export.csv")
    assert [(r["kpi"], r["team"], r["health"]) for r in rows] == [
        ("Uptime", "Platform", "yellow"),
        ("Latency", "Platform", "green"),
        ("Deals", "Sales", "none"),
    ]
    latency = rows[1]
    assert (latency["latest"], latency["unit"], latency["cadence"]) == ("150", "ms", "weekly")
    assert latency["band"] == "Green at or below 200 ms, red above 400 ms"


def test_kpi_csv_follows_the_health_and_team_filters(board, company):
    rows = csv_rows(company.dave, "/kpis/export.csv?health=green")
    assert [r["kpi"] for r in rows] == ["Latency"]
    rows = csv_rows(company.dave, f"/kpis/export.csv?team={company.sales.pk}")
    assert [r["kpi"] for r in rows] == ["Deals"]
    rows = csv_rows(company.dave, f"/teams/{company.platform.pk}/kpis/export.csv?health=yellow")
    assert [r["kpi"] for r in rows] == ["Uptime"]


def test_kpi_boards_link_their_csv(board, company):
    assert 'href="/kpis/export.csv?health=red"' in page_of(company.dave, "/kpis/?health=red")
    team_page = page_of(company.dave, f"/teams/{company.platform.pk}/kpis/")
    assert f'href="/teams/{company.platform.pk}/kpis/export.csv"' in team_page


def test_kpi_csv_of_an_unknown_team_is_a_404(board, company):
    assert client_for(company.dave).get("/teams/99999/kpis/export.csv").status_code == 404


def test_list_csvs_need_a_signed_in_person(known, company):
    from django.test import Client

    for url in ("/explore/export.csv", "/people/export.csv", "/kpis/export.csv"):
        assert Client().get(url).status_code == 302


def test_list_csv_queries_do_not_grow_with_the_rows(known, company, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.transfer.test_export_okrs import more_objectives

    urls = ["/explore/export.csv", "/people/export.csv", "/kpis/export.csv"]
    client = client_for(company.dave)
    small = {}
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            body(client.get(url))
        small[url] = len(captured)
    more_objectives(company, 8)
    for i in range(5):
        org.create_person(f"extra{i}", display_name=f"Extra {i}")
        okrs.create_objective(
            company.admin, cycle=company.quarter, title="x", owner_team=company.sales
        )
    for url in urls:
        with django_assert_max_num_queries(small[url]):
            body(client.get(url))
