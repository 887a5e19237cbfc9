"""The inbox page and the bell: notifications newest first, marking them read (with and
without HTMX), preferences; and the same through the API. Only ever one's own."""

import pytest

from stretch.social.models import Notification, NotificationPreference
from tests.helpers import client_for


def notify(user, title, read=False, url="/check-in/"):
    from django.utils import timezone

    return Notification.objects.create(
        recipient=user,
        kind="reminder_due",
        title=title,
        body=f"Body of {title}",
        url=url,
        read_at=timezone.now() if read else None,
    )


def bell(page: str) -> str:
    start = page.index('id="bell"')
    return page[start : page.index("</a>", start)]


def test_the_bell_shows_the_unread_count_and_links_to_the_inbox(company):
    notify(company.alice, "One")
    notify(company.alice, "Two")
    notify(company.alice, "Old", read=True)
    notify(company.dave, "Dave's")
    page = client_for(company.alice).get("/").content.decode()
    assert 'class="badge" aria-hidden="true">2<' in bell(page)
    assert 'href="/notifications/"' in bell(page)
    assert "2 unread" in bell(page)


def test_no_badge_without_unread_notifications(company):
    notify(company.alice, "Old", read=True)
    assert "badge" not in bell(client_for(company.alice).get("/").content.decode())


def test_the_inbox_lists_ones_own_notifications_newest_first(company):
    notify(company.alice, "First one")
    notify(company.alice, "Second one")
    notify(company.dave, "Dave's secret")
    page = client_for(company.alice).get("/notifications/").content.decode()
    assert page.index("Second one") < page.index("First one")
    assert "Dave's secret" not in page
    assert "Body of First one" in page


def test_the_inbox_is_paged(company):
    for n in range(25):
        notify(company.alice, f"Note {n:02d}")
    first = client_for(company.alice).get("/notifications/").content.decode()
    second = client_for(company.alice).get("/notifications/?page=2").content.decode()
    assert "Note 24" in first and "Note 04" not in first
    assert "Note 04" in second and "Page 2 of 2" in second


