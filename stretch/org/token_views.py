"""The tokens page (/settings/tokens/): a person's API tokens, the form to make one, which
then shows the token once, and Revoke; administrators also see everyone's active tokens.

Every form is a plain POST that works without JavaScript; with HTMX, Revoke swaps just the
token's row.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from stretch import access
from stretch.org import tokens
from stretch.org.models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        required=False,
        max_length=tokens.NAME_MAX,
        help_text=gettext_lazy("What it is for, e.g. “weekly report script”."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("What it may do"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )


def _page(request, *, form: TokenForm, created=None, raw: str = "", status: int = 200):
    response = render(
        request,
        "org/tokens.html",
        {
            "form": form,
            "tokens": tokens.tokens_of(request.user),
            "created": created,
            "raw_token": raw,
            "everyone": False,
            "is_admin": access.is_admin(request.user),
            "back": request.path,
        },
        status=status,
    )
    # The page that shows a new token must not stay in any cache.
    patch_cache_control(response, no_store=True, private=True)
    return response


def my_tokens(request):
    if request.method != "POST":
        return _page(request, form=TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, raw = tokens.create_token(
                request.user, form.cleaned_data["name"], form.cleaned_data["scope"]
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            # Shown in this answer only: the token is neither stored nor put in a message.
            return _page(request, form=TokenForm(), created=token, raw=raw)
    return _page(request, form=form, status=400)


def all_tokens(request):
    listed = tokens.all_tokens(request.user, active_only=True)
    response = render(
        request,
        "org/tokens_all.html",
        {"tokens": listed, "everyone": True, "back": request.path},
    )
    patch_cache_control(response, no_store=True, private=True)
    return response


def _back(request) -> str:
    back = request.POST.get("back", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return reverse("tokens")


@require_POST
def revoke(request, token_id: int):
    token = tokens.get_token_for_user(request.user, token_id)
    tokens.revoke_token(request.user, token)
    if request.htmx:
        everyone = request.POST.get("everyone") == "1"
        return render(
            request,
            "org/tokens.html#token-row",
            {"token": token, "everyone": everyone, "back": _back(request), "just_revoked": True},
        )
    label = token.name or _("without a name")
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": label})
    return redirect(_back(request))
