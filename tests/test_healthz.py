"""/healthz: what a load balancer asks, answered without a query or a sign-in."""

from django.test import Client

from stretch.middleware import FirstRunMiddleware


def test_it_answers_ok_without_signing_in_and_without_a_query(
    db, django_assert_num_queries, monkeypatch
):
    # A new installation, where every page leads to /setup/: /healthz still answers.
    monkeypatch.setattr(FirstRunMiddleware, "users_exist", False)
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_it_only_answers_get(db):
    assert Client().post("/healthz").status_code == 405
