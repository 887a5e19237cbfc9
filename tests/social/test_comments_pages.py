"""Comments in the pages: the objective's thread, a key result's, a check-in's; writing,
replying, editing, deleting and reacting with plain forms and with HTMX."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stretch.okrs import services as okrs
from stretch.social import comments
from stretch.social.models import Comment, Reaction
from tests.helpers import client_for

HTMX = {"HX-Request": "true"}


@pytest.fixture
def okr(company):
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )
    kr = okrs.create_key_result(company.alice, objective, title="Jobs migrated", target=200)
    entry = okrs.check_in(company.alice, kr, value=20, confidence=7, note="slow start")
    return objective, kr, entry


@pytest.fixture
def secret(company):
    objective = okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Secret plan",
        owner_person=company.alice,
        visibility="private",
    )
    kr = okrs.create_key_result(company.alice, objective, title="Hidden", target=10)
    entry = okrs.check_in(company.alice, kr, value=1, confidence=5)
    comment = comments.create_comment(company.alice, objective=objective, body="just us")
    on_entry = comments.create_comment(company.alice, check_in=entry, body="hidden check-in talk")
    return objective, kr, entry, comment, on_entry


def page(client, path: str, status: int = 200, **headers) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == status
    return response.content.decode()


def test_the_objective_page_shows_threads_with_replies_edits_and_reactions(company, okr):
    objective, _kr, _entry = okr
    root = comments.create_comment(company.bob, objective=objective, body="Looks **good** @alice")
    reply = comments.create_comment(company.alice, objective=objective, body="Thanks", parent=root)
    comments.edit_comment(company.alice, reply, "Thanks a lot")
    comments.react(company.alice, root, "🎉")
    comments.react(company.carol, root, "🎉")
    html = page(client_for(company.alice), f"/objectives/{objective.pk}/")
    section = html[html.index(f'id="comments-objective-{objective.pk}"') :]
    assert 'Comments <span class="muted">(2)</span>' in section
    assert "Looks <strong>good</strong>" in section
    assert f'<a href="/people/{company.alice.pk}/" class="mention"' in section
    replies = section[section.index('class="replies"') :]
    assert "Thanks a lot" in replies and "edited" in replies
    assert re.search(
        r'class="reaction mine"[^>]*aria-pressed="true"[^>]*>🎉 <span class="count">2', section
    )
    assert 'data-mentions="/api/v1/people/mentions"' in section
    assert "stretch/comments.js" in html and "stretch/comments.css" in html


def test_a_script_in_a_comment_is_shown_as_text(company, okr):
    objective, _kr, _entry = okr
    comments.create_comment(company.bob, objective=objective, body="<script>alert(1)</script>")
    html = page(client_for(company.alice), f"/objectives/{objective.pk}/")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline scripts at all


def test_a_comment_posted_without_javascript_comes_back_to_the_page(company, okr):
    objective, _kr, _entry = okr
    response = client_for(company.bob).post(
        "/comments/", {"objective": objective.pk, "body": "Plain form"}
    )
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{objective.pk}/#comment-{comment.pk}"
    assert comment.body == "Plain form" and comment.author == company.bob


def test_with_htmx_the_answer_is_the_section_alone(company, okr):
    objective, _kr, _entry = okr
    response = client_for(company.bob).post(
        "/comments/", {"objective": objective.pk, "body": "Swapped in"}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.strip().startswith(
        f'<section class="comments" id="comments-objective-{objective.pk}"'
    )
    assert "Swapped in" in html


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "Write something first."), ("hey @nobody", "No person called @nobody.")],
)
def test_a_refused_comment_shows_why_and_keeps_what_was_typed(company, okr, body, message):
    objective, _kr, _entry = okr
    client = client_for(company.bob)
    plain = client.post("/comments/", {"objective": objective.pk, "body": body})
    assert plain.status_code == 400
    assert message in plain.content.decode() and "Ship the scheduler" in plain.content.decode()
    swapped = client.post("/comments/", {"objective": objective.pk, "body": body}, headers=HTMX)
    html = swapped.content.decode()
    assert swapped.status_code == 200 and message in html and "<html" not in html
    assert f">{body}</textarea>" in html
    assert not Comment.objects.exists()


def test_a_reply_from_the_form_joins_the_thread(company, okr):
    objective, _kr, _entry = okr
    root = comments.create_comment(company.bob, objective=objective, body="root")
    client = client_for(company.alice)
    client.post("/comments/", {"objective": objective.pk, "body": "reply", "parent": root.pk})
    assert Comment.objects.get(body="reply").parent == root
    html = client.post(
        "/comments/", {"objective": objective.pk, "body": "", "parent": root.pk}, headers=HTMX
    ).content.decode()
    assert '<details class="reply" open>' in html and "Write something first." in html


def test_the_author_edits_from_the_form_and_others_may_not(company, okr):
    objective, _kr, _entry = okr
    comment = comments.create_comment(company.bob, objective=objective, body="first")
    assert (
        client_for(company.alice).post(f"/comments/{comment.pk}/edit/", {"body": "x"}).status_code
        == 403
    )
    html = (
        client_for(company.bob)
        .post(f"/comments/{comment.pk}/edit/", {"body": "second"}, headers=HTMX)
        .content.decode()
    )
    assert "second" in html and "edited" in html
    alice_sees = page(client_for(company.alice), f"/objectives/{objective.pk}/")
    assert f'action="/comments/{comment.pk}/edit/"' not in alice_sees


def test_delete_from_the_form_by_the_author_only(company, okr):
    objective, _kr, _entry = okr
    comment = comments.create_comment(company.bob, objective=objective, body="oops")
    assert client_for(company.alice).post(f"/comments/{comment.pk}/delete/").status_code == 403
    response = client_for(company.bob).post(f"/comments/{comment.pk}/delete/")
    assert response.status_code == 302 and not Comment.objects.exists()


def test_a_deleted_comment_with_replies_reads_deleted(company, okr):
    objective, _kr, _entry = okr
    root = comments.create_comment(company.bob, objective=objective, body="regret")
    comments.create_comment(company.alice, objective=objective, body="answer", parent=root)
    comments.delete_comment(company.bob, root)
    html = page(client_for(company.carol), f"/objectives/{objective.pk}/")
    assert "This comment was deleted." in html and "regret" not in html and "answer" in html


def test_a_reaction_button_toggles(company, okr):
    objective, _kr, _entry = okr
    comment = comments.create_comment(company.bob, objective=objective, body="react")
    client = client_for(company.alice)
    client.post(f"/comments/{comment.pk}/react/", {"emoji": "🚀"}, headers=HTMX)
    assert Reaction.objects.filter(comment=comment, person=company.alice, emoji="🚀").exists()
    client.post(f"/comments/{comment.pk}/react/", {"emoji": "🚀"}, headers=HTMX)
    assert not Reaction.objects.exists()
    assert client.post(f"/comments/{comment.pk}/react/", {"emoji": "🍕"}).status_code == 400


def test_a_key_result_has_its_own_thread_on_its_page(company, okr):
    _objective, kr, entry = okr
    comments.create_comment(company.bob, key_result=kr, body="About this number")
    comments.create_comment(company.bob, check_in=entry, body="Why slow?")
    html = page(client_for(company.alice), f"/key-results/{kr.pk}/")
    section = html[html.index(f'id="comments-key-result-{kr.pk}"') :]
    assert "About this number" in section and "Why slow?" not in section
    assert f'<input type="hidden" name="key_result" value="{kr.pk}">' in section
    assert f'href="/check-ins/{entry.pk}/comments/"' in html and "Comments (1)" in html
    posted = client_for(company.carol).post("/comments/", {"key_result": kr.pk, "body": "Me too"})
    assert posted["Location"].startswith(f"/key-results/{kr.pk}/#comment-")


def test_each_check_in_of_the_timeline_opens_its_thread(company, okr):
    objective, _kr, entry = okr
    comments.create_comment(company.bob, check_in=entry, body="Why slow?")
    client = client_for(company.alice)
    html = page(client, f"/objectives/{objective.pk}/")
    timeline = html[html.index('id="timeline-heading"') :]
    assert f'hx-get="/check-ins/{entry.pk}/comments/"' in timeline and "Comments (1)" in timeline
    thread = page(client, f"/check-ins/{entry.pk}/comments/")
    assert "Comments on a check-in" in thread and "slow start" in thread and "Why slow?" in thread
    inline = page(client, f"/check-ins/{entry.pk}/comments/", **HTMX)
    assert "<html" not in inline and f'id="comments-check-in-{entry.pk}"' in inline
    posted = client.post("/comments/", {"check_in": entry.pk, "body": "Picking up"})
    assert posted["Location"].startswith(f"/check-ins/{entry.pk}/comments/#comment-")


def test_a_comments_address_leads_to_it_on_its_page(company, okr):
    objective, kr, entry = okr
    client = client_for(company.alice)
    for target, path in [
        ({"objective": objective}, f"/objectives/{objective.pk}/"),
        ({"key_result": kr}, f"/key-results/{kr.pk}/"),
        ({"check_in": entry}, f"/check-ins/{entry.pk}/comments/"),
    ]:
        comment = comments.create_comment(company.bob, body="here", **target)
        response = client.get(f"/comments/{comment.pk}/")
        assert response["Location"] == f"{path}#comment-{comment.pk}"


def test_an_outsider_finds_no_trace_of_a_private_objectives_comments(company, secret):
    objective, kr, entry, comment, on_entry = secret
    dave = client_for(company.dave)
    for path in [
        f"/objectives/{objective.pk}/",
        f"/key-results/{kr.pk}/",
        f"/check-ins/{entry.pk}/comments/",
        f"/comments/{comment.pk}/",
        f"/comments/{on_entry.pk}/",
    ]:
        assert dave.get(path).status_code == 404, path
    for path, data in [
        ("/comments/", {"objective": objective.pk, "body": "let me in"}),
        ("/comments/", {"check_in": entry.pk, "body": "let me in"}),
        (f"/comments/{comment.pk}/edit/", {"body": "x"}),
        (f"/comments/{comment.pk}/delete/", {}),
        (f"/comments/{comment.pk}/react/", {"emoji": "👍"}),
    ]:
        assert dave.post(path, data).status_code == 404, path
    assert Comment.objects.count() == 2 and not Reaction.objects.exists()
    bob = client_for(company.bob)  # alice's manager may see it, and its comments
    assert "just us" in page(bob, f"/objectives/{objective.pk}/")
    assert "hidden check-in talk" in page(bob, f"/check-ins/{entry.pk}/comments/")


def _fill(company, objective, kr, entry, size: int) -> None:
    people = [company.alice, company.bob, company.carol]
    for n in range(size):
        for target in ({"objective": objective}, {"key_result": kr}, {"check_in": entry}):
            root = comments.create_comment(
                people[n % 3], body=f"@{people[(n + 1) % 3].username} {n}", **target
            )
            reply = comments.create_comment(people[(n + 1) % 3], body="re", parent=root, **target)
            comments.react(people[(n + 2) % 3], root, "👍")
            comments.react(people[n % 3], reply, "🎉")
            if n % 4 == 0:
                comments.edit_comment(people[n % 3], root, f"edited {n}")


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("where", ["objective", "key_result", "check_in"])
def test_the_pages_run_the_same_queries_for_few_or_many_comments(
    company, okr, where, django_assert_max_num_queries
):
    objective, kr, entry = okr
    path = {
        "objective": f"/objectives/{objective.pk}/",
        "key_result": f"/key-results/{kr.pk}/",
        "check_in": f"/check-ins/{entry.pk}/comments/",
    }[where]
    client = client_for(company.bob)
    client.get("/")  # the first request of a session stores its language
    counts = []
    for size in (2, 20):
        _fill(company, objective, kr, entry, size - len(counts) * 2)
        with django_assert_max_num_queries(40):
            counts.append(_queries(client, path))
    assert counts[0] == counts[1], counts
