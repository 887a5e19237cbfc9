"""Pages: the activity feed, and the follow buttons on objectives, teams and people."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from stretch import access
from stretch.params import as_int
from stretch.social import follows
from stretch.social.feed import feed
from stretch.social.models import Activity

PAGE_SIZE = 30


@require_GET
def feed_page(request):
    """The company's feed, or a team's (?team=) or a person's (?person=), 30 a page."""
    team_id, person_id = as_int(request.GET.get("team")), as_int(request.GET.get("person"))
    team = access.get_team(team_id) if team_id is not None else None
    person = access.get_person(person_id) if person_id is not None else None
    verb = request.GET.get("verb") or None
    if verb not in Activity.Verb.values:
        verb = None
    following = request.GET.get("following") == "1" and team is None and person is None
    activities = feed(request.user, team=team, person=person, verb=verb, following=following)
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "social/feed.html",
        {
            "page": page,
            "team": team,
            "person": person,
            "verb": verb,
            "verbs": Activity.Verb.choices,
            "following": following,
        },
    )


@require_POST
def follow(request):
    """Follow or unfollow (`following` = "0") one objective, team or person, then go back."""
    ids = {name: as_int(request.POST.get(name)) for name in ("objective", "team", "person")}
    given = {name: pk for name, pk in ids.items() if pk is not None}
    following = request.POST.get("following", "1") != "0"
    try:
        subject = follows.subject_for(request.user, **ids, in_api=False)
        follows.set_following(request.user, following=following, **subject)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    if request.htmx:
        return render(
            request,
            "social/_follow_button.html",
            {
                "following": following,
                "subject": next(iter(given)),
                "subject_id": next(iter(given.values())),
            },
        )
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    return redirect(back)
