"""The weekly check-in (`/check-in/`): every key result I report on, saved in one submit."""

import re
from html.parser import HTMLParser

import pytest

from stretch.okrs import services as okrs
from stretch.okrs.models import CheckIn, Cycle, KeyResult
from tests.helpers import client_for

HTMX = {"HX-Request": "true"}


class _Fields(HTMLParser):
    """What a browser would submit: inputs, ticked checkboxes and textareas, by name."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name:
            if attributes.get("type") != "checkbox":
                self._add(name, attributes.get("value") or "")
            elif "checked" in attributes:
                self._add(name, attributes.get("value") or "on")
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data):
        if self._textarea is not None:
            self.fields[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def form_of(html: str) -> dict[str, list[str]]:
    parser = _Fields()
    parser.feed(html)
    parser.fields.pop("csrfmiddlewaretoken", None)
    parser.fields.pop("next", None)  # the language form in the header
    parser.fields.pop("language", None)
    return parser.fields


def page_of(client) -> str:
    response = client.get("/check-in/")
    assert response.status_code == 200
    return response.content.decode()


def submit(client, changes: dict, *, headers=None):
    """Load the page, change some fields (None unticks or empties), submit the whole form."""
    form = form_of(page_of(client))
    for name, value in changes.items():
        if value is None:
            form.pop(name, None)
        else:
            form[name] = value if isinstance(value, list) else [value]
    return client.post("/check-in/", form, headers=headers or {})


def row_of(html: str, kr: KeyResult) -> str:
    """The page's row of one key result."""
    start = html.index(f'id="kr-{kr.pk}"')
    end = re.compile(r'<div class="weekly-row|<fieldset class="card|<div class="weekly-submit')
    found = end.search(html, start)
    return html[start : found.start() if found else len(html)]


@pytest.fixture
def krs(company):
    """Alice's objective with two metric key results: one checked in already, one not."""
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )
    jobs = okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=200, unit="jobs"
    )
    latency = okrs.create_key_result(
        company.alice, objective, title="p95 latency", start=900, target=300, direction="decrease"
    )
    okrs.check_in(company.alice, jobs, value=50, confidence=7)
    jobs.refresh_from_db()
    return jobs, latency


# What the page lists -------------------------------------------------------------------------


def test_it_lists_my_key_results_under_their_objective(company, krs):
    page = page_of(client_for(company.alice))
    assert "Ship the scheduler" in page
    assert page.index("Ship the scheduler") < page.index("Jobs migrated") < page.index("p95")


def test_it_starts_each_row_from_where_the_key_result_stands(company, krs):
    jobs, _latency = krs
    form = form_of(page_of(client_for(company.alice)))
    assert form[f"kr-{jobs.pk}-value"] == ["50"]
    assert form[f"kr-{jobs.pk}-confidence"] == ["7"]


def test_it_lists_key_results_i_own_on_someone_elses_objective(company):
    objective = okrs.create_objective(
        company.dave, cycle=company.quarter, title="Sell more", owner_person=company.dave
    )
    okrs.create_key_result(
        company.dave, objective, title="Demo for platform", target=5, owner=company.alice
    )
    assert "Demo for platform" in page_of(client_for(company.alice))


def test_it_leaves_a_key_result_someone_else_owns_to_them(company, krs):
    jobs, _latency = krs
    okrs.update_key_result(company.alice, jobs, {"owner": company.bob})
    assert "Jobs migrated" not in page_of(client_for(company.alice))
    assert "Jobs migrated" in page_of(client_for(company.bob))


def test_it_lists_a_key_result_without_owner_for_the_objective_owner(company, krs):
    jobs, _latency = krs
    okrs.update_key_result(company.alice, jobs, {"owner": None})
    assert "Jobs migrated" in page_of(client_for(company.alice))


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_it_leaves_out_objectives_that_are_not_active(company, krs, status):
    jobs, _latency = krs
    okrs.update_objective(company.alice, jobs.objective, {"status": status})
    assert "Jobs migrated" not in page_of(client_for(company.alice))


