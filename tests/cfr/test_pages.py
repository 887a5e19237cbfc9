import pytest
from django.test import Client

from stretch.cfr import services
from stretch.cfr.models import ActionItem, Conversation


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice(company):
    return client_of(company.alice)


@pytest.fixture
def bob(company):
    return client_of(company.bob)


def test_the_list_shows_my_upcoming_one_on_ones_and_the_form(company, one_on_one, alice):
    page = alice.get("/one-on-ones/").content.decode()
    assert "Bob and Alice" in page and "Start a 1:1" in page


def test_starting_a_one_on_one_from_the_form(company, clock, alice):
    answer = alice.post(
        "/one-on-ones/",
        {
            "other": company.bob.pk,
            "title": "Our 1:1",
            "cadence": "biweekly",
            "first_meeting_at": "2026-10-06T09:30",
            "template": "career",
        },
    )
    conversation = Conversation.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/one-on-ones/{conversation.pk}/"
    assert "Skills to grow" in alice.get(answer["Location"]).content.decode()


def test_a_form_with_oneself_is_shown_again_with_the_problem(company, clock, alice):
    answer = alice.post(
        "/one-on-ones/",
        {
            "other": company.alice.pk,
            "title": "Me",
            "cadence": "weekly",
            "first_meeting_at": "2026-10-06T09:30",
        },
    )
    assert answer.status_code == 400
    assert "two different people" in answer.content.decode()


def test_others_get_404_on_the_page(company, one_on_one):
    for outsider in (company.dave, company.admin):
        client = client_of(outsider)
        assert client.get(f"/one-on-ones/{one_on_one.pk}/").status_code == 404
        assert (
            client.post(f"/one-on-ones/{one_on_one.pk}/agenda/", {"text": "x"}).status_code == 404
        )
        assert "Bob and Alice" not in client.get("/one-on-ones/").content.decode()


def test_an_agenda_item_linked_to_a_key_result_shows_its_progress(
    company, one_on_one, kr, alice, bob
):
    answer = alice.post(
        f"/one-on-ones/{one_on_one.pk}/agenda/", {"text": "The migration", "key_result": kr.pk}
    )
    assert answer.status_code == 302
    page = bob.get(f"/one-on-ones/{one_on_one.pk}/").content.decode()
    assert "The migration" in page and "Jobs migrated" in page
    assert 'class="progress' in page and "50%" in page


def test_a_private_note_is_shown_to_its_author_only(company, one_on_one, alice, bob):
    meeting = services.next_meeting(one_on_one)
    alice.post(f"/one-on-ones/{one_on_one.pk}/meetings/{meeting.pk}/note/", {"text": "Secret plan"})
    assert "Secret plan" in alice.get(f"/one-on-ones/{one_on_one.pk}/").content.decode()
    assert "Secret plan" not in bob.get(f"/one-on-ones/{one_on_one.pk}/").content.decode()
    assert "Secret plan" not in bob.get("/one-on-ones/").content.decode()


def test_shared_notes_and_marking_the_meeting_done(company, one_on_one, bob):
    meeting = services.next_meeting(one_on_one)
    answer = bob.post(
        f"/one-on-ones/{one_on_one.pk}/meetings/{meeting.pk}/",
        {"shared_notes": "We agreed", "status": "done"},
    )
    assert answer.status_code == 302
    page = bob.get(f"/one-on-ones/{one_on_one.pk}/").content.decode()
    assert "We agreed" in page  # in the past meetings
    assert services.next_meeting(one_on_one).pk != meeting.pk


def test_action_items_carry_over_on_the_page_until_done(company, one_on_one, alice, bob):
    bob.post(
        f"/one-on-ones/{one_on_one.pk}/actions/",
        {"text": "Write the design", "owner": company.alice.pk, "due": "2026-10-09"},
    )
    meeting = services.next_meeting(one_on_one)
    bob.post(f"/one-on-ones/{one_on_one.pk}/meetings/{meeting.pk}/", {"status": "done"})
    assert "Write the design" in alice.get(f"/one-on-ones/{one_on_one.pk}/").content.decode()
    item = ActionItem.objects.get()
    alice.post(f"/one-on-ones/{one_on_one.pk}/actions/{item.pk}/done/")
    assert "Write the design" not in alice.get(f"/one-on-ones/{one_on_one.pk}/").content.decode()


def test_a_bad_action_item_owner_is_shown_again(company, one_on_one, bob):
    answer = bob.post(
        f"/one-on-ones/{one_on_one.pk}/actions/", {"text": "x", "owner": company.dave.pk}
    )
    assert answer.status_code == 400 and "one of the two participants" in answer.content.decode()


def test_the_pages_run_a_bounded_number_of_queries(
    company, one_on_one, kr, bob, django_assert_max_num_queries
):
    for i in range(5):
        services.add_agenda_item(company.bob, one_on_one, text=f"Point {i}", key_result=kr.pk)
        services.add_action_item(company.bob, one_on_one, text=f"Do {i}", owner=company.bob.pk)
    with django_assert_max_num_queries(26):
        assert bob.get(f"/one-on-ones/{one_on_one.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert bob.get("/one-on-ones/").status_code == 200


def test_the_more_menu_links_to_one_on_ones(company, alice):
    assert 'href="/one-on-ones/"' in alice.get("/").content.decode()


def test_an_administrator_sees_in_django_admin_that_a_conversation_exists_nothing_more(
    company, one_on_one
):
    meeting = services.next_meeting(one_on_one)
    services.set_private_note(company.alice, meeting, "Very private")
    services.update_meeting(company.alice, meeting, shared_notes="Shared bits")
    admin = client_of(company.admin)
    listing = admin.get("/admin/cfr/conversation/")
    assert listing.status_code == 200 and "Bob and Alice" in listing.content.decode()
    detail = admin.get(f"/admin/cfr/conversation/{one_on_one.pk}/change/").content.decode()
    assert "Very private" not in detail and "Shared bits" not in detail
    assert admin.get("/admin/cfr/privatenote/").status_code == 404
    assert admin.get("/admin/cfr/meeting/").status_code == 404


def test_the_list_shows_past_meetings_with_names(company, one_on_one, alice):
    services.update_meeting(company.alice, services.next_meeting(one_on_one), status="done")
    page = alice.get("/one-on-ones/").content.decode()
    # The title and the names "Bob and Alice", in upcoming and in past meetings.
    assert page.count("Bob and Alice") == 4
    assert "Done" in page and "bob and alice" not in page
