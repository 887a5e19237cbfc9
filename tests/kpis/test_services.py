"""The KPI rules as a user meets them: bands that make sense, measurements that are numbers
on past dates, key results that follow a KPI, the red notice, recovery objectives, CSV
imports and the board."""

import math
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from stretch.errors import Conflict
from stretch.kpis import health, measuring, services
from stretch.kpis.models import Kpi, Measurement
from stretch.okrs import rollup
from stretch.okrs import services as okrs
from stretch.okrs.models import CheckIn, Cycle, KeyResult, Objective
from stretch.org.models import Profile
from stretch.social.models import Notification, NotificationPreference
from tests.kpis.conftest import days_ago


def field_of(excinfo) -> str:
    return next(iter(excinfo.value.message_dict))


def message_of(excinfo) -> str:
    return next(iter(excinfo.value.message_dict.values()))[0]


def kpi(company, **fields):
    values = {"team": company.platform, "name": "Errors", "band": "above", "green": 10, "red": 5}
    return services.create_kpi(company.bob, **{**values, **fields})


def measure(actor, kpi, value, ago=0, **extra):
    return services.add_measurement(actor, kpi, value=value, date=days_ago(ago), **extra)


def progress(key_result) -> float:
    kr = rollup.key_results_query().select_related("objective__cycle").get(pk=key_result.pk)
    return rollup.progress_of(kr)


# Bands --------------------------------------------------------------------------------------


class TestBands:
    @pytest.mark.parametrize(
        ("band", "limits", "field", "message"),
        [
            ("above", {"green": 10, "red": 20}, "red", "not be above the green"),
            ("below", {"green": 10, "red": 5}, "red", "not be below the green"),
            (
                "within",
                {"red_low": 5, "green_low": 4, "green_high": 8, "red_high": 9},
                "green_low",
                "lower green limit must not be below the lower red",
            ),
            (
                "within",
                {"red_low": 1, "green_low": 6, "green_high": 5, "red_high": 9},
                "green_high",
                "upper green limit must not be below the lower green",
            ),
            (
                "within",
                {"red_low": 1, "green_low": 2, "green_high": 8, "red_high": 7},
                "red_high",
                "upper red limit must not be below the upper green",
            ),
        ],
    )
    def test_it_refuses_limits_in_the_wrong_order(self, company, band, limits, field, message):
        with pytest.raises(ValidationError) as excinfo:
            services.create_kpi(company.bob, team=company.platform, name="X", band=band, **limits)
        assert field_of(excinfo) == field
        assert message in message_of(excinfo)
        assert not Kpi.objects.exists()

    def test_it_names_the_missing_limit(self, company):
        with pytest.raises(ValidationError) as excinfo:
            kpi(company, band="within", green=None, red=None, red_low=1, green_low=2, red_high=9)
        assert field_of(excinfo) == "green_high"
        assert "upper green" in message_of(excinfo)

    def test_it_refuses_an_unknown_band(self, company):
        with pytest.raises(ValidationError) as excinfo:
            kpi(company, band="sideways")
        assert field_of(excinfo) == "band"

    def test_it_refuses_a_limit_that_is_not_a_number(self, company):
        for bad in (math.inf, math.nan, True):
            with pytest.raises(ValidationError) as excinfo:
                kpi(company, green=bad)
            assert field_of(excinfo) == "green"

    def test_equal_limits_leave_no_yellow(self, company):
        errors = kpi(company, green=5, red=5)
        assert measure(company.bob, errors, 4.9).health == "red"
        assert measure(company.bob, errors, 5, ago=1).health == "green"

    def test_a_kpi_keeps_only_the_limits_of_its_band(self, company):
        errors = kpi(company, green_low=1, green_high=2)
        assert (errors.green_low, errors.green_high) == (None, None)