def test_it_leaves_out_a_key_result_whose_objective_i_may_no_longer_see(company):
    objective = okrs.create_objective(
        company.bob, cycle=company.quarter, title="Bob's secret plan", owner_person=company.bob
    )
    okrs.create_key_result(
        company.bob, objective, title="Quiet hiring", target=3, owner=company.alice
    )
    okrs.update_objective(company.bob, objective, {"visibility": "private"})
    page = page_of(client_for(company.alice))
    assert "Quiet hiring" not in page
    assert "secret plan" not in page


def test_it_tells_a_person_with_nothing_to_report_so(company):
    page = page_of(client_for(company.dave))
    assert "You have no key results to check in on in this cycle." in page
    assert "Save check-ins" not in page


# Saving ----------------------------------------------------------------------------------------


def test_it_records_a_changed_value_and_says_so(company, krs):
    jobs, _latency = krs
    client = client_for(company.alice)
    response = submit(client, {f"kr-{jobs.pk}-value": "80", f"kr-{jobs.pk}-note": "Batch 2"})
    assert response.status_code == 302
    assert response["Location"] == f"/check-in/?cycle={company.quarter.pk}"
    jobs.refresh_from_db()
    assert jobs.current == 80
    assert jobs.check_ins.first().note == "Batch 2"
    assert "Checked in on 1 key result." in client.get(response["Location"]).content.decode()


def test_it_skips_the_rows_left_as_they_were(company, krs):
    jobs, latency = krs
    submit(client_for(company.alice), {f"kr-{latency.pk}-value": "700"})
    assert latency.check_ins.count() == 1
    assert jobs.check_ins.count() == 1  # only the check-in of the fixture


def test_it_records_every_changed_row_together(company, krs):
    jobs, latency = krs
    client = client_for(company.alice)
    response = submit(client, {f"kr-{jobs.pk}-value": "90", f"kr-{latency.pk}-value": "700"})
    assert "Checked in on 2 key results." in client.get(response["Location"]).content.decode()
    assert (jobs.check_ins.count(), latency.check_ins.count()) == (2, 1)


def test_it_records_nothing_when_nothing_changed(company, krs):
    client = client_for(company.alice)
    response = submit(client, {})
    assert CheckIn.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Nothing changed, so nothing was recorded." in page


def test_a_note_alone_is_a_check_in_at_the_same_value(company, krs):
    jobs, _latency = krs
    submit(client_for(company.alice), {f"kr-{jobs.pk}-note": "Blocked on review"})
    newest = jobs.check_ins.first()
    assert (newest.value, newest.confidence, newest.note) == (50, 7, "Blocked on review")


def test_a_new_confidence_alone_is_a_check_in(company, krs):
    jobs, _latency = krs
    submit(client_for(company.alice), {f"kr-{jobs.pk}-confidence": "3"})
    jobs.refresh_from_db()
    assert (jobs.current, jobs.confidence, jobs.check_ins.count()) == (50, 3, 2)


def test_a_note_alone_keeps_a_large_value_exactly(company, krs):
    jobs, _latency = krs
    okrs.update_key_result(company.alice, jobs, {"target": 5_000_000}, reason="Bigger market")
    okrs.check_in(company.alice, jobs, value=1_234_567, confidence=7)
    submit(client_for(company.alice), {f"kr-{jobs.pk}-note": "Steady"})
    jobs.refresh_from_db()
    assert jobs.check_ins.first().note == "Steady"
    assert jobs.current == 1_234_567


def test_it_ticks_the_steps_of_a_milestone(company, krs):
    jobs, _latency = krs
    launch = okrs.create_key_result(
        company.alice,
        jobs.objective,
        title="Launch",
        kind=KeyResult.Kind.MILESTONE,
        steps=[{"title": "Beta", "weight": 1}, {"title": "GA", "weight": 3}],
    )
    beta = launch.steps.get(title="Beta")
    client = client_for(company.alice)
    submit(client, {f"kr-{launch.pk}-steps": str(beta.pk)})
    assert list(launch.steps.filter(done=True)) == [beta]
    assert "1 of 2 steps done" in page_of(client)


