"""Comment Markdown: what people write is shown formatted, and nothing in it can run."""

import pytest
from django.core.exceptions import ValidationError

from stretch.social import markdown


@pytest.fixture
def people(company):
    return company


def html_of(body: str) -> str:
    return markdown.render(body).html


def test_markdown_becomes_formatted_text(db):
    html = html_of("**bold** _soft_ `code` ~~gone~~\n\n- one\n- two\n\n> quoted")
    assert "<strong>bold</strong>" in html and "<em>soft</em>" in html
    assert "<code>code</code>" in html and "<del>gone</del>" in html
    assert "<ul>\n<li>one</li>" in html and "<blockquote>" in html


def test_a_new_line_is_a_line_break(db):
    assert "one<br>" in html_of("one\ntwo")


def test_a_code_block_keeps_its_text_escaped(db):
    html = html_of("```\n<b>x</b>\n```")
    assert "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>" in html


def test_a_script_tag_stays_inert_text(db):
    html = html_of("hi <script>alert(1)</script>")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_image_with_onerror_is_not_an_element(db):
    html = html_of('<img src=x onerror="alert(1)"> and ![pic](https://example.com/p.png)')
    assert "<img" not in html
    assert "&lt;img" in html  # shown as the text that was written


def test_raw_html_is_shown_as_text_not_markup(db):
    html = html_of('<div style="x" onclick="evil()">hi</div> <a href="https://x.y">a</a>')
    assert "<div" not in html and "<a href" not in html
    assert "&lt;div" in html


def test_javascript_links_are_not_links(db):
    for body in [
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "<javascript:alert(1)>",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox)",
    ]:
        html = html_of(body)
        assert 'href="javascript' not in html.lower()
        assert "href=" not in html, body


def test_web_and_mail_links_work_and_do_not_pass_ranking_or_the_opener(db):
    html = html_of("[site](https://example.com/a?b=1) <mailto:x@example.com>")
    assert '<a href="https://example.com/a?b=1" rel="nofollow noopener">site</a>' in html
    assert 'href="mailto:x@example.com"' in html


def test_relative_links_other_than_people_are_dropped(db):
    html = html_of("[admin](/admin/)")
    assert "href" not in html and "admin" in html


def test_headings_and_other_tags_outside_the_list_keep_only_their_text(db):
    html = html_of("# Big\n\n---\n\ntext")
    assert "<h1" not in html and "<hr" not in html and "Big" in html


def test_a_mention_links_to_the_person(people):
    rendered = markdown.render("thanks @bob!")
    bob = people.bob
    assert f'<a href="/people/{bob.pk}/" class="mention" rel="nofollow noopener">@bob</a>!' in (
        rendered.html
    )
    assert rendered.mentions == [bob]


def test_mentions_ignore_case_and_repeat_once(people):
    rendered = markdown.render("@Bob and @bob, and @alice.")
    assert rendered.mentions == [people.bob, people.alice]
    assert rendered.html.count('class="mention"') == 3


def test_an_email_address_is_not_a_mention(people):
    rendered = markdown.render("write to alice@example.com or a@b.com")
    assert rendered.mentions == []
    assert "mention" not in rendered.html


def test_a_mention_in_code_or_a_link_is_not_a_mention(people):
    rendered = markdown.render("`@nobody` and [@nobody](https://example.com)")
    assert rendered.mentions == []


def test_an_unknown_person_is_refused_on_the_body(people):
    with pytest.raises(ValidationError) as refused:
        markdown.render("hey @nobody")
    assert refused.value.message_dict == {"body": ["No person called @nobody."]}


def test_someone_who_left_cannot_be_mentioned(people):
    people.dave.is_active = False
    people.dave.save()
    with pytest.raises(ValidationError):
        markdown.render("@dave")
