"""Pages of setting OKRs together: the objective page's agreement panel, the editor with
the workflow on, the Requests page, and the company setting in Admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stretch.okrs import services as okrs
from stretch.okrs.models import Dependency, Objective, Proposal
from stretch.org import services as org
from stretch.org.models import Company, Membership
from tests.helpers import client_for
from tests.okrs.agreement_helpers import draft, workflow


def page_of(user, objective) -> str:
    return client_for(user).get(f"/objectives/{objective.pk}/").content.decode()


def status_of(objective) -> str:
    return Objective.objects.get(pk=objective.pk).status


# The objective page -------------------------------------------------------------------------


def test_with_the_workflow_off_a_draft_offers_publish_and_propose(company):
    objective = draft(company)
    page = page_of(company.alice, objective)
    assert f'action="/objectives/{objective.pk}/publish/"' in page
    assert f'action="/objectives/{objective.pk}/propose/"' in page
    assert "Bob" in page  # the reviewer offered
    assert "#comments-heading" in page


def test_with_the_workflow_off_the_owner_publishes_from_the_page(company):
    objective = draft(company)
    response = client_for(company.alice).post(f"/objectives/{objective.pk}/publish/")
    assert response.status_code == 302
    assert status_of(objective) == "active"


def test_with_the_workflow_on_a_draft_offers_only_propose_and_says_why(company):
    workflow(on=True)
    objective = draft(company)
    page = page_of(company.alice, objective)
    assert f'action="/objectives/{objective.pk}/publish/"' not in page
    assert "propose it to Bob first" in page
    refused = client_for(company.alice).post(f"/objectives/{objective.pk}/publish/")
    assert refused.status_code == 400
    assert "propose it to Bob first" in refused.content.decode()
    assert status_of(objective) == "draft"


def test_the_round_trip_on_the_pages_with_the_workflow_on(company):
    workflow(on=True)
    objective = draft(company)
    alice, bob = client_for(company.alice), client_for(company.bob)
    proposed = alice.post(
        f"/objectives/{objective.pk}/propose/",
        {"reviewer": company.bob.pk, "message": "Ready for a look"},
    )
    assert proposed.status_code == 302
    page = page_of(company.bob, objective)
    assert "Agree and publish" in page and "Ask for changes" in page
    assert "Ready for a look" in page
    assert "Agree and publish" not in page_of(company.alice, objective)
    proposal = Proposal.objects.get()
    refused = bob.post(f"/proposals/{proposal.pk}/request-changes/", {"answer": ""})
    assert refused.status_code == 400
    assert "Say what should change" in refused.content.decode()
    bob.post(f"/proposals/{proposal.pk}/request-changes/", {"answer": "Sharper title"})
    assert "Sharper title" in page_of(company.alice, objective)
    alice.post(f"/objectives/{objective.pk}/propose/", {"message": "Sharper now"})
    again = Proposal.objects.get(state="pending")
    assert bob.post(f"/proposals/{again.pk}/agree/", {"answer": "Yes"}).status_code == 302
    assert status_of(objective) == "active"
    page = page_of(company.alice, objective)
    assert "2 proposals" in page and "Agreed" in page


def test_someone_else_answering_a_proposal_on_the_page_is_forbidden(company):
    objective = draft(company)
    client_for(company.alice).post(f"/objectives/{objective.pk}/propose/", {})
    proposal = Proposal.objects.get()
    assert client_for(company.carol).post(f"/proposals/{proposal.pk}/agree/").status_code == 403


def test_a_private_drafts_pages_and_forms_are_not_found_for_an_outsider(company):
    objective = draft(company, visibility="private")
    client_for(company.alice).post(f"/objectives/{objective.pk}/propose/", {})
    proposal = Proposal.objects.get()
    dave = client_for(company.dave)
    assert dave.get(f"/objectives/{objective.pk}/").status_code == 404
    assert dave.post(f"/objectives/{objective.pk}/propose/").status_code == 404
    assert dave.post(f"/proposals/{proposal.pk}/agree/").status_code == 404
    assert dave.get(f"/objectives/{objective.pk}/alignment-requests/new/").status_code == 404


def test_an_active_objective_shows_no_agreement_panel_to_a_reader(company):
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Live", owner_person=company.alice
    )
    assert 'id="agreement"' not in page_of(company.dave, objective)
    assert 'id="agreement"' in page_of(company.alice, objective)  # ask to align, add a team


# The editor ---------------------------------------------------------------------------------


def test_with_the_workflow_on_the_editor_starts_a_draft_and_says_it_needs_agreement(company):
    workflow(on=True)
    page = client_for(company.alice).get("/objectives/new/").content.decode()
    assert '<option value="draft" selected>' in page
    assert "Your company agrees objectives before they are published" in page


def test_with_the_workflow_off_the_editor_starts_active(company):
    page = client_for(company.alice).get("/objectives/new/").content.decode()
    assert '<option value="active" selected>' in page
    assert "Your company agrees objectives" not in page


def test_with_the_workflow_on_saving_a_new_objective_active_is_refused_on_status(company):
    workflow(on=True)
    client = client_for(company.alice)
    data = {
        "title": "Ship it",
        "cycle": company.quarter.pk,
        "owner": f"person:{company.alice.pk}",
        "kind": "committed",
        "visibility": "public",
        "status": "active",
        "kr-TOTAL_FORMS": "0",
        "kr-INITIAL_FORMS": "0",
        "save": "1",
    }
    refused = client.post("/objectives/new/", data)
    assert refused.status_code == 400
    assert "propose it to Bob first" in refused.content.decode()
    assert client.post("/objectives/new/", {**data, "status": "draft"}).status_code == 302


# The Requests page --------------------------------------------------------------------------


@pytest.fixture
def asks(company, api_as):
    """Alice proposes to Bob, asks to align to Dave's objective and needs Sales (Dave leads it)."""
    org.set_membership(company.sales, company.dave, Membership.Role.LEAD)
    objective = draft(company)
    alice = api_as(company.alice)
    alice.post(f"/objectives/{objective.pk}/proposal", {"message": "Plan"})
    mine = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Faster builds", owner_person=company.alice
    )
    target = okrs.create_objective(
        company.dave, cycle=company.year, title="Win the enterprise", owner_person=company.dave
    )
    alice.post("/alignment-requests", {"objective": mine.pk, "target": target.pk})
    alice.post("/dependencies", {"objective": mine.pk, "team": company.sales.pk, "note": "Help"})
    return objective


