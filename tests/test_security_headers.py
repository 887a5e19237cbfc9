"""A Content-Security-Policy on every page, and pages it does not break: no inline script, no
`on…=` event attribute, so text a person typed can never become code."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from stretch.okrs import services as okrs

# Text a person might type, which must come out as text.
TYPED = '<script>alert("owned")</script><img src=x onerror=alert(1)>'

PAGES = ["/", "/check-in/", "/explore/", "/objectives/{objective}/", "/login/", "/api/v1/docs"]
SIGNED_OUT = {"/login/", "/api/v1/docs"}


class _Scripts(HTMLParser):
    """Collects inline scripts and event-handler attributes of a page."""

    def __init__(self):
        super().__init__()
        self.inline_scripts: list[str] = []
        self.handlers: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, _value in attrs:
            if name.lower().startswith("on"):
                self.handlers.append(f"<{tag} {name}=…>")
        if tag == "script":
            self.scripts += 1
            data_block = (attributes.get("type") or "").lower() == "application/json"
            if not attributes.get("src") and not data_block:
                self.inline_scripts.append(self.get_starttag_text() or "<script>")


def scan(html: str) -> _Scripts:
    parser = _Scripts()
    parser.feed(html)
    return parser


@pytest.fixture
def objective(company):
    """An objective whose title, description, key result and check-in note carry markup."""
    objective = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title=f"Ship {TYPED}",
        description=TYPED,
        owner_person=company.alice,
    )
    kr = okrs.create_key_result(company.alice, objective, title=f"Jobs {TYPED}", target=10)
    okrs.check_in(company.alice, kr, value=3, confidence=7, note=TYPED)
    okrs.update_objective(company.alice, objective, {"strategy": TYPED})
    return objective


def get(company, objective, path: str):
    client = Client()
    if path not in SIGNED_OUT:
        client.force_login(company.alice)
    response = client.get(path.format(objective=objective.pk), {"q": "Ship"})
    assert response.status_code == 200, path
    return response


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


@pytest.mark.parametrize("path", PAGES)
def test_the_page_sends_a_content_security_policy_that_allows_only_own_scripts(
    company, objective, path
):
    policy = directives(get(company, objective, path)["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy.get("default-src", [])
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", PAGES)
def test_the_page_has_no_inline_script(company, objective, path):
    page = scan(get(company, objective, path).content.decode())
    assert page.scripts > 0  # the page does load scripts: from files
    assert page.inline_scripts == []


@pytest.mark.parametrize("path", PAGES)
def test_the_page_has_no_event_handler_attribute(company, objective, path):
    assert scan(get(company, objective, path).content.decode()).handlers == []


def test_typed_markup_is_shown_as_text(company, objective):
    response = get(company, objective, "/objectives/{objective}/")
    html = response.content.decode()
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in html
    assert '<script>alert("owned")' not in html


def test_the_htmx_check_in_form_has_no_inline_script_either(company, objective):
    client = Client()
    client.force_login(company.alice)
    response = client.post("/check-in/", {}, headers={"HX-Request": "true"})
    page = scan(response.content.decode())
    assert (page.inline_scripts, page.handlers) == ([], [])


def test_a_page_may_not_be_framed_by_another_site(company, objective):
    assert get(company, objective, "/")["X-Frame-Options"] == "DENY"
