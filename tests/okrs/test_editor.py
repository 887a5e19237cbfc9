"""Write OKRs: create and edit an objective with its key results on one page.

The tests post what a browser would send: the values of the form the page rendered,
changed where a person would type, so a renamed field breaks a test as it would the page.
"""

from html.parser import HTMLParser

import pytest
from django.test import Client

from stretch.okrs import history
from stretch.okrs import services as okrs
from stretch.okrs.models import KeyResult, Objective
from tests.helpers import client_for


class FormValues(HTMLParser):
    """The name/value pairs the editor form would submit, as a browser builds them."""

    def __init__(self, html: str):
        super().__init__()
        self.data: dict[str, str] = {}
        self._in_form = False
        self._select: str | None = None
        self._select_set = False
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and "editor" in (attributes.get("class") or ""):
            self._in_form = True
        name = attributes.get("name")
        if not self._in_form:
            return
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    value = attributes.get("value", "on")
                    self.data[name] = value or ""
            elif kind not in ("submit", "button"):
                self.data[name] = attributes.get("value") or ""
        elif tag == "select" and name:
            self._select, self._select_set = name, False
        elif tag == "option" and self._select:
            if not self._select_set or "selected" in attributes:
                self.data[self._select] = attributes.get("value") or ""
                self._select_set = True
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data[self._textarea] = self.data[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_of(client: Client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    return FormValues(response.content.decode()).data


def row(data: dict, index: int, **values) -> dict:
    data.update({f"kr-{index}-{name}": str(value) for name, value in values.items()})
    return data


@pytest.fixture
def objective(company):
    """Alice's quarter objective with a metric, a range and a milestone with two steps."""
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )
    okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=200, unit="jobs"
    )
    okrs.create_key_result(
        company.alice,
        objective,
        title="p95 latency",
        direction="range",
        range_low=100,
        range_high=300,
        unit="ms",
    )
    okrs.create_key_result(
        company.alice,
        objective,
        title="Cut-over done",
        kind="milestone",
        steps=[{"title": "Dry run"}, {"title": "Switch", "weight": 2}],
    )
    return objective


def titles(objective) -> list[str]:
    return list(objective.key_results.order_by("position").values_list("title", flat=True))


def edit_url(objective) -> str:
    return f"/objectives/{objective.pk}/edit/"


# Creating ------------------------------------------------------------------------------------


def test_a_new_objective_with_three_key_results_of_different_kinds_is_created(company):
    client = client_for(company.alice)
    data = form_of(client, "/objectives/new/")
    data["title"] = "Make onboarding delightful"
    row(data, 0, title="Activation rate", start=40, target=60, unit="%")
    row(data, 1, title="Support tickets per week", direction="range", range_low=0, range_high=20)
    row(data, 2, title="New guide published", kind="milestone", steps="Draft\nReview | 2")
    response = client.post("/objectives/new/", data)
    objective = Objective.objects.get(title="Make onboarding delightful")
    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{objective.pk}/"
    assert (objective.owner_person, objective.cycle) == (company.alice, company.quarter)
    metric, in_range, milestone = objective.key_results.order_by("position")
    assert (metric.title, metric.start, metric.target, metric.unit) == (
        "Activation rate",
        40,
        60,
        "%",
    )
    assert (in_range.direction, in_range.range_low, in_range.range_high) == ("range", 0, 20)
    assert milestone.kind == "milestone"
    assert [(s.title, s.weight) for s in milestone.steps.all()] == [("Draft", 1), ("Review", 2)]
    assert metric.owner == company.alice


def test_blank_key_result_rows_are_left_out(company):
    client = client_for(company.alice)
    data = form_of(client, "/objectives/new/")
    data["title"] = "Only an objective for now"
    response = client.post("/objectives/new/", data)
    assert response.status_code == 302
    assert not Objective.objects.get(title="Only an objective for now").key_results.exists()


def test_saving_shows_a_success_message_on_the_objective_page(company):
    client = client_for(company.alice)
    data = form_of(client, "/objectives/new/")
    data["title"] = "Hire two engineers"
    response = client.post("/objectives/new/", data, follow=True)
    assert "Objective “Hire two engineers” created." in response.content.decode()


def test_the_new_page_starts_in_the_active_cycle_that_started_last(company):
    data = form_of(client_for(company.alice), "/objectives/new/")
    assert data["cycle"] == str(company.quarter.pk)
    assert data["owner"] == f"person:{company.alice.pk}"