class TestDefinition:
    def test_a_name_is_required_and_unique_in_its_team(self, company, uptime):
        with pytest.raises(ValidationError) as excinfo:
            kpi(company, name="  ")
        assert field_of(excinfo) == "name"
        with pytest.raises(ValidationError) as excinfo:
            kpi(company, name="uptime")
        assert field_of(excinfo) == "name"
        assert services.create_kpi(
            company.admin, team=company.sales, name="Uptime", band="above", green=1, red=0
        )

    def test_the_owner_and_team_must_be_known(self, company):
        with pytest.raises(ValidationError) as excinfo:
            kpi(company, owner=987654)
        assert field_of(excinfo) == "owner"
        with pytest.raises(ValidationError) as excinfo:
            kpi(company, team=987654)
        assert field_of(excinfo) == "team"

    def test_leads_of_the_team_or_above_and_admins_create_kpis(self, company):
        for person in (company.bob, company.carol, company.ceo, company.admin):
            assert services.create_kpi(
                person, team=company.platform, name=f"By {person}", band="above", green=1, red=0
            )

    def test_a_plain_member_or_an_outsider_cannot_create_a_kpi(self, company):
        for person in (company.alice, company.dave):
            with pytest.raises(PermissionDenied):
                services.create_kpi(
                    person, team=company.platform, name="Mine", band="above", green=1, red=0
                )
        with pytest.raises(PermissionDenied):  # carol leads Engineering, not Sales
            services.create_kpi(
                company.carol, team=company.sales, name="Deals", band="above", green=1, red=0
            )

    def test_everyone_signed_in_reads_every_kpi(self, company, uptime):
        assert list(services.visible_kpis(company.dave)) == [uptime]
        assert services.get_kpi(company.dave, uptime.pk) == uptime
        assert not services.visible_kpis(AnonymousUser()).exists()
        with pytest.raises(Http404):
            services.get_kpi(company.dave, 987654)
        with pytest.raises(ValidationError) as excinfo:
            services.get_kpi(company.dave, 987654, field="kpi")
        assert field_of(excinfo) == "kpi"

    def test_the_owner_manages_their_kpi(self, company, uptime, latency):
        assert services.may_manage(company.alice, uptime)
        assert not services.may_manage(company.alice, latency)
        assert not services.may_manage(company.dave, uptime)
        assert services.may_manage(company.carol, uptime)

    def test_a_stale_version_is_a_conflict(self, company, uptime):
        services.update_kpi(company.alice, uptime, version=1, description="Of the API")
        with pytest.raises(Conflict):
            services.update_kpi(company.bob, uptime, version=1, name="Availability")
        assert Kpi.objects.get(pk=uptime.pk).name == "Uptime"

    def test_an_outsider_cannot_change_it(self, company, uptime):
        with pytest.raises(PermissionDenied):
            services.update_kpi(company.dave, uptime, name="Mine")
        with pytest.raises(PermissionDenied):  # nor move it to a team they do not lead
            services.update_kpi(company.alice, uptime, team=company.sales)

    def test_a_new_band_judges_the_latest_value_but_not_the_past(self, company, uptime):
        old = measure(company.alice, uptime, 99.7, ago=1)
        assert Kpi.objects.get(pk=uptime.pk).health == "yellow"
        changed = services.update_kpi(company.alice, uptime, green=99.6, red=99.0)
        assert changed.health == "green"
        assert changed.version == 2
        assert Measurement.objects.get(pk=old.pk).health == "yellow"
        with pytest.raises(ValidationError) as excinfo:
            services.update_kpi(company.alice, uptime, band="within")
        assert field_of(excinfo) == "red_low"

    def test_an_archived_kpi_leaves_the_list_and_takes_no_measurement(self, company, uptime):
        services.archive_kpi(company.bob, uptime)
        assert not services.visible_kpis(company.bob).exists()
        assert list(services.visible_kpis(company.bob, archived=True)) == [uptime]
        with pytest.raises(ValidationError) as excinfo:
            measure(company.alice, uptime, 99.9)
        assert field_of(excinfo) == "kpi"
        services.archive_kpi(company.bob, uptime, archived=False)
        assert measure(company.alice, uptime, 99.9)


# Measurements -------------------------------------------------------------------------------


