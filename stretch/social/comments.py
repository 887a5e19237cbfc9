"""Comments on objectives, key results, check-ins and recognitions: write, edit, delete,
react, and read them threaded for a page.

Anyone who may see an objective may comment on it, on its key results and on their
check-ins (OKRs are open to discussion); a comment is seen by exactly those who may see its
objective. Recognitions are public: everyone reads and writes their comments. Every change
goes through these functions, for the pages and the API alike.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stretch import access
from stretch.cfr.models import Recognition
from stretch.okrs.models import CheckIn
from stretch.social import events, markdown
from stretch.social.models import Comment, Reaction

TARGETS = ("objective", "key_result", "check_in", "recognition")
MOST_CHARACTERS = 10_000
EMOJI = [choice.value for choice in Reaction.Emoji]


def visible_comments(user, queryset: QuerySet | None = None) -> QuerySet:
    """The comments `user` may read: those on objectives they may see, and on
    recognitions (which have no objective)."""
    qs = Comment.objects.all() if queryset is None else queryset
    if access.is_admin(user):
        return qs
    visible = access.objectives_visible_to(user).values("id")
    return qs.filter(Q(objective__in=visible) | Q(objective__isnull=True))


def get_comment_for_user(user, pk) -> Comment:
    """The comment `pk` if `user` may read it (404 otherwise, as if it did not exist)."""
    comment = (
        visible_comments(user, Comment.objects.select_related("author__profile"))
        .filter(pk=pk)
        .first()
    )
    if comment is None:
        raise Http404(_("No comment with id %(id)s.") % {"id": pk})
    return comment


def on_target(field_name: str, target_id: int, queryset: QuerySet | None = None) -> QuerySet:
    """The comments on exactly this objective, key result or check-in (an objective's own
    comments are not those on its key results or their check-ins)."""
    qs = (Comment.objects.all() if queryset is None else queryset).filter(
        **{f"{field_name}_id": target_id}
    )
    if field_name == "objective":
        return qs.filter(key_result=None, check_in=None)
    if field_name == "key_result":
        return qs.filter(check_in=None)
    return qs


def target_of(comment: Comment) -> tuple[str, int]:
    """What a comment is on, as (field name, id)."""
    if comment.recognition_id:
        return "recognition", comment.recognition_id
    if comment.check_in_id:
        return "check_in", comment.check_in_id
    if comment.key_result_id:
        return "key_result", comment.key_result_id
    return "objective", comment.objective_id


def page_url(field_name: str, target_id: int, anchor: str = "") -> str:
    """The page that shows the comments on a target, at `anchor` (else at the comments)."""
    anchor = anchor or dom_id(field_name, target_id)
    if field_name == "check_in":
        return reverse("check-in-comments", args=[target_id]) + f"#{anchor}"
    if field_name == "recognition":
        return reverse("recognition", args=[target_id]) + f"#{anchor}"
    name = "key-result" if field_name == "key_result" else "objective"
    return reverse(name, args=[target_id]) + f"#{anchor}"


def dom_id(field_name: str, target_id: int) -> str:
    return f"comments-{field_name.replace('_', '-')}-{target_id}"


# Writing ------------------------------------------------------------------------------------


def _resolve_target(actor, objective, key_result, check_in, recognition) -> dict:
    """The objects a new comment is on, from exactly one id; one the actor may not see is
    refused like one that does not exist."""
    given = [
        (name, pk)
        for name, pk in zip(TARGETS, (objective, key_result, check_in, recognition), strict=True)
    ]
    given = [(name, _pk(pk)) for name, pk in given if pk is not None]
    if not given:
        raise ValidationError(
            {
                "objective": _(
                    "Say what the comment is on: an objective, key result, check-in or recognition."
                )
            }
        )
    if len(given) > 1:
        raise ValidationError(
            {
                given[1][0]: _(
                    "A comment is on one thing: give one of objective, key_result, check_in "
                    "or recognition."
                )
            }
        )
    name, pk = given[0]
    missing = ValidationError({name: _("No %(what)s with id %(id)s.") % {"what": name, "id": pk}})
    if name == "objective":
        found = access.get_objective_for_user(actor, pk, field="objective")
        return {"objective": found}
    if name == "recognition":
        recognition = Recognition.objects.filter(pk=pk).first()
        if recognition is None or not actor.is_authenticated:
            raise missing
        return {"recognition": recognition}
    if name == "key_result":
        kr = access.key_results_visible_to(actor).select_related("objective").filter(pk=pk).first()
        if kr is None:
            raise missing
        return {"objective": kr.objective, "key_result": kr}
    entry = (
        CheckIn.objects.filter(
            pk=pk, key_result__objective__in=access.objectives_visible_to(actor).values("id")
        )
        .select_related("key_result__objective")
        .first()
    )
    if entry is None:
        raise missing
    return {
        "objective": entry.key_result.objective,
        "key_result": entry.key_result,
        "check_in": entry,
    }


def _pk(value):
    return getattr(value, "pk", value)


def _clean_body(body) -> str:
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": _("Write something first.")})
    if len(text) > MOST_CHARACTERS:
        raise ValidationError(
            {"body": _("At most %(most)s characters, please.") % {"most": MOST_CHARACTERS}}
        )
    return text


def _thread_root(actor, parent, target: dict) -> Comment | None:
    if parent is None:
        return None
    found = visible_comments(actor).filter(pk=_pk(parent)).first()
    if found is None:
        raise ValidationError({"parent": _("No comment with id %(id)s.") % {"id": _pk(parent)}})
    same = (
        found.objective_id == _pk(target.get("objective"))
        and found.recognition_id == _pk(target.get("recognition"))
        and found.key_result_id == _pk(target.get("key_result"))
        and found.check_in_id == _pk(target.get("check_in"))
    )
    if not same:
        raise ValidationError({"parent": _("A reply must be on the same thing as its comment.")})
    # Threads are one level deep: a reply to a reply joins its thread.
    return found.parent if found.parent_id else found


def create_comment(
    actor, *, objective=None, key_result=None, check_in=None, recognition=None, body, parent=None
) -> Comment:
    """Comment on exactly one objective, key result, check-in or recognition (ids or
    objects)."""
    target = _resolve_target(actor, objective, key_result, check_in, recognition)
    text = _clean_body(body)
    root = _thread_root(actor, parent, target)
    rendered = markdown.render(text)
    with transaction.atomic():
        comment = Comment.objects.create(
            **target, parent=root, author=actor, body=text, html=rendered.html
        )
        comment.mentions.set(rendered.mentions)
        events.record(
            events.Verb.COMMENT,
            actor,
            comment=comment,
            data=_event_data(comment),
            mentions=rendered.mentions,
            edited=False,
        )
    return comment


def edit_comment(actor, comment: Comment, body) -> Comment:
    """The author rewrites their comment: it is marked edited, and only people it newly
    mentions hear of it."""
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("Only its author may edit a comment."))
    if comment.deleted_at is not None:
        raise ValidationError({"body": _("This comment was deleted.")})
    text = _clean_body(body)
    if text == comment.body:
        return comment
    rendered = markdown.render(text)
    with transaction.atomic():
        before = set(comment.mentions.values_list("pk", flat=True))
        comment.body, comment.html, comment.edited_at = text, rendered.html, timezone.now()
        comment.save(update_fields=["body", "html", "edited_at"])
        comment.mentions.set(rendered.mentions)
        new = [person for person in rendered.mentions if person.pk not in before]
        events.record(
            events.Verb.COMMENT,
            actor,
            comment=comment,
            data={**_event_data(comment), "edited": True},
            mentions=new,
            edited=True,
        )
    return comment


def _event_data(comment: Comment) -> dict:
    on, target_id = target_of(comment)
    return {"on": on, "target_id": target_id, "excerpt": comment.body[:200]}


def may_delete(user, comment: Comment) -> bool:
    return comment.author_id == user.pk or access.is_admin(user)


def delete_comment(actor, comment: Comment) -> None:
    """The author (or an administrator) takes a comment back. One with replies stays as
    "deleted" so that its thread keeps its shape; a thread left with nothing goes too."""
    if not may_delete(actor, comment):
        raise PermissionDenied(_("Only its author may delete a comment."))
    with transaction.atomic():
        if comment.replies.exists():
            comment.body = comment.html = ""
            comment.deleted_at = timezone.now()
            comment.save(update_fields=["body", "html", "deleted_at"])
            comment.mentions.clear()
            comment.reactions.all().delete()
            return
        parent_id = comment.parent_id
        comment.delete()
        if parent_id:
            Comment.objects.filter(pk=parent_id, deleted_at__isnull=False, replies=None).delete()


def clean_emoji(emoji) -> str:
    """One of the fixed set (a ❤ typed without its emoji presentation mark is the same)."""
    text = str(emoji or "")
    if text not in EMOJI and f"{text}\ufe0f" in EMOJI:
        text += "\ufe0f"
    if text not in EMOJI:
        raise ValidationError({"emoji": _("Choose one of %(emoji)s.") % {"emoji": " ".join(EMOJI)}})
    return text


def _emoji(comment: Comment, emoji) -> str:
    text = clean_emoji(emoji)
    if comment.deleted_at is not None:
        raise ValidationError({"emoji": _("This comment was deleted.")})
    return text


def react(actor, comment: Comment, emoji) -> None:
    """Add `actor`'s emoji to a comment (again is the same as once)."""
    Reaction.objects.get_or_create(comment=comment, person=actor, emoji=_emoji(comment, emoji))


