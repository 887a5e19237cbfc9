"""Comment Markdown to safe HTML, with @mentions turned into links to people.

Two locks, so that one mistake cannot open the door: the Markdown parser never passes raw
HTML through (`<script>` arrives as text), and its output is cleaned again by `nh3` with a
small allow-list of tags, attributes and link schemes. Mentions are found in the parsed
text (never inside code or links), so `a@b.com` and `` `@x` `` stay what they are.
"""

import re
from dataclasses import dataclass

import nh3
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {
    "p",
    "em",
    "strong",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "br",
    "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
LINK_SCHEMES = {"http", "https", "mailto"}
# An @ that does not follow a letter, digit or dot (so not an email address), then a login:
# letters, digits and . _ + -, ending on a letter or digit ("@bob." mentions bob).
MENTION = re.compile(r"(?<![\w.+@-])@(\w(?:[\w.+-]*\w)?)")
PERSON_PATH = re.compile(r"/people/\d+/")
MOST_MENTIONS = 50

_parser = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("strikethrough")


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: list  # the people mentioned, in the order first named


def render(body: str) -> Rendered:
    """`body` as safe HTML, with the people it mentions (ValidationError on `body` when it
    names someone who is not here)."""
    tokens = _parser.parse(body)
    names = _mentioned_names(tokens)
    people = _people_called(names)
    unknown = [name for name in names if name.lower() not in people]
    if unknown:
        raise ValidationError({"body": _("No person called @%(name)s.") % {"name": unknown[0]}})
    _link_mentions(tokens, {name: person.pk for name, person in people.items()})
    html = _parser.renderer.render(tokens, _parser.options, {})
    seen: dict[int, object] = {}
    for name in names:
        person = people[name.lower()]
        seen.setdefault(person.pk, person)
    return Rendered(html=clean(html), mentions=list(seen.values()))


def clean(html: str) -> str:
    """Keep only the allowed tags, attributes and links of `html`."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes={"a": {"mention"}},
        url_schemes=LINK_SCHEMES,
        url_relative=_only_people,
        link_rel="nofollow noopener",
    )


def _only_people(url: str) -> str | None:
    """The one relative link a comment holds is a mention's link to a person's page."""
    return url if PERSON_PATH.fullmatch(url) else None


def _texts(tokens: list[Token]):
    """The text tokens outside links (mentions in a link's words would nest links)."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        depth = 0
        for child in token.children:
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth -= 1
            elif child.type == "text" and depth == 0:
                yield child


def _mentioned_names(tokens: list[Token]) -> list[str]:
    names: dict[str, str] = {}
    for text in _texts(tokens):
        for match in MENTION.finditer(text.content):
            names.setdefault(match.group(1).lower(), match.group(1))
    if len(names) > MOST_MENTIONS:
        raise ValidationError(
            {"body": _("Mention at most %(most)s people, please.") % {"most": MOST_MENTIONS}}
        )
    return list(names.values())


def _people_called(names: list[str]) -> dict:
    """Active people by lower-cased login, in one query."""
    if not names:
        return {}
    people = (
        get_user_model()
        .objects.annotate(login=Lower("username"))
        .filter(login__in=[name.lower() for name in names], is_active=True)
    )
    return {person.login: person for person in people}


def _link_mentions(tokens: list[Token], ids: dict[str, int]) -> None:
    """Split each text token around its mentions into text and links; `~~x~~` becomes
    `<del>` (markdown-it writes `<s>`)."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        texts = {id(text) for text in _texts([token])}
        children: list[Token] = []
        for child in token.children:
            if child.type in ("s_open", "s_close"):
                child.tag = "del"
            if id(child) not in texts:
                children.append(child)
                continue
            children.extend(_split(child.content, ids))
        token.children = children


def _split(content: str, ids: dict[str, int]) -> list[Token]:
    pieces: list[Token] = []
    last = 0
    for match in MENTION.finditer(content):
        if match.start() > last:
            pieces.append(_text(content[last : match.start()]))
        person = ids[match.group(1).lower()]
        opening = Token("link_open", "a", 1)
        opening.attrs = {"href": f"/people/{person}/", "class": "mention"}
        pieces += [opening, _text(match.group(0)), Token("link_close", "a", -1)]
        last = match.end()
    if last < len(content):
        pieces.append(_text(content[last:]))
    return pieces


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token