class TestMeasurements:
    @pytest.mark.parametrize("bad", ["99.9", True, math.nan, math.inf, None])
    def test_a_value_must_be_a_finite_number(self, company, uptime, bad):
        with pytest.raises(ValidationError) as excinfo:
            services.add_measurement(company.alice, uptime, value=bad, date=days_ago(1))
        assert field_of(excinfo) == "value"
        assert not Measurement.objects.exists()

    def test_a_date_must_not_be_in_the_future(self, company, uptime):
        for bad in (date.today() + timedelta(days=1), "someday", "2026-13-01", None):
            with pytest.raises(ValidationError) as excinfo:
                services.add_measurement(company.alice, uptime, value=99.9, date=bad)
            assert field_of(excinfo) == "date"
        assert not Measurement.objects.exists()

    def test_one_measurement_per_date(self, company, uptime):
        day = days_ago(2)
        services.add_measurement(company.alice, uptime, value=99.9, date=day.isoformat())
        with pytest.raises(ValidationError) as excinfo:
            services.add_measurement(company.alice, uptime, value=99.8, date=day)
        assert field_of(excinfo) == "date"
        assert message_of(excinfo) == f"There is already a measurement on {day.isoformat()}."
        assert Measurement.objects.count() == 1

    def test_the_kpi_shows_its_newest_measurement_by_date(self, company, uptime):
        measure(company.alice, uptime, 99.95, ago=1, note="Fine")
        measure(company.alice, uptime, 99.0, ago=5)  # entered later, but older
        kpi = Kpi.objects.get(pk=uptime.pk)
        assert (kpi.latest_value, kpi.latest_date, kpi.health) == (99.95, days_ago(1), "green")
        assert [m.value for m in services.history(kpi)] == [99.0, 99.95]
        assert [m.value for m in services.history(kpi, limit=1)] == [99.95]

    def test_only_those_who_manage_it_measure_it(self, company, uptime, latency):
        with pytest.raises(PermissionDenied):
            measure(company.dave, uptime, 99.9)
        with pytest.raises(PermissionDenied):  # alice owns uptime, not latency
            measure(company.alice, latency, 100)
        measure(company.bob, latency, 100)

    def test_the_red_streak_counts_the_newest_reds_in_a_row(self, company, uptime):
        for ago, value in [(4, 99.0), (3, 99.95), (2, 99.0), (1, 99.1)]:
            measure(company.alice, uptime, value, ago=ago)
        assert Kpi.objects.get(pk=uptime.pk).red_streak == 2
        measure(company.alice, uptime, 99.95)
        assert Kpi.objects.get(pk=uptime.pk).red_streak == 0

    def test_deleting_a_measurement_restores_the_kpi(self, company, uptime):
        measure(company.alice, uptime, 99.95, ago=2)
        newest = measure(company.alice, uptime, 99.0, ago=1)
        services.delete_measurement(company.alice, newest)
        kpi = Kpi.objects.get(pk=uptime.pk)
        assert (kpi.latest_value, kpi.health, kpi.red_streak) == (99.95, "green", 0)
        services.delete_measurement(company.alice, Measurement.objects.get())
        kpi = Kpi.objects.get(pk=uptime.pk)
        assert (kpi.latest_value, kpi.latest_date, kpi.health) == (None, None, "")

    def test_an_outsider_cannot_delete_a_measurement(self, company, uptime):
        reading = measure(company.alice, uptime, 99.95)
        with pytest.raises(PermissionDenied):
            services.delete_measurement(company.dave, reading)
        assert Measurement.objects.count() == 1


# Key results following a KPI ----------------------------------------------------------------


