"""Shared fixtures: a small company with named personas, and an API client per person.

The personas (healthchecks style):
- alice: owns personal objectives, a member of Platform, reports to bob
- bob: leads Platform, manages alice, reports to carol
- carol: leads Engineering, bob's manager (so alice's manager's manager)
- dave: a member of Sales, outside Engineering: the outsider
- admin: an administrator
"""

import json
from datetime import date, timedelta

import pytest
from django.test import Client

from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle
from stretch.org import services as org
from stretch.org.models import Company, Membership, StrategyPillar, Team


class Api:
    """Calls the JSON API as one person, with a bearer token, and decodes the answer."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            self.headers["Authorization"] = f"Bearer {org.issue_token(user)}"

    def request(self, method: str, path: str, body=None, **headers):
        kwargs = {"headers": {**self.headers, **headers}}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        response = getattr(self.client, method)(f"/api/v1{path}", **kwargs)
        response.json_body = response.json() if response.content else None
        return response

    def get(self, path, **headers):
        return self.request("get", path, **headers)

    def post(self, path, body=None, **headers):
        return self.request("post", path, body if body is not None else {}, **headers)

    def patch(self, path, body=None, **headers):
        return self.request("patch", path, body if body is not None else {}, **headers)

    def delete(self, path, **headers):
        return self.request("delete", path, **headers)


@pytest.fixture(autouse=True)
def test_settings(settings):
    """Hash passwords cheaply (the real hasher is slow on purpose) and serve static files
    from the source folders (`stretch serve` collects them with hashed names)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


class Personas:
    """The personas, teams and cycles of one test."""


@pytest.fixture
def company(db):
    c = Personas()
    Company.objects.update_or_create(
        pk=1, defaults={"name": "Testco", "mission": "Test everything", "vision": "Green builds"}
    )
    c.pillar = StrategyPillar.objects.create(name="Quality", position=0)
    c.root = Team.objects.create(name="Testco")
    c.engineering = Team.objects.create(name="Engineering", parent=c.root)
    c.platform = Team.objects.create(name="Platform", parent=c.engineering)
    c.sales = Team.objects.create(name="Sales", parent=c.root)
    c.admin = org.create_person("admin", password="pw-admin-123", admin=True)
    c.ceo = org.create_person("ceo", display_name="Cleo CEO")
    c.carol = org.create_person("carol", display_name="Carol", manager=c.ceo)
    c.bob = org.create_person("bob", display_name="Bob", manager=c.carol)
    c.alice = org.create_person(
        "alice", display_name="Alice", manager=c.bob, password="pw-alice-123"
    )
    c.dave = org.create_person("dave", display_name="Dave", manager=c.ceo)
    org.set_membership(c.root, c.ceo, Membership.Role.LEAD)
    org.set_membership(c.engineering, c.carol, Membership.Role.LEAD)
    org.set_membership(c.platform, c.bob, Membership.Role.LEAD)
    org.set_membership(c.platform, c.alice, Membership.Role.MEMBER)
    org.set_membership(c.sales, c.dave, Membership.Role.MEMBER)
    today = date.today()
    c.year = okrs.create_cycle(
        c.admin,
        name="Year",
        start=today - timedelta(days=100),
        end=today + timedelta(days=265),
        status=Cycle.Status.ACTIVE,
    )
    c.quarter = okrs.create_cycle(
        c.admin,
        name="Quarter",
        start=today - timedelta(days=45),
        end=today + timedelta(days=45),
        status=Cycle.Status.ACTIVE,
    )
    return c


@pytest.fixture
def api_as(db):
    """api_as(user) -> an Api client signed in as that person (None: anonymous)."""
    return Api
