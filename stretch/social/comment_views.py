"""Comment pages: write, reply, edit, delete and react from a form, and a check-in's thread.

Every form works without JavaScript (it posts, then comes back to the page it was on at the
comment); with HTMX the answer is the target's comment section alone, swapped in place. A
refused comment comes back with what was typed and why: inside the section for HTMX (as
200, since HTMX swaps only 2xx answers), or on the thread page with a 400 without it.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from stretch import access
from stretch.cfr import recognition
from stretch.okrs.models import CheckIn
from stretch.params import as_int
from stretch.social import comments


def _message(error: ValidationError) -> str:
    return " ".join(message for messages in error.message_dict.values() for message in messages)


def _visible_check_in(user, check_in_id: int) -> CheckIn:
    entry = (
        CheckIn.objects.filter(
            pk=check_in_id,
            key_result__objective__in=access.objectives_visible_to(user).values("id"),
        )
        .select_related("key_result__objective", "author__profile")
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def _thread_page_context(user, field_name: str, target_id: int) -> dict:
    """What the thread page says the comments are on, with a way back."""
    if field_name == "recognition":
        return {"recognition": recognition.get_recognition(user, target_id)}
    if field_name == "check_in":
        entry = _visible_check_in(user, target_id)
        return {
            "check_in": entry,
            "key_result": entry.key_result,
            "objective": entry.key_result.objective,
        }
    if field_name == "key_result":
        kr = access.get_key_result_for_user(user, target_id)
        return {"key_result": kr, "objective": kr.objective}
    return {"objective": access.get_objective_for_user(user, target_id)}


def _answer(request, field_name: str, target_id: int, *, error=None, anchor=""):
    """The section (HTMX), the thread page with the refusal, or back to the page."""
    if request.htmx or error:
        context = {
            "comment_section": comments.section(request.user, field_name, target_id),
            "comment_error": error or {},
        }
        if request.htmx:
            response = render(request, "social/_comments.html", context)
        else:
            context.update(_thread_page_context(request.user, field_name, target_id))
            response = render(request, "social/comment_thread.html", context, status=400)
        patch_vary_headers(response, ["HX-Request"])
        return response
    return redirect(comments.page_url(field_name, target_id, anchor))


@require_POST
def create(request):
    given = {
        name: as_int(request.POST[name], 0) for name in comments.TARGETS if request.POST.get(name)
    }
    body = request.POST.get("body", "")
    parent = as_int(request.POST.get("parent"))
    try:
        comment = comments.create_comment(request.user, **given, body=body, parent=parent)
    except ValidationError as error:
        fields = set(error.message_dict)
        if fields & set(comments.TARGETS) or len(given) != 1:
            raise Http404 from error  # nothing this person may comment on
        field_name, target_id = next(iter(given.items()))
        refused = {"reply_to": parent, "body": body, "message": _message(error)}
        if parent is None:
            refused["new"] = True
        return _answer(request, field_name, target_id, error=refused)
    field_name, target_id = comments.target_of(comment)
    return _answer(request, field_name, target_id, anchor=f"comment-{comment.pk}")


@require_POST
def edit(request, comment_id: int):
    comment = comments.get_comment_for_user(request.user, comment_id)
    body = request.POST.get("body", "")
    field_name, target_id = comments.target_of(comment)
    try:
        comments.edit_comment(request.user, comment, body)
    except ValidationError as error:
        refused = {"edit": comment.pk, "body": body, "message": _message(error)}
        return _answer(request, field_name, target_id, error=refused)
    return _answer(request, field_name, target_id, anchor=f"comment-{comment.pk}")


@require_POST
def delete(request, comment_id: int):
    comment = comments.get_comment_for_user(request.user, comment_id)
    field_name, target_id = comments.target_of(comment)
    comments.delete_comment(request.user, comment)
    return _answer(request, field_name, target_id)


@require_POST
def react(request, comment_id: int):
    comment = comments.get_comment_for_user(request.user, comment_id)
    try:
        comments.toggle_reaction(request.user, comment, request.POST.get("emoji", ""))
    except ValidationError as error:
        return HttpResponseBadRequest(_message(error))
    field_name, target_id = comments.target_of(comment)
    return _answer(request, field_name, target_id, anchor=f"comment-{comment.pk}")


@require_GET
def permalink(request, comment_id: int):
    """A comment's address (notifications link here): its page, at the comment."""
    comment = comments.get_comment_for_user(request.user, comment_id)
    field_name, target_id = comments.target_of(comment)
    return redirect(comments.page_url(field_name, target_id, f"comment-{comment.pk}"))


@require_GET
def check_in_comments(request, check_in_id: int):
    """A check-in's thread: its own page, or (HTMX) the section opened under the check-in."""
    context = {
        **_thread_page_context(request.user, "check_in", check_in_id),
        "comment_section": comments.section(request.user, "check_in", check_in_id),
    }
    template = "social/_comments.html" if request.htmx else "social/comment_thread.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