class TestFollowingKeyResults:
    def test_a_measurement_checks_in_on_the_key_result_by_the_system(
        self, company, uptime, uptime_kr
    ):
        assert progress(uptime_kr) == 0
        reading = measure(company.alice, uptime, 99.5, ago=3)
        entry = CheckIn.objects.get(key_result=uptime_kr)
        assert entry.author is None
        assert entry.measurement == reading
        assert entry.value == 99.5
        noon = timezone.make_aware(datetime.combine(days_ago(3), time(12)))
        assert entry.created_at == noon
        assert "Uptime" in entry.note
        kr = KeyResult.objects.get(pk=uptime_kr.pk)
        assert kr.current == 99.5
        assert progress(uptime_kr) == pytest.approx(0.5 / 0.95)

    def test_the_value_is_converted_by_the_stated_factor(self, company, scheduler, latency):
        kr = okrs.create_key_result(
            company.alice,
            scheduler,
            title="p99 under 0.3 s",
            direction="decrease",
            start=0.5,
            target=0.3,
            unit="s",
            kpi=latency,
            kpi_factor=0.001,
        )
        measure(company.bob, latency, 400)
        entry = CheckIn.objects.get(key_result=kr)
        assert entry.value == pytest.approx(0.4)
        assert entry.created_at >= timezone.now() - timedelta(minutes=1)  # today: now
        assert progress(kr) == pytest.approx(0.5)

    def test_a_unit_mismatch_without_a_conversion_is_refused(self, company, scheduler, latency):
        with pytest.raises(ValidationError) as excinfo:
            okrs.create_key_result(
                company.alice, scheduler, title="p99", start=1, target=0, direction="decrease",
                unit="s", kpi=latency,
            )  # fmt: skip
        assert field_of(excinfo) == "kpi_factor"
        assert not KeyResult.objects.exists()
        same = okrs.create_key_result(
            company.alice, scheduler, title="p99", start=1, target=0, direction="decrease",
            unit="MS", kpi=latency,
        )  # fmt: skip
        assert same.kpi == latency

    def test_an_empty_unit_takes_the_kpis(self, company, uptime_kr):
        assert uptime_kr.unit == "%"

    def test_changing_the_unit_of_a_following_key_result_needs_a_conversion(
        self, company, uptime_kr
    ):
        with pytest.raises(ValidationError) as excinfo:
            okrs.update_key_result(company.alice, uptime_kr, {"unit": "‰"})
        assert field_of(excinfo) == "kpi_factor"
        okrs.update_key_result(
            company.alice,
            uptime_kr,
            {"unit": "‰", "kpi_factor": 10, "start": 990, "target": 999.5},
            reason="per mille",
        )
        changed = KeyResult.objects.get(pk=uptime_kr.pk)
        assert (changed.unit, changed.kpi_factor) == ("‰", 10)
        # The conversion stated once holds while it follows the same KPI.
        okrs.update_key_result(company.alice, changed, {"title": "Uptime in ‰", "unit": "‰ "})
        assert KeyResult.objects.get(pk=uptime_kr.pk).kpi_factor == 10

    def test_only_a_metric_follows_a_kpi(self, company, scheduler, uptime):
        with pytest.raises(ValidationError) as excinfo:
            okrs.create_key_result(
                company.alice, scheduler, title="Launch", kind="milestone", kpi=uptime
            )
        assert field_of(excinfo) == "kpi"
        with pytest.raises(ValidationError) as excinfo:
            okrs.create_key_result(company.alice, scheduler, title="x", target=2, kpi=987654)
        assert field_of(excinfo) == "kpi"

    def test_no_check_in_outside_the_cycle_or_on_a_closed_objective(
        self, company, uptime, uptime_kr, scheduler
    ):
        measure(company.alice, uptime, 99.5, ago=60)  # before the quarter started
        assert not CheckIn.objects.exists()
        Objective.objects.filter(pk=scheduler.pk).update(status=Objective.Status.CLOSED)
        measure(company.alice, uptime, 99.5, ago=1)
        assert not CheckIn.objects.exists()

    def test_no_check_in_while_the_cycle_is_planned(self, company, uptime, uptime_kr):
        Cycle.objects.filter(pk=company.quarter.pk).update(status=Cycle.Status.PLANNING)
        measure(company.alice, uptime, 99.5, ago=1)
        assert not CheckIn.objects.exists()

    def test_an_older_measurement_does_not_override_a_newer_check_in(
        self, company, uptime, uptime_kr
    ):
        measure(company.alice, uptime, 99.8, ago=1)
        measure(company.alice, uptime, 99.2, ago=2)
        assert KeyResult.objects.get(pk=uptime_kr.pk).current == 99.8

    def test_deleting_the_measurement_restores_the_key_results_value(
        self, company, uptime, uptime_kr
    ):
        measure(company.alice, uptime, 99.3, ago=2)
        newest = measure(company.alice, uptime, 99.8, ago=1)
        assert KeyResult.objects.get(pk=uptime_kr.pk).current == 99.8
        services.delete_measurement(company.alice, newest)
        kr = KeyResult.objects.get(pk=uptime_kr.pk)
        assert kr.current == 99.3
        assert kr.checked_in_at == timezone.make_aware(datetime.combine(days_ago(2), time(12)))
        assert CheckIn.objects.count() == 1
        services.delete_measurement(company.alice, Measurement.objects.get())
        kr = KeyResult.objects.get(pk=uptime_kr.pk)
        assert (kr.current, kr.checked_in_at) == (None, None)

    def test_a_person_still_checks_in_by_hand(self, company, uptime_kr):
        entry = okrs.check_in(company.alice, uptime_kr, value=99.4, confidence=6)
        assert entry.author == company.alice and entry.measurement is None
        with pytest.raises(PermissionDenied):
            okrs.check_in(company.dave, uptime_kr, value=99.4)