def test_the_requests_page_lists_what_waits_for_me(company, asks):
    bob = client_for(company.bob).get("/requests/").content.decode()
    assert "Ship the scheduler" in bob and "Agree and publish" in bob
    dave = client_for(company.dave).get("/requests/").content.decode()
    assert "Win the enterprise" in dave and "Faster builds" in dave
    assert "Confirm: we will help" in dave
    assert "No proposal waits for you." in dave


def test_the_requests_page_lists_what_i_asked(company, asks):
    page = client_for(company.alice).get("/requests/").content.decode()
    assert "Proposed to Bob" in page
    assert "Win the enterprise" in page
    assert "Help of Sales" in page


def test_answering_from_the_requests_page_comes_back_to_it(company, asks):
    dependency = Dependency.objects.get()
    response = client_for(company.dave).post(
        f"/dependencies/{dependency.pk}/confirm/", {"back": "requests"}
    )
    assert response.status_code == 302 and response["Location"] == "/requests/"
    proposal = Proposal.objects.get()
    refused = client_for(company.bob).post(
        f"/proposals/{proposal.pk}/request-changes/", {"back": "requests", "answer": ""}
    )
    assert refused.status_code == 400
    assert "Proposals to review" in refused.content.decode()


def count_queries(client, url) -> int:
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_requests_page_runs_as_many_queries_with_more_requests(company, asks, api_as):
    alice, client = api_as(company.alice), client_for(company.bob)
    before = count_queries(client, "/requests/")
    for n in range(8):
        objective = draft(company, title=f"Draft {n}")
        alice.post(f"/objectives/{objective.pk}/proposal", {})
    assert count_queries(client, "/requests/") == before


def test_the_objective_page_runs_as_many_queries_with_more_requests(company, asks, api_as):
    target = Objective.objects.get(title="Win the enterprise")
    client = client_for(company.dave)
    url = f"/objectives/{target.pk}/"
    before = count_queries(client, url)
    alice = api_as(company.alice)
    for n in range(6):
        child = okrs.create_objective(
            company.alice, cycle=company.quarter, title=f"Child {n}", owner_person=company.alice
        )
        alice.post("/alignment-requests", {"objective": child.pk, "target": target.pk})
        alice.post("/dependencies", {"objective": target.pk, "team": company.platform.pk})
    assert count_queries(client, url) == before
    page = client.get(url).content.decode()
    assert "Child 5" in page and "Accept" in page


# The company setting ------------------------------------------------------------------------


def test_an_administrator_turns_the_workflow_on_in_admin(company):
    admin = client_for(company.admin)
    company_row = Company.load()
    page = admin.get(f"/admin/org/company/{company_row.pk}/change/").content.decode()
    assert "okrs_need_agreement" in page
