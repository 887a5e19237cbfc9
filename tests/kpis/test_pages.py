"""The KPI pages: the company's and a team's board, one KPI with its chart, its history, its
measurement and upload forms, and the recovery form once it has been red twice in a row.

Bob leads Platform (he looks after its KPIs); Alice is a member there (she reads them);
Dave, in Sales, reads them too: KPIs are public inside the company.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from stretch.kpis import services
from stretch.kpis.models import Kpi, Measurement
from stretch.okrs import services as okrs
from stretch.okrs.models import KeyResult, Objective
from tests.helpers import client_for


def today():
    return timezone.localdate()


def days_ago(n: int):
    return today() - timedelta(days=n)


@pytest.fixture
def uptime(company):
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


# One KPI ----------------------------------------------------------------------------------


class TestKpiPage:
    def test_it_shows_the_band_in_words_the_chart_and_the_history(self, company, uptime):
        measure(uptime, company.bob, 99.8, 99.2, 98.5)
        text = client_for(company.alice).get(f"/kpis/{uptime.pk}/").content.decode()
        assert "Green at or above 99.5 %, red below 99 %" in text
        assert '<svg class="chart"' in text and '<title id="kpi-chart-title">' in text
        assert text.count('<rect class="zone ') == 3
        assert text.count('<circle class="dot ') == 3
        assert "The chart&#x27;s data as a table" in text or "The chart's data as a table" in text
        assert text.count("<tr><td><time") >= 3  # the table fallback and the history
        assert 'id="measure"' not in text  # Alice reads; Bob looks after it
        assert "Delete the measurement" not in text

    def test_a_within_band_reads_as_a_range(self, company):
        kpi = services.create_kpi(
            company.bob,
            team=company.platform,
            name="Latency",
            band="within",
            unit="ms",
            red_low=100,
            green_low=150,
            green_high=250,
            red_high=300,
        )
        text = client_for(company.bob).get(f"/kpis/{kpi.pk}/").content.decode()
        assert "Green from 150 to 250 ms, red below 100 or above 300 ms" in text
        assert text.count('<rect class="zone ') == 5

    def test_a_lead_adds_a_measurement_dated_today_by_default(self, company, uptime):
        client = client_for(company.bob)
        page = client.get(f"/kpis/{uptime.pk}/").content.decode()
        assert f'name="date" type="date" value="{today().isoformat()}"' in page
        response = client.post(
            f"/kpis/{uptime.pk}/measurements/",
            {"form": "measure", "value": "99.1", "date": today().isoformat(), "note": "deploy"},
        )
        assert response.status_code == 302
        (made,) = uptime.measurements.all()
        assert (made.value, made.date, made.note, made.health) == (
            99.1,
            today(),
            "deploy",
            "yellow",
        )
        assert "Measured 99.1 %" in client.get(response.url).content.decode()

    def test_a_measurement_without_a_value_is_refused_beside_the_field(self, company, uptime):
        response = client_for(company.bob).post(
            f"/kpis/{uptime.pk}/measurements/", {"form": "measure", "value": "", "note": "x"}
        )
        assert response.status_code == 400
        assert "Enter the value measured." in response.content.decode()
        assert not uptime.measurements.exists()

    def test_a_second_measurement_on_a_date_is_refused(self, company, uptime):
        measure(uptime, company.bob, 99.8, start=0)
        response = client_for(company.bob).post(
            f"/kpis/{uptime.pk}/measurements/",
            {"form": "measure", "value": "99", "date": today().isoformat()},
        )
        assert response.status_code == 400
        assert "There is already a measurement on" in response.content.decode()

    def test_a_csv_upload_adds_every_line(self, company, uptime):
        data = f"date,value,note\n{days_ago(14)},99.7,\n{days_ago(7)},99.2,slow week\n{days_ago(0)},98\n"
        response = client_for(company.bob).post(
            f"/kpis/{uptime.pk}/upload/",
            {"form": "upload", "file": SimpleUploadedFile("uptime.csv", data.encode())},
        )
        assert response.status_code == 302
        assert [m.value for m in uptime.measurements.order_by("date")] == [99.7, 99.2, 98]

    def test_a_csv_upload_with_bad_lines_lists_them_all_and_adds_nothing(self, company, uptime):
        data = f"date,value\n{days_ago(14)},99.7\n{days_ago(7)},lots\nyesterday,98\n"
        response = client_for(company.bob).post(
            f"/kpis/{uptime.pk}/upload/",
            {"form": "upload", "file": SimpleUploadedFile("uptime.csv", data.encode())},
        )
        assert response.status_code == 400
        text = response.content.decode()
        assert "Nothing was imported" in text
        assert "line 3" in text and "line 4" in text and "line 2" not in text
        assert not uptime.measurements.exists()

    def test_an_upload_without_a_file_is_refused(self, company, uptime):
        response = client_for(company.bob).post(f"/kpis/{uptime.pk}/upload/", {"form": "upload"})
        assert response.status_code == 400
        assert "Choose a CSV file" in response.content.decode()

    def test_a_lead_deletes_a_measurement(self, company, uptime):
        measure(uptime, company.bob, 99.8, 98)
        newest = uptime.measurements.first()
        client = client_for(company.bob)
        assert "Delete the measurement" in client.get(f"/kpis/{uptime.pk}/").content.decode()
        response = client.post(f"/kpis/{uptime.pk}/measurements/{newest.pk}/delete/")
        assert response.status_code == 302
        uptime.refresh_from_db()
        assert (uptime.latest_value, uptime.health) == (99.8, "green")

    def test_a_member_may_not_measure_upload_or_delete(self, company, uptime):
        measure(uptime, company.bob, 99.8)
        client = client_for(company.alice)
        day = {"form": "measure", "value": "99", "date": days_ago(1).isoformat()}
        assert client.post(f"/kpis/{uptime.pk}/measurements/", day).status_code == 403
        upload = {"file": SimpleUploadedFile("a.csv", f"date,value\n{days_ago(2)},99\n".encode())}
        assert client.post(f"/kpis/{uptime.pk}/upload/", upload).status_code == 403
        one = uptime.measurements.get()
        assert client.post(f"/kpis/{uptime.pk}/measurements/{one.pk}/delete/").status_code == 403
        assert client.post(f"/kpis/{uptime.pk}/archive/").status_code == 403
        assert uptime.measurements.count() == 1

    def test_a_lead_of_a_team_above_and_the_owner_may_measure(self, company, uptime):
        services.update_kpi(company.bob, uptime, owner=company.alice)
        for who, days in ((company.carol, 3), (company.alice, 2)):
            day = {"form": "measure", "value": "99.6", "date": days_ago(days).isoformat()}
            response = client_for(who).post(f"/kpis/{uptime.pk}/measurements/", day)
            assert response.status_code == 302
        assert uptime.measurements.count() == 2

    def test_the_forms_answer_only_a_post(self, company, uptime):
        client = client_for(company.bob)
        for action in ("edit", "archive", "measurements", "upload", "recovery"):
            assert client.get(f"/kpis/{uptime.pk}/{action}/").status_code == 405

    def test_an_unknown_kpi_is_a_404(self, company):
        client = client_for(company.bob)
        assert client.get("/kpis/999/").status_code == 404
        assert client.post("/kpis/999/measurements/", {"value": "1"}).status_code == 404
        assert client.get("/teams/999/kpis/").status_code == 404

    def test_the_page_runs_a_bounded_number_of_queries(
        self, company, uptime, django_assert_max_num_queries
    ):
        Measurement.objects.bulk_create(
            Measurement(kpi=uptime, value=99 + i / 100, date=days_ago(i), health="yellow")
            for i in range(200)
        )
        client = client_for(company.bob)
        with django_assert_max_num_queries(22):
            response = client.get(f"/kpis/{uptime.pk}/")
        assert response.content.decode().count('<circle class="dot ') == 104


# Recovery ---------------------------------------------------------------------------------


class TestRecovery:
    def test_the_form_appears_only_after_two_reds_in_a_row(self, company, uptime):
        client = client_for(company.bob)
        measure(uptime, company.bob, 99.8, 98.5)
        assert (
            "Create a recovery objective" not in client.get(f"/kpis/{uptime.pk}/").content.decode()
        )
        response = client.post(
            f"/kpis/{uptime.pk}/measurements/",
            {"form": "measure", "value": "98.7", "date": today().isoformat()},
        )
        page = client.get(response.url).content.decode()
        assert "time for a recovery objective" in page
        assert "Create a recovery objective" in page
        assert "Bring “Uptime” back into its band" in page  # the draft, prefilled
        assert 'name="target" inputmode="decimal" value="99.5"' in page
        # Alice reads the panel but gets no form
        other = client_for(company.alice).get(f"/kpis/{uptime.pk}/").content.decode()
        assert 'id="recovery"' in other and "Create a recovery objective" not in other

    def test_it_creates_the_objective_with_one_key_result_following_the_kpi(self, company, uptime):
        measure(uptime, company.bob, 98.5, 98.7)
        client = client_for(company.bob)
        response = client.post(
            f"/kpis/{uptime.pk}/recovery/",
            {
                "form": "recovery",
                "title": "Get uptime back",
                "cycle": company.quarter.pk,
                "target": "99.6",
                "owner": "person",
            },
        )
        objective = Objective.objects.get(title="Get uptime back")
        assert response.status_code == 302 and response.url == f"/objectives/{objective.pk}/"
        (kr,) = objective.key_results.all()
        assert (kr.kpi, kr.target, kr.start, objective.cycle) == (
            uptime,
            99.6,
            98.7,
            company.quarter,
        )
        page = client.get(f"/kpis/{uptime.pk}/").content.decode()
        assert "Get uptime back" in page and '<svg class="progress' in page
        assert "Create a recovery objective" not in page
        assert kr.title in page  # among the key results following the KPI
        assert "recovering" in client.get("/kpis/").content.decode()

    def test_a_refused_recovery_shows_the_form_again(self, company, uptime):
        measure(uptime, company.bob, 98.5, 98.7)
        response = client_for(company.bob).post(
            f"/kpis/{uptime.pk}/recovery/",
            {"form": "recovery", "title": "Get uptime back", "target": "soon"},
        )
        assert response.status_code == 400
        assert "Enter a number." in response.content.decode()
        assert not KeyResult.objects.filter(kpi=uptime).exists()

    def test_a_lead_makes_it_for_the_team_when_someone_else_owns_the_kpi(self, company):
        kpi = services.create_kpi(
            company.bob,
            team=company.platform,
            name="Errors",
            band="below",
            owner=company.alice,
            green=1,
            red=3,
        )
        measure(kpi, company.bob, 4, 5)
        client = client_for(company.bob)
        page = client.get(f"/kpis/{kpi.pk}/").content.decode()
        assert '<input type="hidden" name="owner" value="team">' in page  # not Alice's to give
        response = client.post(
            f"/kpis/{kpi.pk}/recovery/",
            {"form": "recovery", "cycle": company.quarter.pk, "owner": "team"},
        )
        assert response.status_code == 302
        objective = Objective.objects.get()
        assert (objective.owner_team, objective.owner_person) == (company.platform, None)
        assert objective.key_results.get().direction == "decrease"

    def test_the_edit_form_keeps_an_owner_from_another_team(self, company, uptime):
        services.update_kpi(company.bob, uptime, owner=company.dave)
        page = client_for(company.bob).get(f"/kpis/{uptime.pk}/").content.decode()
        assert f'<option value="{company.dave.pk}" selected>Dave</option>' in page

    def test_a_member_may_not_create_it(self, company, uptime):
        measure(uptime, company.bob, 98.5, 98.7)
        response = client_for(company.alice).post(
            f"/kpis/{uptime.pk}/recovery/", {"form": "recovery"}
        )
        assert response.status_code == 403
        assert not Objective.objects.exists()


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