# The red notice -----------------------------------------------------------------------------


class TestRedNotice:
    def notices(self):
        return Notification.objects.filter(kind=Notification.Kind.KPI_RED)

    def test_two_reds_in_a_row_tell_the_owner_once(self, company, uptime, mailoutbox):
        measure(company.alice, uptime, 99.0, ago=3)
        assert not self.notices().exists()
        measure(company.alice, uptime, 99.1, ago=2)
        notice = self.notices().get()
        assert notice.recipient == company.alice
        assert "Uptime" in notice.title
        assert notice.url == f"/kpis/{uptime.pk}/"
        measure(company.alice, uptime, 99.2, ago=1)
        assert self.notices().count() == 1

    def test_it_is_emailed_once_the_measurement_is_stored(
        self, company, uptime, mailoutbox, django_capture_on_commit_callbacks
    ):
        company.alice.email = "alice@example.com"
        company.alice.save()
        measure(company.alice, uptime, 99.0, ago=2)
        with django_capture_on_commit_callbacks(execute=True):
            measure(company.alice, uptime, 99.1, ago=1)
        assert [m.to for m in mailoutbox] == [["alice@example.com"]]
        assert "Uptime" in mailoutbox[0].subject

    def test_it_is_written_in_the_owners_language(self, company, uptime, monkeypatch):
        Profile.objects.filter(user=company.alice).update(locale="zh-hans")
        languages = []
        real = measuring.ngettext
        monkeypatch.setattr(
            measuring,
            "ngettext",
            lambda *args: languages.append(translation.get_language()) or real(*args),
        )
        measure(company.alice, uptime, 99.0, ago=2)
        measure(company.alice, uptime, 99.1, ago=1)
        assert languages == ["zh-hans"]

    def test_without_an_owner_the_teams_leads_hear(self, company, latency):
        measure(company.bob, latency, 500, ago=2)
        measure(company.bob, latency, 600, ago=1)
        assert [n.recipient for n in self.notices()] == [company.bob]

    def test_a_new_streak_after_green_tells_again(self, company, uptime):
        for ago, value in [(5, 99.0), (4, 99.0), (3, 99.95), (2, 99.0), (1, 99.0)]:
            measure(company.alice, uptime, value, ago=ago)
        assert self.notices().count() == 2

    def test_daily_email_people_get_it_in_their_daily_email(self, company, uptime, mailoutbox):
        NotificationPreference.objects.create(
            user=company.alice, email_activity=NotificationPreference.Email.DAILY
        )
        company.alice.email = "alice@example.com"
        company.alice.save()
        measure(company.alice, uptime, 99.0, ago=2)
        measure(company.alice, uptime, 99.1, ago=1)
        assert self.notices().get().email_pending

    def test_no_notice_while_a_recovery_is_under_way(self, company, uptime):
        measure(company.alice, uptime, 99.0, ago=3)
        services.create_recovery(company.alice, uptime)
        measure(company.alice, uptime, 99.95, ago=2)
        measure(company.alice, uptime, 99.0, ago=1)
        measure(company.alice, uptime, 99.0)
        assert not self.notices().exists()


# Recovery objectives ------------------------------------------------------------------------