def test_the_new_page_preselects_the_cycle_and_team_asked_for(company):
    url = f"/objectives/new/?cycle={company.year.pk}&team={company.platform.pk}"
    data = form_of(client_for(company.bob), url)
    assert data["cycle"] == str(company.year.pk)
    assert data["owner"] == f"team:{company.platform.pk}"


def test_the_owner_choices_are_me_and_the_teams_i_lead(company):
    page = client_for(company.bob).get("/objectives/new/").content.decode()
    assert f'value="person:{company.bob.pk}"' in page
    assert f'value="team:{company.platform.pk}"' in page
    for team in (company.root, company.engineering, company.sales):
        assert f'value="team:{team.pk}"' not in page


def test_an_administrator_may_choose_any_team(company):
    page = client_for(company.admin).get("/objectives/new/").content.decode()
    for team in (company.root, company.engineering, company.platform, company.sales):
        assert f'value="team:{team.pk}"' in page


def test_a_team_i_do_not_lead_is_refused_next_to_the_owner(company):
    client = client_for(company.alice)
    data = form_of(client, "/objectives/new/")
    data.update(title="Platform goal", owner=f"team:{company.platform.pk}")
    response = client.post("/objectives/new/", data)
    assert response.status_code == 400
    assert 'id="id_owner_error"' in response.content.decode()
    assert not Objective.objects.exists()


