"""What an activity says, in words: one sentence for the feed, a notification, a chat message.

`sentence(activity)` is in the active language (wrap a call in `translation.override` for
someone else's). Titles come from the activity's objects as they are now, falling back to
what `data` kept, so a line still reads when a key result was renamed.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from stretch.org.models import display_name
from stretch.social.models import Activity

Verb = Activity.Verb


def who(activity: Activity) -> str:
    """Who did it (the actor's name; the KPI for a check-in made from its measurement;
    "Someone" when the account is gone)."""
    if activity.actor_id:
        return display_name(activity.actor)
    if activity.data.get("kpi"):
        return _("The KPI “%(name)s”") % {"name": activity.data["kpi"]}
    return _("Someone")


def _objective_title(activity: Activity) -> str:
    if activity.objective_id:
        return activity.objective.title
    return str(activity.data.get("objective_title", ""))


def _key_result_title(activity: Activity) -> str:
    if activity.key_result_id:
        return activity.key_result.title
    return str(activity.data.get("key_result_title", ""))


def receivers(activity: Activity) -> str:
    """The people a recognition (or the one a comment is on) was for, by name."""
    if activity.verb == Verb.RECOGNITION:
        names = [str(name) for name in activity.data.get("receivers", [])]
    elif activity.recognition_id and activity.recognition is not None:
        names = [display_name(p) for p in activity.recognition.receivers.all()]
    else:
        names = []
    if len(names) > 3:
        names = [*names[:2], _("%(n)s others") % {"n": len(names) - 2}]
    if len(names) < 2:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def value_text(activity: Activity) -> str:
    """ "42 km · confidence 7/10" for a check-in ("done" / "not done" for a milestone)."""
    data = activity.data
    key_result = activity.key_result if activity.key_result_id else None
    parts = []
    if "value" in data:
        if key_result is not None and key_result.kind == "milestone":
            parts.append(_("done") if float(data["value"]) >= 1 else _("not done"))
        else:
            unit = f" {key_result.unit}" if key_result is not None and key_result.unit else ""
            parts.append(_number(data["value"]) + unit)
    if data.get("confidence"):
        parts.append(_("confidence %(n)s/10") % {"n": data["confidence"]})
    return " · ".join(parts)


def sentence(activity: Activity) -> str:
    """One line: who did what to which objective or key result."""
    names = {
        "who": who(activity),
        "objective": _objective_title(activity),
        "key_result": _key_result_title(activity),
        "target": str(activity.data.get("target_title", "")),
        "team": str(activity.data.get("team_name", "")),
        "score": activity.data.get("score", ""),
        "value": value_text(activity),
    }
    verb = activity.verb
    if verb == Verb.RECOGNITION:
        names["whom"] = receivers(activity)
        if activity.data.get("value"):
            names["company_value"] = str(activity.data["value"])
            return _("%(who)s recognised %(whom)s for %(company_value)s") % names
        return _("%(who)s recognised %(whom)s") % names
    if verb == Verb.COMMENT and activity.recognition_id:
        names["whom"] = receivers(activity)
        return _("%(who)s commented on a recognition of %(whom)s") % names
    if verb == Verb.OBJECTIVE_CREATED:
        return _("%(who)s created the objective “%(objective)s”") % names
    if verb == Verb.OBJECTIVE_PUBLISHED:
        return _("%(who)s published the objective “%(objective)s”") % names
    if verb == Verb.CHECK_IN:
        return _("%(who)s checked in on “%(key_result)s”: %(value)s") % names
    if verb == Verb.OFF_TRACK:
        return _("“%(key_result)s” went off track (%(value)s)") % names
    if verb == Verb.COMMENT:
        if activity.check_in_id:
            return _("%(who)s commented on a check-in of “%(key_result)s”") % names
        if activity.key_result_id:
            return _("%(who)s commented on “%(key_result)s”") % names
        return _("%(who)s commented on “%(objective)s”") % names
    if verb == Verb.GRADED:
        return _("%(who)s graded “%(objective)s” %(score)s") % names
    if verb == Verb.PROPOSED:
        return _("%(who)s proposed “%(objective)s” for agreement") % names
    if verb == Verb.AGREED:
        return _("%(who)s agreed “%(objective)s”") % names
    if verb == Verb.CHANGES_REQUESTED:
        return _("%(who)s asked for changes to “%(objective)s”") % names
    if verb == Verb.ALIGNMENT_REQUESTED:
        return _("%(who)s asked to align “%(objective)s” to “%(target)s”") % names
    if verb == Verb.ALIGNMENT_ACCEPTED:
        return _("%(who)s accepted “%(objective)s” as contributing to “%(target)s”") % names
    if verb == Verb.ALIGNMENT_DECLINED:
        return _("%(who)s declined aligning “%(objective)s” to “%(target)s”") % names
    if verb == Verb.DEPENDENCY_ADDED:
        return _("“%(objective)s” needs help from %(team)s") % names
    if verb == Verb.DEPENDENCY_CONFIRMED:
        return _("%(who)s confirmed %(team)s's help with “%(objective)s”") % names
    if verb == Verb.DEPENDENCY_DECLINED:
        return _("%(who)s declined %(team)s's help with “%(objective)s”") % names
    return f"{names['who']} · {activity.get_verb_display()}"


def detail(activity: Activity) -> str:
    """The words that came with it: a comment's text, a message, an answer, a reason."""
    if activity.comment_id and activity.comment is not None:
        return activity.comment.body
    for key in ("message", "answer", "reason", "note"):
        if activity.data.get(key):
            return str(activity.data[key])
    return ""


def path(activity: Activity) -> str:
    """Where in Stretch it happened: the comment, the key result, the objective or the
    recognition."""
    if activity.recognition_id:
        url = reverse("recognition", args=[activity.recognition_id])
        return f"{url}#comment-{activity.comment_id}" if activity.comment_id else url
    if not activity.objective_id:
        return reverse("feed")
    url = reverse("objective", args=[activity.objective_id])
    if activity.comment_id:
        return f"{url}#comment-{activity.comment_id}"
    if activity.key_result_id:
        return f"{url}#kr-{activity.key_result_id}"
    return url