class TestRecovery:
    def test_the_draft_aims_at_the_nearest_green_value(self, company, uptime):
        measure(company.alice, uptime, 99.0, ago=1)
        draft = services.recovery_draft(Kpi.objects.get(pk=uptime.pk))
        assert draft["title"] == "Bring “Uptime” back into its band"
        assert draft["cycle"] == company.quarter
        assert draft["owner_person"] == company.alice
        kr = draft["key_result"]
        assert (kr["start"], kr["target"], kr["direction"], kr["unit"]) == (
            99.0,
            99.9,
            "increase",
            "%",
        )

    def test_a_within_band_aims_at_its_nearest_edge(self, company):
        heat = kpi(company, band="within", red_low=15, green_low=18, green_high=22, red_high=26)
        measure(company.bob, heat, 30)
        kr = services.recovery_draft(Kpi.objects.get(pk=heat.pk))["key_result"]
        assert (kr["target"], kr["direction"]) == (22, "decrease")
        assert services.recovery_draft(heat)["owner_team"] == company.platform

    def test_a_recovery_objective_follows_the_kpi(self, company, uptime):
        measure(company.alice, uptime, 99.0, ago=2)
        objective = services.create_recovery(company.alice, Kpi.objects.get(pk=uptime.pk))
        assert Kpi.objects.get(pk=uptime.pk).recovery == objective
        assert objective.owner_person == company.alice
        kr = objective.key_results.get()
        assert (kr.kpi, kr.start, kr.target, kr.unit) == (uptime, 99.0, 99.9, "%")
        assert progress(kr) == 0
        assert kr.current == 99.0  # it starts from the KPI's latest reading, not blank
        first = kr.check_ins.get()
        assert first.author is None and first.measurement.value == 99.0
        measure(company.alice, uptime, 99.45, ago=1)
        assert progress(kr) == pytest.approx(0.5)

    def test_it_refuses_a_kpi_that_is_not_red(self, company, uptime):
        with pytest.raises(ValidationError) as excinfo:
            services.create_recovery(company.alice, uptime)
        assert field_of(excinfo) == "kpi"
        measure(company.alice, uptime, 99.7)
        with pytest.raises(ValidationError):
            services.create_recovery(company.alice, uptime)
        assert not Objective.objects.exists()

    def test_it_refuses_a_second_open_recovery(self, company, uptime):
        measure(company.alice, uptime, 99.0)
        first = services.create_recovery(company.alice, uptime)
        with pytest.raises(ValidationError) as excinfo:
            services.create_recovery(company.alice, uptime)
        assert field_of(excinfo) == "kpi"
        okrs.update_objective(
            company.alice, first, {"status": Objective.Status.STOPPED}, reason="Wrong approach"
        )
        assert services.create_recovery(company.alice, uptime, title="Try again")

    def test_a_lead_makes_it_for_the_team(self, company, uptime):
        measure(company.alice, uptime, 99.0)
        objective = services.create_recovery(company.bob, uptime, target=99.95)
        assert objective.owner_team == company.platform
        kr = objective.key_results.get()
        assert kr.target == 99.95 and kr.title == "“Uptime” at 99.95 %"  # the title follows

    def test_an_outsider_cannot_make_one(self, company, uptime):
        measure(company.alice, uptime, 99.0)
        with pytest.raises(PermissionDenied):
            services.create_recovery(company.dave, uptime)


# CSV imports --------------------------------------------------------------------------------


