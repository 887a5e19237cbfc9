"""The KPI boards (the company's and a team's), adding and changing a KPI, and the links to
the boards from elsewhere; one KPI's page is tests/kpis/test_kpi_page.py.

Bob leads Platform (he looks after its KPIs); Alice is a member there (she reads them);
Dave, in Sales, reads them too: KPIs are public inside the company.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from stretch.kpis import services
from stretch.kpis.models import Kpi, Measurement
from stretch.okrs import services as okrs
from tests.helpers import client_for


def today():
    return timezone.localdate()


def days_ago(n: int):
    return today() - timedelta(days=n)


def bobs_uptime(company):
    """Platform's uptime, owned by Bob: green at or above 99.5 %, red below 99 %."""
    return services.create_kpi(
        company.bob,
        team=company.platform,
        name="Uptime",
        band="above",
        unit="%",
        owner=company.bob,
        green=99.5,
        red=99.0,
    )


@pytest.fixture
def uptime(company):
    return bobs_uptime(company)


def measure(kpi, actor, *values, start=30, step=7):
    """Measurements of `values`, a week apart, the last `start - step * (n - 1)` days ago."""
    for i, value in enumerate(values):
        services.add_measurement(actor, kpi, value=value, date=days_ago(start - step * i))


def limits(**values):
    blank = dict.fromkeys(("green", "red", "green_low", "green_high", "red_low", "red_high"), "")
    return blank | {name: str(value) for name, value in values.items()}


# The boards -------------------------------------------------------------------------------


class TestBoards:
    def test_the_company_board_shows_each_kpi_with_its_health_and_trend(self, company, uptime):
        measure(uptime, company.bob, 99.8, 99.6, 98.2)
        errors = services.create_kpi(
            company.admin, team=company.sales, name="Churn", band="below", green=2, red=5
        )
        response = client_for(company.dave).get("/kpis/")
        assert response.status_code == 200
        text = response.content.decode()
        assert "Uptime" in text and "Churn" in text
        assert "98.2 %" in text
        assert 'class="pill kpi-health red">Red<' in text  # words, not colour alone
        assert "Not measured" in text  # Churn has no measurement yet
        assert text.count('<svg class="sparkline"') == 1  # Churn has no trend to draw
        assert f'href="/kpis/{errors.pk}/"' in text
        assert "Add a KPI" not in text  # Dave leads nothing

    def test_a_kpi_not_measured_within_its_cadence_is_stale(self, company, uptime):
        measure(uptime, company.bob, 99.8, start=20)
        text = client_for(company.alice).get("/kpis/").content.decode()
        assert "Stale" in text

    def test_the_team_board_shows_its_own_kpis_and_those_below(self, company, uptime):
        services.create_kpi(
            company.admin, team=company.sales, name="Churn", band="below", green=2, red=5
        )
        services.create_kpi(
            company.admin, team=company.engineering, name="Deploys", band="above", green=5, red=1
        )
        text = client_for(company.alice).get(f"/teams/{company.engineering.pk}/kpis/").content
        assert b"Uptime" in text and b"Deploys" in text and b"Churn" not in text

    def test_the_board_filters_by_team_and_by_health(self, company, uptime):
        measure(uptime, company.bob, 98)
        churn = services.create_kpi(
            company.admin, team=company.sales, name="Churn", band="below", green=2, red=5
        )
        measure(churn, company.admin, 1)
        client = client_for(company.alice)
        red = client.get("/kpis/?health=red").content.decode()
        assert "Uptime" in red and "Churn" not in red
        sales = client.get(f"/kpis/?team={company.sales.pk}").content.decode()
        assert "Churn" in sales and "Uptime" not in sales

    def test_the_board_runs_a_bounded_number_of_queries(
        self, company, django_assert_max_num_queries
    ):
        for n in range(30):
            kpi = services.create_kpi(
                company.admin,
                team=company.platform if n % 2 else company.sales,
                name=f"KPI {n}",
                band="within",
                owner=company.bob,
                red_low=10,
                green_low=20,
                green_high=30,
                red_high=40,
            )
            Measurement.objects.bulk_create(
                Measurement(kpi=kpi, value=5 + i * 2, date=days_ago(i), health="green")
                for i in range(20)
            )
        client = client_for(company.bob)
        with django_assert_max_num_queries(18):
            response = client.get("/kpis/")
        assert response.content.decode().count('<svg class="sparkline"') == 30
        with django_assert_max_num_queries(18):
            client.get(f"/teams/{company.platform.pk}/kpis/")


# Adding and changing a KPI ----------------------------------------------------------------


