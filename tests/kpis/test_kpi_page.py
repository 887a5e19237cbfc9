"""One KPI's page: the band in words, the chart against it, the history, the measurement
and upload forms, and the recovery form once the KPI has been red twice in a row.

The personas are those of tests/kpis/test_pages.py; `uptime` is Platform's KPI, owned by
Bob, who leads Platform.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stretch.kpis import services
from stretch.kpis.models import Measurement
from stretch.okrs.models import KeyResult, Objective
from tests.helpers import client_for
from tests.kpis.test_pages import bobs_uptime, days_ago, measure, today


@pytest.fixture
def uptime(company):
    return bobs_uptime(company)


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
