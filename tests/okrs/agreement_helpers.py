"""What the tests of setting OKRs together share: the workflow switch, drafts, and a
listener that keeps what each recorded activity was told (its `recipients`)."""

from stretch.okrs import services as okrs
from stretch.org.models import Company
from stretch.social import events


def workflow(on: bool = True) -> None:
    Company.objects.filter(pk=1).update(okrs_need_agreement=on)


def draft(company, owner=None, title="Ship the scheduler", **fields):
    owner = owner or company.alice
    fields.setdefault("owner_person", owner)
    return okrs.create_objective(
        owner, cycle=company.quarter, title=title, status="draft", **fields
    )


def assert_names(response, field, status=400):
    assert response.status_code == status, response.json_body
    assert response.json_body["field"] == field, response.json_body


def listening():
    """Yields [(verb, recipient ids, data)] of every activity recorded while it runs: the
    body of each test module's `heard` fixture."""
    seen: list[tuple[str, set[int], dict]] = []

    def listener(activity, context):
        people = {p.pk for p in context.get("recipients", ())}
        seen.append((activity.verb, people, activity.data))

    events.LISTENERS.append(listener)
    yield seen
    events.LISTENERS.remove(listener)


def told(heard, verb) -> list[tuple[set[int], dict]]:
    return [(people, data) for seen_verb, people, data in heard if seen_verb == verb]