class TestImport:
    def test_a_file_with_a_bad_row_writes_nothing_and_names_the_line(
        self, company, uptime, uptime_kr
    ):
        measure(company.alice, uptime, 99.9, ago=20)
        tomorrow = (date.today() + timedelta(days=1)).isoformat()
        data = "\n".join(
            [
                "date,value,note",
                f"{days_ago(3)},99.1,ok",
                f"{days_ago(2)},lots,",
                f"{tomorrow},99.0",
                "30/11/2026,99.0",
                f"{days_ago(3)},99.2",
                f"{days_ago(20)},99.3",
                f"{days_ago(1)},nan",
            ]
        )
        with pytest.raises(ValidationError) as excinfo:
            services.import_measurements(company.alice, uptime, data)
        problems = excinfo.value.message_dict["file"]
        assert [p.split(":")[0] for p in problems] == [f"line {n}" for n in range(3, 9)]
        assert "“lots” is not a number" in problems[0]
        assert "in the future" in problems[1]
        assert "is on line 2 already" in problems[3]
        assert "already a measurement" in problems[4]
        assert Measurement.objects.count() == 1
        assert CheckIn.objects.count() == 1  # the earlier measurement's

    def test_a_good_file_adds_everything_through_the_usual_path(self, company, uptime, uptime_kr):
        data = f"\ufeffDate,Value\n{days_ago(3)},99.0\n\n{days_ago(2)},99.1\n{days_ago(1)},99.2\n"
        made = services.import_measurements(company.alice, uptime, data.encode())
        assert [m.value for m in made] == [99.0, 99.1, 99.2]
        kpi = Kpi.objects.get(pk=uptime.pk)
        assert (kpi.latest_value, kpi.red_streak) == (99.2, 3)
        assert CheckIn.objects.filter(key_result=uptime_kr).count() == 3
        assert KeyResult.objects.get(pk=uptime_kr.pk).current == 99.2
        kinds = Notification.objects.filter(kind=Notification.Kind.KPI_RED)
        assert kinds.count() == 1  # one notice for the file, not one per red line

    def test_only_lines_within_the_cycle_check_in(self, company, uptime, uptime_kr):
        data = f"date,value\n{days_ago(60)},99.0\n{days_ago(2)},99.2\n"
        services.import_measurements(company.alice, uptime, data)
        assert list(CheckIn.objects.values_list("value", flat=True)) == [99.2]

    @pytest.mark.parametrize(
        ("data", "problem"),
        [
            (b"", "empty"),
            (b"day,amount\n2026-01-01,1\n", "line 1: the first line must name"),
            (b"date,value\n", "no measurements"),
            (b"date,value\n2026-01-01,1,extra\n", "line 2: 3 columns"),
            ("date,value\n2026-01-01,1\n".encode("utf-16"), "not UTF-8"),
            (b"date,value\n" + b"2026-01-01,1\n" * 10_001, "more than 10,000 rows"),
            (b"date,value,note\n" + b"x" * (2 * 1024 * 1024), "larger than 2 MB"),
        ],
    )
    def test_a_bad_file_is_refused_whole(self, company, uptime, data, problem):
        with pytest.raises(ValidationError) as excinfo:
            services.import_measurements(company.alice, uptime, data)
        assert problem in " ".join(excinfo.value.message_dict["file"])
        assert not Measurement.objects.exists()

    def test_an_outsider_cannot_import(self, company, uptime):
        with pytest.raises(PermissionDenied):
            services.import_measurements(company.dave, uptime, f"date,value\n{days_ago(1)},1\n")


# The board ----------------------------------------------------------------------------------


class TestBoard:
    def test_it_shows_the_last_twelve_values_oldest_first(self, company, uptime, latency):
        for ago in range(20, 0, -1):
            measure(company.alice, uptime, 99.0 + ago / 100, ago=ago)
        items = {k.name: k for k in services.board(company.dave)}
        assert items["Uptime"].trend == pytest.approx([99.0 + a / 100 for a in range(12, 0, -1)])
        assert items["Uptime"].trend_direction == "down"  # 0.11 is a quarter of its band (0.4)
        assert items["Latency"].trend == [] and items["Latency"].trend_direction == "flat"

    def test_trend_direction(self):
        assert services.trend_direction([1, 2, 3]) == "up"
        assert services.trend_direction([3, 2, 1]) == "down"
        assert services.trend_direction([5, 5.01, 5]) == "flat"
        assert services.trend_direction([0, 0]) == "flat"
        # Measured against the band: uptime falling 99.8 → 98.6 is a fall, though under 2 %
        uptime = health.Band("above", green=99.5, red=99)
        assert services.trend_direction([99.8, 99.2, 98.6], uptime) == "down"
        assert services.trend_direction([99.8, 99.81, 99.8], uptime) == "flat"

    def test_a_team_board_holds_the_team_and_those_below(self, company, uptime):
        sales = services.create_kpi(
            company.admin, team=company.sales, name="Deals", band="above", green=1, red=0
        )
        assert [k.pk for k in services.board(company.dave, team=company.engineering)] == [uptime.pk]
        assert {k.pk for k in services.board(company.dave)} == {uptime.pk, sales.pk}
        services.archive_kpi(company.bob, uptime)
        assert services.board(company.dave, team=company.engineering) == []

    def test_its_queries_do_not_grow_with_kpis_or_measurements(
        self, company, django_assert_max_num_queries
    ):
        rows = []
        for n in range(8):
            k = kpi(company, name=f"KPI {n}")
            rows += [Measurement(kpi=k, value=a, date=days_ago(a), health="red") for a in range(40)]
        Measurement.objects.bulk_create(rows)
        with django_assert_max_num_queries(6):
            items = services.board(company.dave, team=company.root)
            assert all(len(item.trend) == 12 for item in items)
            assert all(item.trend_direction == "down" for item in items)