def test_it_marks_a_milestone_without_steps_done(company, krs):
    jobs, _latency = krs
    launch = okrs.create_key_result(
        company.alice, jobs.objective, title="Launch", kind=KeyResult.Kind.MILESTONE
    )
    submit(client_for(company.alice), {f"kr-{launch.pk}-done": "on"})
    launch.refresh_from_db()
    assert launch.current == 1


def test_it_ignores_fields_of_a_key_result_i_do_not_report_on(company, krs):
    objective = okrs.create_objective(
        company.dave, cycle=company.quarter, title="Sell more", owner_person=company.dave
    )
    deals = okrs.create_key_result(company.dave, objective, title="Deals", target=10)
    client = client_for(company.alice)
    submit(client, {f"kr-{deals.pk}-value": "9", f"kr-{deals.pk}-note": "hacked"})
    assert not deals.check_ins.exists()


# A wrong row -------------------------------------------------------------------------------


def test_a_wrong_row_saves_no_row_and_answers_400(company, krs):
    jobs, latency = krs
    response = submit(
        client_for(company.alice),
        {f"kr-{jobs.pk}-value": "lots", f"kr-{latency.pk}-value": "700"},
    )
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert CheckIn.objects.count() == 1
    jobs.refresh_from_db()
    assert jobs.current == 50


def test_a_wrong_row_rolls_back_rows_checked_in_before_it(company, krs):
    jobs, latency = krs
    response = submit(
        client_for(company.alice),
        {f"kr-{jobs.pk}-value": "90", f"kr-{latency.pk}-confidence": "11"},
    )
    assert response.status_code == 400
    jobs.refresh_from_db()
    assert (jobs.current, jobs.check_ins.count()) == (50, 1)


def test_a_wrong_row_keeps_what_was_typed_in_every_row(company, krs):
    jobs, latency = krs
    response = submit(
        client_for(company.alice),
        {
            f"kr-{jobs.pk}-value": "lots",
            f"kr-{jobs.pk}-note": "typed with care",
            f"kr-{latency.pk}-value": "700",
            f"kr-{latency.pk}-confidence": "8",
        },
    )
    form = form_of(response.content.decode())
    assert form[f"kr-{jobs.pk}-value"] == ["lots"]
    assert form[f"kr-{jobs.pk}-note"] == ["typed with care"]
    assert form[f"kr-{latency.pk}-value"] == ["700"]
    assert form[f"kr-{latency.pk}-confidence"] == ["8"]


def test_it_shows_a_wrong_value_next_to_the_value_field(company, krs):
    jobs, latency = krs
    response = submit(client_for(company.alice), {f"kr-{jobs.pk}-value": "lots"})
    row = row_of(response.content.decode(), jobs)
    assert f'aria-describedby="kr-{jobs.pk}-value-error"' in row
    assert re.search(rf'id="kr-{jobs.pk}-value-error">Enter a number.<', row)
    assert "Enter a number." not in row_of(response.content.decode(), latency)


def test_it_shows_a_confidence_out_of_range_next_to_the_confidence_field(company, krs):
    jobs, _latency = krs
    response = submit(client_for(company.alice), {f"kr-{jobs.pk}-confidence": "12"})
    assert response.status_code == 400
    error = re.search(rf'id="kr-{jobs.pk}-confidence-error">([^<]+)<', response.content.decode())
    assert error is not None
    assert "1 to 10" in error.group(1)