def test_a_parent_whose_cycle_does_not_cover_mine_is_refused_next_to_the_parent(company):
    quarterly = okrs.create_objective(
        company.carol, cycle=company.quarter, title="Quarterly", owner_team=company.engineering
    )
    client = client_for(company.alice)
    data = form_of(client, f"/objectives/new/?cycle={company.year.pk}")
    data.update(title="A whole year", parent=str(quarterly.pk))
    response = client.post("/objectives/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    error = page[page.index('id="id_parent_error"') :]
    assert "does not cover" in error[:300]
    assert not Objective.objects.filter(title="A whole year").exists()


# Editing -------------------------------------------------------------------------------------


def test_editing_changes_the_title(company, objective):
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    data["title"] = "Ship the new scheduler"
    assert client.post(edit_url(objective), data).status_code == 302
    objective.refresh_from_db()
    assert objective.title == "Ship the new scheduler"


def test_editing_reorders_key_results_by_their_position_numbers(company, objective):
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    row(data, 0, ORDER=3)
    row(data, 2, ORDER=1)
    assert client.post(edit_url(objective), data).status_code == 302
    assert titles(objective) == ["Cut-over done", "p95 latency", "Jobs migrated"]


def test_editing_changes_a_weight(company, objective):
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    row(data, 1, weight=2.5)
    data["reason"] = "Latency is what customers feel"
    assert client.post(edit_url(objective), data).status_code == 302
    assert KeyResult.objects.get(title="p95 latency").weight == 2.5
    change = history.of_objective(objective, viewer=company.alice)[0]
    assert change.reason == "Latency is what customers feel"


def test_a_mid_cycle_target_change_without_a_reason_saves_nothing_and_asks_why(company, objective):
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    data["title"] = "Renamed too"
    row(data, 1, weight=2.5)
    response = client.post(edit_url(objective), data)
    assert response.status_code == 400
    assert "say why the weight changes" in response.content.decode()
    objective.refresh_from_db()
    assert objective.title != "Renamed too"
    assert KeyResult.objects.get(title="p95 latency").weight == 1


def test_stopping_an_objective_in_the_editor_keeps_the_reason(company, objective):
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    data["status"] = "stopped"
    assert client.post(edit_url(objective), data).status_code == 400
    data["reason"] = "The scheduler was bought in"
    assert client.post(edit_url(objective), data).status_code == 302
    objective.refresh_from_db()
    assert (objective.status, objective.stop_reason) == ("stopped", "The scheduler was bought in")


def test_editing_removes_a_key_result_marked_for_removal(company, objective):
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    row(data, 1, DELETE="on")
    assert client.post(edit_url(objective), data).status_code == 302
    assert titles(objective) == ["Jobs migrated", "Cut-over done"]


def test_editing_adds_a_key_result_in_the_blank_row(company, objective):
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    row(data, 3, title="Teams onboarded", start=0, target=5)
    assert client.post(edit_url(objective), data).status_code == 302
    assert titles(objective) == ["Jobs migrated", "p95 latency", "Cut-over done", "Teams onboarded"]


def test_editing_milestone_steps_keeps_the_done_state_of_kept_steps(company, objective):
    milestone = KeyResult.objects.get(title="Cut-over done")
    dry_run = milestone.steps.get(title="Dry run")
    okrs.check_in(company.alice, milestone, steps=[dry_run.pk], confidence=7)
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    assert data["kr-2-steps"] == "Dry run\nSwitch | 2"
    row(data, 2, steps="Dry run | 3\nRollback drill")
    assert client.post(edit_url(objective), data).status_code == 302
    steps = list(milestone.steps.all())
    assert [(s.title, s.weight, s.done) for s in steps] == [
        ("Dry run", 3, True),
        ("Rollback drill", 1, False),
    ]
    assert steps[0].pk == dry_run.pk


def test_a_parent_i_may_not_see_is_kept_and_not_shown(company, objective):
    sales = okrs.create_objective(
        company.dave, cycle=company.year, title="Secret sales plan", owner_person=company.dave
    )
    okrs.update_objective(company.alice, objective, {"parent": sales})
    okrs.update_objective(company.dave, sales, {"visibility": "private"})
    client = client_for(company.alice)
    response = client.get(edit_url(objective))
    assert "Secret sales plan" not in response.content.decode()
    data = FormValues(response.content.decode()).data
    data["title"] = "Renamed"
    assert client.post(edit_url(objective), data).status_code == 302
    objective.refresh_from_db()
    assert (objective.title, objective.parent_id) == ("Renamed", sales.pk)


# Validation: all or nothing ------------------------------------------------------------------


def field_error(page: str, field_id: str) -> str:
    """The text of the error shown for a field, checking that the field points at it."""
    tag_start = page.index(f'id="{field_id}"')
    tag = page[page.rindex("<", 0, tag_start) : page.index(">", tag_start)]
    assert 'aria-invalid="true"' in tag
    assert f"{field_id}_error" in tag.split('aria-describedby="')[1].split('"')[0]
    start = page.index(f'id="{field_id}_error"')
    return page[start : page.index("</p>", start)]


def test_invalid_key_results_show_each_message_next_to_its_field_and_save_nothing(company):
    client = client_for(company.alice)
    data = form_of(client, "/objectives/new/")
    data["title"] = "Never saved"
    row(data, 0, title="Flat", start=5, target=5)
    row(data, 1, title="Upside down", direction="range", range_low=9, range_high=1)
    row(data, 2, title="Weightless", start=0, target=10, weight=0)
    response = client.post("/objectives/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "The target must differ from the start." in field_error(page, "id_kr-0-target")
    assert "must not be greater than range_high" in field_error(page, "id_kr-1-range_low")
    assert "The weight must be greater than 0." in field_error(page, "id_kr-2-weight")
    assert page.count('aria-invalid="true"') == 3
    assert not Objective.objects.exists()
    assert not KeyResult.objects.exists()


def test_an_invalid_key_result_leaves_the_edited_objective_untouched(company, objective):
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    data["title"] = "Not saved"
    row(data, 0, weight=3)
    row(data, 1, DELETE="on")
    row(data, 2, weight=0)
    row(data, 3, title="Not added either", start=0, target=1)
    response = client.post(edit_url(objective), data)
    assert response.status_code == 400
    assert "The weight must be greater than 0." in field_error(
        response.content.decode(), "id_kr-2-weight"
    )
    objective.refresh_from_db()
    assert objective.title == "Ship the scheduler"
    assert titles(objective) == ["Jobs migrated", "p95 latency", "Cut-over done"]
    assert KeyResult.objects.get(title="Jobs migrated").weight == 1


def test_the_form_comes_back_with_the_input_kept_and_a_summary_of_the_errors(company):
    client = client_for(company.alice)
    data = form_of(client, "/objectives/new/")
    data["title"] = "Kept title"
    row(data, 0, title="No target yet", start=3, target="")
    response = client.post("/objectives/new/", data)
    page = response.content.decode()
    kept = FormValues(page).data
    assert (kept["title"], kept["kr-0-title"], kept["kr-0-start"]) == (
        "Kept title",
        "No target yet",
        "3",
    )
    assert 'id="error-summary"' in page
    assert 'href="#id_kr-0-target"' in page
    assert "A metric key result needs a target." in field_error(page, "id_kr-0-target")


def test_a_refused_save_shows_the_rows_in_the_order_of_their_position_numbers(company):
    client = client_for(company.alice)
    data = form_of(client, "/objectives/new/")
    data["title"] = "Order kept"
    row(data, 0, title="Second", start=0, target=0, ORDER=2)
    row(data, 1, title="First", start=0, target=1, ORDER=1)
    page = client.post("/objectives/new/", data).content.decode()
    assert page.index('value="First"') < page.index('value="Second"')


# Who may edit --------------------------------------------------------------------------------


def test_a_teammate_may_not_edit_my_objective(company, objective):
    client = client_for(company.bob)
    assert client.get(edit_url(objective)).status_code == 403
    data = form_of(client_for(company.alice), edit_url(objective))
    data["title"] = "Bob was here"
    assert client.post(edit_url(objective), data).status_code == 403
    objective.refresh_from_db()
    assert objective.title == "Ship the scheduler"


def test_an_outsider_gets_403_on_a_public_objective(company, objective):
    assert client_for(company.dave).get(edit_url(objective)).status_code == 403


def test_an_outsider_gets_404_on_a_private_objective(company, objective):
    okrs.update_objective(company.alice, objective, {"visibility": "private"})
    assert client_for(company.dave).get(edit_url(objective)).status_code == 404


def test_the_lead_of_the_owning_team_may_edit_its_objective(company):
    team_objective = okrs.create_objective(
        company.bob, cycle=company.quarter, title="Platform goal", owner_team=company.platform
    )
    client = client_for(company.bob)
    data = form_of(client, edit_url(team_objective))
    data["title"] = "Platform goal, sharper"
    assert client.post(edit_url(team_objective), data).status_code == 302


def test_the_form_refuses_a_post_without_the_csrf_token(company):
    client = client_for(company.alice, enforce_csrf_checks=True)
    data = form_of(client, "/objectives/new/")
    data["title"] = "Forged"
    token = data.pop("csrfmiddlewaretoken")
    assert client.post("/objectives/new/", data).status_code == 403
    assert not Objective.objects.exists()
    assert (
        client.post("/objectives/new/", {**data, "csrfmiddlewaretoken": token}).status_code == 302
    )


# Conflicts -----------------------------------------------------------------------------------


def test_a_stale_version_shows_the_conflict_message_and_keeps_the_input(company, objective):
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    okrs.update_objective(company.admin, objective, {"title": "Renamed by the admin"})
    data["title"] = "My better title"
    response = client.post(edit_url(objective), data)
    page = response.content.decode()
    assert response.status_code == 409
    assert "changed by someone else" in page
    assert FormValues(page).data["title"] == "My better title"
    objective.refresh_from_db()
    assert objective.title == "Renamed by the admin"


def test_saving_again_after_a_conflict_keeps_my_version(company, objective):
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    okrs.update_objective(company.admin, objective, {"title": "Renamed by the admin"})
    data["title"] = "My better title"
    again = FormValues(client.post(edit_url(objective), data).content.decode()).data
    assert client.post(edit_url(objective), again).status_code == 302
    objective.refresh_from_db()
    assert objective.title == "My better title"


def test_a_stale_key_result_is_a_conflict_too(company, objective):
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    okrs.update_key_result(
        company.admin, KeyResult.objects.get(title="Jobs migrated"), {"target": 300}, reason="r"
    )
    row(data, 0, target=250)
    assert client.post(edit_url(objective), data).status_code == 409
    assert KeyResult.objects.get(title="Jobs migrated").target == 300


def test_a_new_objective_with_a_key_result_id_of_elsewhere_saves_nothing(company, objective):
    client = client_for(company.alice)
    data = form_of(client, "/objectives/new/")
    data["title"] = "Borrowing a key result"
    row(data, 0, id=objective.key_results.first().pk, title="Taken over", start=0, target=1)
    assert client.post("/objectives/new/", data).status_code == 409
    assert not Objective.objects.filter(title="Borrowing a key result").exists()
    assert not KeyResult.objects.filter(title="Taken over").exists()


# Adding rows ---------------------------------------------------------------------------------


def test_adding_a_row_with_htmx_returns_one_blank_row_and_the_new_count(company):
    response = client_for(company.alice).get(
        "/objectives/new/?add_row=1&kr-TOTAL_FORMS=3", headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="kr-3-title"' in page
    assert 'name="kr-4-title"' not in page
    assert 'value="4" id="id_kr-TOTAL_FORMS" hx-swap-oob="true"' in page
    assert "<form" not in page


def test_adding_a_row_past_the_limit_answers_a_message_and_no_row(company):
    response = client_for(company.alice).get(
        "/objectives/new/?add_row=1&kr-TOTAL_FORMS=30", headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert "at most 30 key results" in page
    assert "kr-30-title" not in page


def test_adding_a_row_without_javascript_shows_the_form_again_with_one_more_row(company):
    client = client_for(company.alice)
    data = form_of(client, "/objectives/new/")
    data.update(title="Half written", add_row="1")
    response = client.post("/objectives/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert FormValues(page).data["kr-TOTAL_FORMS"] == "4"
    assert 'name="kr-3-title"' in page
    assert 'aria-invalid="true"' not in page
    assert not Objective.objects.exists()


# Parent search -------------------------------------------------------------------------------


@pytest.fixture
def parents(company):
    """A year objective of Engineering, a quarter one of Sales and Dave's private one."""
    return {
        "year": okrs.create_objective(
            company.carol,
            cycle=company.year,
            title="Engineering excellence",
            owner_team=company.engineering,
        ),
        "quarter": okrs.create_objective(
            company.dave, cycle=company.quarter, title="Sales excellence", owner_person=company.dave
        ),
        "private": okrs.create_objective(
            company.dave,
            cycle=company.quarter,
            title="Dave's private excellence",
            owner_person=company.dave,
            visibility="private",
        ),
    }


def search(user, cycle, q="") -> str:
    response = client_for(user).get("/objectives/parents/", {"q": q, "cycle": cycle.pk})
    assert response.status_code == 200
    return response.content.decode()


def test_the_parent_search_finds_visible_objectives_in_covering_cycles(company, parents):
    for_quarter = search(company.alice, company.quarter, "excellence")
    assert "Engineering excellence" in for_quarter
    assert "Sales excellence" in for_quarter
    for_year = search(company.alice, company.year, "excellence")
    assert "Engineering excellence" in for_year
    assert "Sales excellence" not in for_year


def test_the_parent_search_matches_words_of_the_title(company, parents):
    page = search(company.alice, company.quarter, "sales")
    assert "Sales excellence" in page
    assert "Engineering excellence" not in page


def test_the_parent_search_never_shows_a_private_objective_of_someone_else(company, parents):
    assert "private excellence" not in search(company.alice, company.quarter, "excellence")
    assert "private excellence" in search(company.dave, company.quarter, "excellence")


def test_the_parent_search_answers_get_only(company):
    assert client_for(company.alice).post("/objectives/parents/").status_code == 405


# Bounded queries -----------------------------------------------------------------------------


def make_objectives(company, count: int) -> None:
    for number in range(count):
        okrs.create_objective(
            company.carol,
            cycle=company.year,
            title=f"Goal {number}",
            owner_team=company.engineering,
        )


def objective_with(company, count: int) -> Objective:
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Many key results", owner_person=company.alice
    )
    for number in range(count):
        okrs.create_key_result(
            company.alice, objective, title=f"Result {number}", start=0, target=number + 1
        )
    return objective


@pytest.mark.parametrize("size", [3, 30])
def test_the_new_page_runs_a_bounded_number_of_queries(
    company, size, django_assert_max_num_queries
):
    make_objectives(company, size)
    client = client_for(company.bob)
    with django_assert_max_num_queries(19):  # one for the KPIs a key result may follow
        assert client.get("/objectives/new/").status_code == 200


@pytest.mark.parametrize("size", [3, 15])
def test_the_edit_page_runs_a_bounded_number_of_queries(
    company, size, django_assert_max_num_queries
):
    objective = objective_with(company, size)
    client = client_for(company.alice)
    with django_assert_max_num_queries(18):
        assert client.get(edit_url(objective)).status_code == 200


@pytest.mark.parametrize("size", [3, 15])
def test_saving_an_edit_runs_a_bounded_number_of_queries(
    company, size, django_assert_max_num_queries
):
    objective = objective_with(company, size)
    client = client_for(company.alice)
    data = form_of(client, edit_url(objective))
    data["title"] = "Fewer, better key results"
    row(data, 0, ORDER=2, weight=2)
    row(data, 1, ORDER=1)
    data["reason"] = "The first result matters more"
    with django_assert_max_num_queries(29):
        assert client.post(edit_url(objective), data).status_code == 302
    assert titles(objective)[:2] == ["Result 1", "Result 0"]


@pytest.mark.parametrize("size", [3, 30])
def test_the_parent_search_runs_a_bounded_number_of_queries(
    company, size, django_assert_max_num_queries
):
    make_objectives(company, size)
    client = client_for(company.alice)
    with django_assert_max_num_queries(10):
        response = client.get("/objectives/parents/", {"q": "Goal", "cycle": company.quarter.pk})
    assert response.status_code == 200