def unreact(actor, comment: Comment, emoji) -> None:
    """Take `actor`'s emoji back (taking back one not given is no error)."""
    Reaction.objects.filter(comment=comment, person=actor, emoji=_emoji(comment, emoji)).delete()


def toggle_reaction(actor, comment: Comment, emoji) -> None:
    """The page's reaction buttons: give the emoji, or take it back if given."""
    emoji = _emoji(comment, emoji)
    taken, _count = Reaction.objects.filter(comment=comment, person=actor, emoji=emoji).delete()
    if not taken:
        react(actor, comment, emoji)


# Reading for the pages ----------------------------------------------------------------------


def reactions_of(comments: list[Comment], user) -> None:
    """Set `comment.reaction_list` [(emoji, count, mine)] on each comment, in one query."""
    set_reaction_lists("comment", comments, user)


def set_reaction_lists(field: str, targets: list, user) -> None:
    """Set `reaction_list` [(emoji, count, mine)] on each comment or recognition (`field`
    names which a reaction points at), in one query."""
    counts: dict[int, Counter] = defaultdict(Counter)
    mine: dict[int, set] = defaultdict(set)
    rows = Reaction.objects.filter(**{f"{field}_id__in": [t.pk for t in targets]}).values_list(
        f"{field}_id", "emoji", "person_id"
    )
    for target_id, emoji, person_id in rows if targets else ():
        counts[target_id][emoji] += 1
        if person_id == user.pk:
            mine[target_id].add(emoji)
    for target in targets:
        target.reaction_list = [
            (emoji, counts[target.pk][emoji], emoji in mine[target.pk])
            for emoji in EMOJI
            if counts[target.pk][emoji]
        ]