def test_a_closed_cycle_refuses_the_check_in_on_its_row(company, krs):
    jobs, _latency = krs
    okrs.update_cycle(company.admin, company.quarter, {"status": Cycle.Status.CLOSED})
    client = client_for(company.alice)
    form = form_of(client.get(f"/check-in/?cycle={company.quarter.pk}").content.decode())
    form[f"kr-{jobs.pk}-value"] = ["90"]
    response = client.post(f"/check-in/?cycle={company.quarter.pk}", form)
    assert response.status_code == 400
    assert "check-ins are over" in row_of(response.content.decode(), jobs)
    assert jobs.check_ins.count() == 1


# With HTMX ---------------------------------------------------------------------------------


def test_htmx_gets_back_only_the_form_with_the_saved_rows_marked(company, krs):
    jobs, latency = krs
    response = submit(client_for(company.alice), {f"kr-{jobs.pk}-value": "100"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<form id="check-in-form"')
    assert "Checked in on 1 key result." in html
    assert "Saved" in row_of(html, jobs)
    assert "Saved" not in row_of(html, latency)
    assert form_of(html)[f"kr-{jobs.pk}-value"] == ["100"]  # the row starts from the new value


def test_htmx_with_a_wrong_row_gets_the_form_with_its_errors_and_nothing_saved(company, krs):
    jobs, latency = krs
    response = submit(
        client_for(company.alice),
        {f"kr-{jobs.pk}-value": "lots", f"kr-{latency.pk}-value": "700"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200  # HTMX swaps only 2xx answers
    assert "<html" not in html
    assert "Enter a number." in row_of(html, jobs)
    assert "Saved" not in html
    assert form_of(html)[f"kr-{latency.pk}-value"] == ["700"]
    assert CheckIn.objects.count() == 1


# Queries ------------------------------------------------------------------------------------

# Session, user, cycle, the reader's reach (2), key results, steps, header profile, cycles.
QUERIES = 10  # with the unread notifications in the header


def _grow(company, objectives: int) -> None:
    """`objectives` objectives of Alice's, each with a metric (checked in) and a milestone
    with steps."""
    for n in range(objectives):
        objective = okrs.create_objective(
            company.alice, cycle=company.quarter, title=f"Goal {n}", owner_person=company.alice
        )
        kr = okrs.create_key_result(company.alice, objective, title=f"Metric {n}", target=10)
        okrs.check_in(company.alice, kr, value=3, confidence=7)
        okrs.create_key_result(
            company.alice,
            objective,
            title=f"Milestone {n}",
            kind=KeyResult.Kind.MILESTONE,
            steps=[{"title": "One"}, {"title": "Two"}],
        )


@pytest.mark.parametrize("size", [3, 30])
def test_the_page_runs_a_bounded_number_of_queries(company, django_assert_max_num_queries, size):
    _grow(company, size)
    client = client_for(company.alice)
    page_of(client)  # the first visit of a session also remembers the person's language
    with django_assert_max_num_queries(QUERIES):
        response = client.get("/check-in/")
    assert response.status_code == 200
    assert response.content.decode().count('class="weekly-row') == 2 * size


@pytest.mark.parametrize("size", [3, 30])
def test_saving_with_nothing_changed_runs_a_bounded_number_of_queries(
    company, django_assert_max_num_queries, size
):
    _grow(company, size)
    client = client_for(company.alice)
    form = form_of(page_of(client))
    with django_assert_max_num_queries(QUERIES + 2):  # the rows again, after saving
        response = client.post("/check-in/", form, headers=HTMX)
    assert "Nothing changed" in response.content.decode()


def test_a_row_left_alone_never_brings_back_an_older_value(company, krs):
    jobs, _latency = krs
    client = client_for(company.alice)
    form = form_of(page_of(client))  # the page as alice loaded it
    okrs.check_in(company.alice, jobs, value=150, confidence=9, note="from the API meanwhile")
    response = client.post("/check-in/", form)
    assert response.status_code == 302
    jobs.refresh_from_db()
    assert jobs.current == 150
    assert CheckIn.objects.filter(key_result=jobs).count() == 2