class TestAddKpi:
    def form(self, **changes):
        return {
            "form": "new",
            "name": "Error rate",
            "unit": "%",
            "band": "below",
            "cadence": "weekly",
            "description": "",
            **limits(green=1, red=3),
            **changes,
        }

    def test_a_lead_adds_a_kpi_from_the_team_board(self, company):
        client = client_for(company.bob)
        board = client.get(f"/teams/{company.platform.pk}/kpis/").content.decode()
        assert 'id="new-kpi"' in board and 'name="green_low"' in board  # both sets of limits
        response = client.post(
            f"/teams/{company.platform.pk}/kpis/", self.form(owner=company.alice.pk)
        )
        kpi = Kpi.objects.get(name="Error rate")
        assert response.status_code == 302 and response.url == f"/kpis/{kpi.pk}/"
        assert (kpi.team, kpi.owner, kpi.band, kpi.green, kpi.red) == (
            company.platform,
            company.alice,
            "below",
            1,
            3,
        )

    def test_an_admin_adds_one_for_any_team_from_the_company_board(self, company):
        client = client_for(company.admin)
        assert f'<option value="{company.sales.pk}"' in client.get("/kpis/").content.decode()
        response = client.post("/kpis/", self.form(team=company.sales.pk, name="Churn"))
        assert response.status_code == 302
        assert Kpi.objects.get(name="Churn").team == company.sales

    def test_a_band_in_the_wrong_order_is_refused_beside_its_field(self, company):
        response = client_for(company.bob).post(
            f"/teams/{company.platform.pk}/kpis/",
            self.form(band="above", name="Uptime", **limits(green=99, red=99.5)),
        )
        assert response.status_code == 400
        text = response.content.decode()
        assert "The red limit must not be above the green one." in text
        assert (
            'id="new-red" name="red" inputmode="decimal" value="99.5" aria-invalid="true"' in text
        )
        assert 'value="Uptime"' in text  # what was typed comes back
        assert not Kpi.objects.exists()

    def test_a_limit_that_is_not_a_number_is_refused(self, company):
        response = client_for(company.bob).post(
            f"/teams/{company.platform.pk}/kpis/", self.form(green="lots")
        )
        assert response.status_code == 400
        assert "Enter a number." in response.content.decode()

    def test_a_member_sees_no_form_and_may_not_post_one(self, company):
        client = client_for(company.alice)
        board = client.get(f"/teams/{company.platform.pk}/kpis/").content.decode()
        assert 'id="new-kpi"' not in board
        response = client.post(f"/teams/{company.platform.pk}/kpis/", self.form())
        assert response.status_code == 403
        assert not Kpi.objects.exists()

    def test_a_lead_changes_the_band_on_the_kpi_page(self, company, uptime):
        response = client_for(company.bob).post(
            f"/kpis/{uptime.pk}/edit/",
            {
                "form": "edit",
                "version": uptime.version,
                "name": "Uptime",
                "unit": "%",
                "band": "above",
                "cadence": "monthly",
                "owner": company.bob.pk,
                **limits(green=99.9, red=99.5),
            },
        )
        assert response.status_code == 302
        uptime.refresh_from_db()
        assert (uptime.green, uptime.red, uptime.cadence) == (99.9, 99.5, "monthly")

    def test_a_change_made_on_a_stale_page_is_refused(self, company, uptime):
        services.update_kpi(company.bob, uptime, name="Availability")
        client = client_for(company.bob)
        response = client.post(
            f"/kpis/{uptime.pk}/edit/",
            {"form": "edit", "version": uptime.version, "name": "Uptime", "band": "above"}
            | limits(green=99, red=98),
        )
        assert response.status_code == 302
        uptime.refresh_from_db()
        assert uptime.name == "Availability"
        assert "make your change again" in client.get(response.url).content.decode()

    def test_archiving_takes_it_off_the_board_and_back(self, company, uptime):
        client = client_for(company.bob)
        client.post(f"/kpis/{uptime.pk}/archive/", {"archived": "1"})
        board = client.get("/kpis/").content.decode()
        assert '<th scope="row" class="name"><a href="/kpis/' not in board
        assert "1 archived KPI" in board and f'href="/kpis/{uptime.pk}/">Uptime' in board
        page = client.get(f"/kpis/{uptime.pk}/").content.decode()
        assert "archived" in page and 'id="measure"' not in page
        client.post(f"/kpis/{uptime.pk}/archive/", {"archived": "0"})
        assert "archived KPI" not in client.get("/kpis/").content.decode()


# Links from elsewhere ---------------------------------------------------------------------


def test_the_team_page_and_the_menu_link_to_the_kpi_boards(company):
    text = client_for(company.alice).get(f"/teams/{company.platform.pk}/").content.decode()
    assert f'href="/teams/{company.platform.pk}/kpis/"' in text
    assert 'href="/kpis/"' in text


def test_the_company_page_links_to_the_company_board(company):
    text = client_for(company.alice).get("/company/").content.decode()
    assert '<a href="/kpis/">The KPI board</a>' in text


def test_a_key_result_following_a_kpi_says_so(company, uptime):
    objective = okrs.create_objective(
        company.bob, cycle=company.quarter, title="Stay up", owner_person=company.bob
    )
    kr = okrs.create_key_result(
        company.bob, objective, title="Uptime at 99.9", start=99, target=99.9, kpi=uptime
    )
    text = client_for(company.alice).get(f"/key-results/{kr.pk}/").content.decode()
    assert f'href="/kpis/{uptime.pk}/">Follows the KPI “Uptime”' in text
