"""/setup/: the first run, when nobody has an account yet, creates the first administrator."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from stretch.middleware import FirstRunMiddleware
from stretch.org import services as org

FORM = {
    "username": "mei",
    "email": "mei@example.com",
    "password1": "a long enough password",
    "password2": "a long enough password",
}


@pytest.fixture(autouse=True)
def fresh_process(db):
    """Each test starts as a newly started server that has not yet seen anyone."""
    FirstRunMiddleware.users_exist = False
    yield
    FirstRunMiddleware.users_exist = False


@pytest.mark.parametrize("path", ["/", "/company/", "/login/", "/admin/"])
def test_every_page_leads_to_setup_while_nobody_exists(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == "/setup/"


def test_the_api_is_left_alone_on_the_first_run():
    assert Client().get("/api/v1/me").status_code == 401


def test_the_setup_form_asks_for_username_email_and_password_twice():
    html = Client().get("/setup/").content.decode()
    for field in ["username", "email", "password1", "password2"]:
        assert f'name="{field}"' in html
    assert 'for="id_password2"' in html


def test_setup_creates_the_first_administrator_and_signs_them_in():
    client = Client()
    response = client.post("/setup/", FORM)
    assert response.status_code == 302 and response["Location"] == "/"
    mei = get_user_model().objects.get()
    assert (mei.username, mei.email, mei.is_superuser, mei.is_staff) == (
        "mei",
        "mei@example.com",
        True,
        True,
    )
    assert mei.check_password(FORM["password1"])
    assert mei.profile.display_name == "mei"
    assert client.get("/").status_code == 200  # signed in


def test_setup_refuses_two_different_passwords():
    response = Client().post("/setup/", {**FORM, "password2": "something else entirely"})
    assert response.status_code == 400
    assert "The two passwords differ." in response.content.decode()
    assert not get_user_model().objects.exists()


def test_setup_applies_the_password_validators():
    response = Client().post("/setup/", {**FORM, "password1": "short", "password2": "short"})
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_setup_is_404_once_anyone_exists():
    org.create_person("someone")
    assert Client().get("/setup/").status_code == 404
    assert Client().post("/setup/", FORM).status_code == 404
    assert get_user_model().objects.count() == 1


def test_once_someone_exists_pages_cost_no_query_for_the_check(django_assert_num_queries):
    org.create_person("someone")
    client = Client()
    with django_assert_num_queries(1):  # the first request finds out
        assert client.get("/login/").status_code == 200
    with django_assert_num_queries(0):  # and the process remembers
        assert client.get("/login/").status_code == 200
