"""`stretch generate` is deterministic for a seed and a base date, and fills empty databases only."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from stretch.okrs.models import Objective
from stretch.synthetic.generate import Refused, generate, generate_command

User = get_user_model()


def _snapshot() -> dict:
    from django.apps import apps

    tables = {}
    for model in apps.get_models():
        if model._meta.app_label in {"okrs", "org", "cfr", "kpis", "reviews", "social", "auth"}:
            tables[model._meta.db_table] = list(model.objects.order_by("pk").values_list())
    return tables


def _generated(seed: int) -> dict:
    with transaction.atomic():
        generate(20, seed=seed, today=date(2026, 5, 20))
        snapshot = _snapshot()
        transaction.set_rollback(True)
    return snapshot


def test_the_same_seed_gives_the_same_company(db):
    first, again, other = _generated(5), _generated(5), _generated(6)
    assert first == again
    assert first["okrs_checkin"] and first != other
    assert first["auth_user"] != other["auth_user"]


def test_refuses_with_one_line_from_the_command(db):
    User.objects.create(username="someone")
    with pytest.raises(Refused) as refused:
        generate_command(10, 1)
    assert "\n" not in str(refused.value)
    assert not Objective.objects.exists()
