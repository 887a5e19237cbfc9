"""The feedback page: forms that work without JavaScript, and privacy on the page."""

from django.test import Client

from stretch.cfr import feedback
from stretch.cfr.models import Feedback, FeedbackRequest


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_inbox_and_the_forms(company):
    page = client_of(company.alice).get("/feedback/").content.decode()
    assert "Give feedback" in page and "Request feedback" in page and "Requests to answer" in page
    assert 'href="/feedback/"' in page


def test_giving_feedback_from_the_form(company, objective):
    answer = client_of(company.alice).post(
        "/feedback/give/",
        {
            "receiver": company.bob.pk,
            "body": "Good call",
            "visibility": "manager",
            "objective": objective.pk,
        },
    )
    assert answer.status_code == 302
    given = Feedback.objects.get()
    assert given.receiver == company.bob and given.objective == objective
    assert "Good call" in client_of(company.bob).get("/feedback/").content.decode()


def test_a_refused_form_is_shown_again_with_the_problem(company):
    answer = client_of(company.alice).post(
        "/feedback/give/", {"receiver": company.alice.pk, "body": "Me", "visibility": "private"}
    )
    assert answer.status_code == 400 and "yourself" in answer.content.decode()
    empty = client_of(company.alice).post(
        "/feedback/ask/", {"people": [company.bob.pk], "about": ""}
    )
    assert empty.status_code == 400 and "what it is about" in empty.content.decode()


def test_requesting_answering_and_declining_from_the_page(company):
    alice, bob, dave = (client_of(p) for p in (company.alice, company.bob, company.dave))
    sent = alice.post(
        "/feedback/ask/", {"people": [company.bob.pk, company.dave.pk], "about": "My design doc"}
    )
    assert sent.status_code == 302
    to_bob = FeedbackRequest.objects.get(asked=company.bob)
    to_dave = FeedbackRequest.objects.get(asked=company.dave)
    assert "My design doc" in bob.get("/feedback/").content.decode()
    assert (
        alice.post(
            f"/feedback/requests/{to_bob.pk}/answer/", {"body": "x", "visibility": "private"}
        ).status_code
        == 403
    )
    answered = bob.post(
        f"/feedback/requests/{to_bob.pk}/answer/",
        {"body": "Clear and short", "visibility": "private"},
    )
    declined = dave.post(f"/feedback/requests/{to_dave.pk}/decline/", {"reason": "On leave"})
    assert answered.status_code == declined.status_code == 302
    page = alice.get("/feedback/").content.decode()
    assert "Clear and short" in page and "On leave" in page


def test_private_feedback_is_not_on_anyone_elses_page(company):
    feedback.give_feedback(
        company.bob, receiver=company.alice.pk, body="Secret words", visibility="private"
    )
    assert "Secret words" in client_of(company.alice).get("/feedback/").content.decode()
    for outsider in (company.carol, company.dave, company.admin):
        assert "Secret words" not in client_of(outsider).get("/feedback/").content.decode()


def test_the_page_runs_a_bounded_number_of_queries(company, django_assert_max_num_queries):
    client = client_of(company.alice)

    def make(n):
        for i in range(n):
            feedback.give_feedback(
                company.bob, receiver=company.alice.pk, body=f"#{i}", visibility="public"
            )
            feedback.give_feedback(
                company.alice, receiver=company.dave.pk, body=f"#{i}", visibility="manager"
            )
            feedback.request_feedback(company.dave, people=[company.alice.pk], about=f"#{i}")
            feedback.request_feedback(company.alice, people=[company.bob.pk], about=f"#{i}")

    make(1)
    with django_assert_max_num_queries(25) as small:
        client.get("/feedback/")
    make(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/feedback/")


def test_the_receivers_manager_does_not_see_private_feedback_on_the_page(company):
    feedback.give_feedback(
        company.dave, receiver=company.alice.pk, body="Between us", visibility="private"
    )
    assert "Between us" not in client_of(company.bob).get("/feedback/").content.decode()