def test_mark_one_read_without_javascript(company):
    note = notify(company.alice, "Read me")
    response = client_for(company.alice).post(f"/notifications/{note.pk}/read/", {"page": "1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=1"
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_one_read_with_htmx_swaps_the_row_and_the_bell(company):
    note = notify(company.alice, "Read me")
    notify(company.alice, "Still unread")
    response = client_for(company.alice).post(
        f"/notifications/{note.pk}/read/", headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{note.pk}" class="notification reminder_due read"' in body
    assert 'hx-swap-oob="true"' in bell(body) and ">1<" in bell(body)
    assert "Still unread" not in body


def test_another_persons_notification_is_404(company):
    note = notify(company.dave, "Dave's")
    client = client_for(company.alice)
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{note.pk}/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read(company):
    for n in range(3):
        notify(company.alice, f"Note {n}")
    dave = notify(company.dave, "Dave's")
    client = client_for(company.alice)
    response = client.post("/notifications/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=company.alice, read_at=None).exists()
    dave.refresh_from_db()
    assert dave.read_at is None
    page = client.get(response["Location"]).content.decode()
    assert "All notifications are marked read." in page
    assert "badge" not in bell(page)


def test_mark_all_read_with_htmx_returns_the_list_and_the_bell(company):
    notify(company.alice, "Note")
    response = client_for(company.alice).post(
        "/notifications/read-all/", headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert '<section id="inbox"' in body and "notification reminder_due read" in body
    assert 'hx-swap-oob="true"' in bell(body) and "badge" not in bell(body)


def test_opening_a_notification_marks_it_read_and_follows_its_link(company):
    note = notify(company.alice, "Go", url="/check-in/")
    response = client_for(company.alice).get(f"/notifications/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == "/check-in/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_preferences_form_on_the_inbox_page(company):
    client = client_for(company.alice)
    page = client.get("/notifications/").content.decode()
    assert 'name="email_reminders"' in page and "checked" in page
    response = client.post("/notifications/preferences/", {"weekly_digest": "on"})
    assert response.status_code == 302
    prefs = NotificationPreference.objects.get(user=company.alice)
    assert (prefs.email_reminders, prefs.weekly_digest, prefs.email_digest) == (False, True, False)
    page = client.get("/notifications/").content.decode()
    assert "Your notification preferences are saved." in page


def test_preferences_with_htmx_come_back_saved(company):
    response = client_for(company.alice).post(
        "/notifications/preferences/",
        {"email_reminders": "on", "weekly_digest": "on", "email_digest": "on"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert '<section id="preferences"' in response.content.decode()
    assert "Saved." in response.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_the_inbox_page_runs_a_bounded_number_of_queries(
    company, count, django_assert_max_num_queries
):
    for n in range(count):
        notify(company.alice, f"Note {n}")
    client = client_for(company.alice)
    with django_assert_max_num_queries(13):  # 12 + who the reader may see (reach)
        assert client.get("/notifications/").status_code == 200


# The API ---------------------------------------------------------------------------------


def test_api_lists_my_notifications_paginated(company, api_as):
    for n in range(3):
        notify(company.alice, f"Note {n}")
    notify(company.alice, "Old", read=True)
    notify(company.dave, "Dave's")
    answer = api_as(company.alice).get("/notifications?limit=2").json_body
    assert answer["count"] == 4 and answer["limit"] == 2 and answer["offset"] == 0
    assert answer["unread"] == 3
    assert [item["title"] for item in answer["items"]] == ["Old", "Note 2"]
    unread = api_as(company.alice).get("/notifications?unread=true").json_body
    assert unread["count"] == 3 and all(not item["read"] for item in unread["items"])


def test_api_marks_one_read_and_all_read(company, api_as):
    first, second = notify(company.alice, "A"), notify(company.alice, "B")
    api = api_as(company.alice)
    response = api.post(f"/notifications/{first.pk}/read")
    assert response.status_code == 200
    assert response.json_body["read"] is True and response.json_body["read_at"]
    assert api.post("/notifications/read-all").json_body == {"marked": 1}
    second.refresh_from_db()
    assert second.read_at is not None


def test_api_another_persons_notification_is_404(company, api_as):
    note = notify(company.dave, "Dave's")
    response = api_as(company.alice).post(f"/notifications/{note.pk}/read")
    assert response.status_code == 404
    assert "detail" in response.json_body


def test_api_preferences_get_and_patch(company, api_as):
    api = api_as(company.alice)
    defaults = {
        "email_reminders": True,
        "weekly_digest": True,
        "email_digest": True,
        "on_mention": True,
        "on_comment": True,
        "on_check_in": True,
        "on_request": True,
        "on_off_track": True,
        "on_recognition": True,
        "email_activity": "each",
    }
    assert api.get("/notifications/preferences").json_body == defaults
    answer = api.patch(
        "/notifications/preferences", {"email_digest": False, "email_activity": "daily"}
    ).json_body
    assert answer == defaults | {"email_digest": False, "email_activity": "daily"}
    assert api.get("/notifications/preferences").json_body["email_digest"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email_reminders": "maybe"}, "email_reminders"),
        ({"email_reminders": 1}, "email_reminders"),
        ({"email_sometimes": True}, "email_sometimes"),
        ({"weekly_digest": None}, "weekly_digest"),
        ({"email_activity": "hourly"}, "email_activity"),
        ({"on_mention": "yes"}, "on_mention"),
    ],
)
def test_api_bad_preferences_are_refused_naming_the_field(company, api_as, body, field):
    response = api_as(company.alice).patch("/notifications/preferences", body)
    assert response.status_code in (400, 422)
    assert field in str(response.json_body["detail"])
    assert not NotificationPreference.objects.filter(user=company.alice).exists()


def test_api_needs_a_signed_in_person(company, api_as):
    assert api_as(None).get("/notifications").status_code == 401


@pytest.mark.parametrize("count", [3, 30])
def test_api_list_runs_a_bounded_number_of_queries(
    company, api_as, count, django_assert_max_num_queries
):
    for n in range(count):
        notify(company.alice, f"Note {n}")
    api = api_as(company.alice)
    with django_assert_max_num_queries(7):  # 6 + who the reader may see (reach)
        assert api.get("/notifications").json_body["count"] == count
