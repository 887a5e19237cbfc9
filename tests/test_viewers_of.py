"""access.viewers_of (who may see an objective, from its side) agrees with
access.can_view_objective (may this person see it) for every persona and owner."""

import pytest
from django.contrib.auth import get_user_model

from stretch import access
from stretch.okrs import services as okrs
from stretch.okrs.models import Objective


@pytest.mark.parametrize("owner", ["alice", "bob", "dave", "platform", "engineering", "sales"])
def test_viewers_of_a_private_objective_are_exactly_those_who_may_see_it(company, owner):
    subject = getattr(company, owner)
    is_team = not isinstance(subject, get_user_model())
    actor = company.admin
    objective = okrs.create_objective(
        actor,
        cycle=company.quarter,
        title=f"Private of {owner}",
        visibility=Objective.Visibility.PRIVATE,
        **({"owner_team": subject} if is_team else {"owner_person": subject}),
    )
    viewers = access.viewers_of(objective)
    for person in get_user_model().objects.all():
        person = get_user_model().objects.get(pk=person.pk)  # a fresh reach
        assert (person.pk in viewers) == access.can_view_objective(person, objective), (
            person.username
        )


def test_a_public_objective_is_seen_by_everyone(company):
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Open", owner_person=company.alice
    )
    assert access.viewers_of(objective) is None
