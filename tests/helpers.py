"""Helpers the test modules share (fixtures live in conftest.py)."""

from django.test import Client


def client_for(user, **options) -> Client:
    """A browser-like client signed in as `user` (options go to Client, e.g. CSRF checks)."""
    client = Client(**options)
    client.force_login(user)
    return client