@dataclass
class Section:
    """The comments on one target as a page shows them: threads, oldest first."""

    field: str
    target_id: int
    threads: list = field(default_factory=list)
    count: int = 0
    emoji: list = field(default_factory=lambda: EMOJI)

    @property
    def dom_id(self) -> str:
        return dom_id(self.field, self.target_id)

    @property
    def url(self) -> str:
        return page_url(self.field, self.target_id)


def section(user, field_name: str, target_id: int) -> Section:
    """The threads on a target in two queries (comments with authors; reactions)."""
    comments = list(on_target(field_name, target_id).select_related("author__profile"))
    reactions_of(comments, user)
    replies: dict[int, list] = defaultdict(list)
    for comment in comments:
        comment.can_edit = comment.author_id == user.pk and comment.deleted_at is None
        comment.can_delete = comment.deleted_at is None and may_delete(user, comment)
        if comment.parent_id:
            replies[comment.parent_id].append(comment)
    threads = [c for c in comments if not c.parent_id]
    for root in threads:
        root.thread = replies[root.pk]
    live = sum(1 for c in comments if c.deleted_at is None)
    return Section(field=field_name, target_id=target_id, threads=threads, count=live)


def check_in_counts(check_ins: QuerySet) -> dict[int, int]:
    """How many comments each of these check-ins has, in one query."""
    rows = (
        Comment.objects.filter(check_in__in=check_ins, deleted_at=None)
        .values("check_in_id")
        .annotate(n=Count("id"))
        .values_list("check_in_id", "n")
    )
    return dict(rows)


def objective_context(user, objective) -> dict:
    """What the objective page's comment section and check-in timeline need (3 queries)."""
    return {
        "comment_section": section(user, "objective", objective.pk),
        "check_in_comments": check_in_counts(
            CheckIn.objects.filter(key_result__objective=objective).values("id")
        ),
    }


def key_result_context(user, key_result) -> dict:
    """What the key result page's comment section and history need (3 queries)."""
    return {
        "comment_section": section(user, "key_result", key_result.pk),
        "check_in_comments": check_in_counts(
            CheckIn.objects.filter(key_result=key_result).values("id")
        ),
    }
