"""Sign-in with the company's OpenID Connect provider (mozilla-django-oidc underneath).

Configured by the STRETCH_OIDC_* variables (see the end of settings.py). Everything here
reads the settings when it runs, never at import, and the provider's endpoints come from its
discovery document, fetched at the first sign-in and cached: Stretch starts, and serves its
login page, even while the provider is down.

Who signs in: the person linked to the provider's (issuer, subject) pair; else the one person
whose email is the provider's *verified* email (the pair is then linked to them); else a new
person, created from the claims. Later sign-ins refresh the name and email.

The email match only links an account not yet linked at this issuer: once a person has
signed in with the provider, their account belongs to that subject, and another subject with
the same verified address (the provider gave a departed employee's address to a newcomer) is
refused with a message and a warning in the log, rather than handed the old account. An
administrator signs in by the provider the same way: an administrator's account with no
identity at this issuer yet is linked by its verified email at the first sign-in, as the
README promises (the way an administrator starts using single sign-on, and the only one when
passwords are off); from then on only that subject signs in to it. With
STRETCH_OIDC_TEAM_CLAIM set, the person joins the existing team named by that claim; a name
that matches no team (or several) adds no membership and is logged, never creates a team.
"""

import hashlib
import logging
import re
from urllib.parse import urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from stretch.org import services
from stretch.org.models import Membership, Profile, SignInIdentity, Team

logger = logging.getLogger(__name__)

DISCOVERY_CACHE_SECONDS = 3600
# Explicit endpoint settings win over the discovery document.
ENDPOINT_OVERRIDES = {
    "authorization_endpoint": "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "token_endpoint": "OIDC_OP_TOKEN_ENDPOINT",
    "userinfo_endpoint": "OIDC_OP_USER_ENDPOINT",
    "jwks_uri": "OIDC_OP_JWKS_ENDPOINT",
}
USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read (or does not fit the issuer)."""


class SignInRefused(Exception):
    """The provider vouched for someone Stretch will not sign in; the message says why."""


def enabled() -> bool:
    return bool(
        getattr(settings, "STRETCH_OIDC_ISSUER", "")
        and getattr(settings, "OIDC_RP_CLIENT_ID", "")
        and getattr(settings, "OIDC_RP_CLIENT_SECRET", "")
    )


def password_login_enabled() -> bool:
    return bool(getattr(settings, "STRETCH_PASSWORD_LOGIN", True))


def provider_name() -> str:
    """The button's "Sign in with …": STRETCH_OIDC_PROVIDER_NAME, else the issuer's host."""
    name = getattr(settings, "STRETCH_OIDC_PROVIDER_NAME", "")
    return name or urlsplit(getattr(settings, "STRETCH_OIDC_ISSUER", "")).hostname or ""


def issuer() -> str:
    return str(settings.STRETCH_OIDC_ISSUER).rstrip("/")


def provider_configuration() -> dict:
    """The issuer's discovery document, fetched once and then cached for an hour."""
    url = f"{issuer()}/.well-known/openid-configuration"
    key = "stretch:oidc:discovery:" + hashlib.sha256(url.encode()).hexdigest()
    configuration = cache.get(key)
    if configuration is not None:
        return configuration
    try:
        response = requests.get(url, timeout=getattr(settings, "OIDC_TIMEOUT", 10))
        response.raise_for_status()
        configuration = response.json()
    except (requests.RequestException, ValueError) as error:
        logger.warning("OpenID Connect discovery at %s failed: %s", url, error)
        raise ProviderUnavailable(url) from error
    if not isinstance(configuration, dict) or (
        str(configuration.get("issuer", "")).rstrip("/") != issuer()
    ):
        logger.warning("OpenID Connect discovery at %s names another issuer", url)
        raise ProviderUnavailable(url)
    cache.set(key, configuration, DISCOVERY_CACHE_SECONDS)
    return configuration


def endpoint(name: str) -> str:
    override = getattr(settings, ENDPOINT_OVERRIDES[name], None)
    if override:
        return override
    value = provider_configuration().get(name)
    if not value:
        raise ProviderUnavailable(f"{issuer()} announces no {name}")
    return value


class OIDCBackend(OIDCAuthenticationBackend):
    """Signs a person in from the provider's answer at the end of the authorization code flow.

    Django builds a backend for every sign-in attempt and for every request's session, so
    nothing is read or fetched when it is built: endpoints and client come from the settings
    (and the discovery document) when a sign-in needs them.
    """

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # the parent's attribute names, read when used
        return endpoint("token_endpoint")

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return endpoint("userinfo_endpoint")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return endpoint("jwks_uri")

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return settings.OIDC_RP_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return getattr(settings, "OIDC_RP_SIGN_ALGO", "RS256")

    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce; a password attempt (username, password) is
        # never taken for a provider's answer, even with ?code=&state= in its URL.
        if request is None or "nonce" not in kwargs or not enabled():
            return None
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        # A deactivated person's session ends, as with passwords.
        return ModelBackend.get_user(self, user_id)

    def _verify_jws(self, payload, key):
        """The signature, and also who issued the token and for whom (the parent skips both)."""
        algorithm = self.OIDC_RP_SIGN_ALGO
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"Unreadable token: {error}") from error
        if header.get("alg") != algorithm:
            raise SuspiciousOperation(f"Token signed with {header.get('alg')!r}, not {algorithm}")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[algorithm],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer(),
                leeway=60,
                options={"require": ["iss", "aud", "sub", "exp", "iat"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"Token verification failed: {error}") from error

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or str(userinfo.get("sub", "")) != str(payload["sub"]):
            raise SuspiciousOperation("The userinfo answer is about another subject")
        claims = {**payload, **userinfo}
        try:
            return self.sign_in(claims)
        except IntegrityError:
            # Two first sign-ins of one person at once: the other one linked them; take it.
            return self.sign_in(claims)

    @transaction.atomic
    def sign_in(self, claims: dict):
        subject = str(claims["sub"])
        identity = (
            SignInIdentity.objects.select_related("user")
            .filter(issuer=issuer(), subject=subject)
            .first()
        )
        if identity is not None:
            user = identity.user
        else:
            user = self._person_by_verified_email(claims)
            if user is None:
                user = self._create_person(claims)
            identity = SignInIdentity(user=user, issuer=issuer(), subject=subject)
        if not user.is_active:
            raise SignInRefused(
                _("Your Stretch account is deactivated; ask an administrator to reactivate it.")
            )
        self._refresh_person(user, claims)
        identity.last_sign_in_at = timezone.now()
        identity.save()
        self._join_team(user, claims)
        return user

    @staticmethod
    def _verified_email(claims: dict) -> str:
        email = claims.get("email")
        if isinstance(email, str) and claims.get("email_verified") is True:
            return email.strip()
        return ""

    def _person_by_verified_email(self, claims: dict):
        """The one person whose email is the provider's verified email, for a subject not
        linked yet; refused when several share it, or when that person (an administrator
        too) is already linked to another subject at this issuer. An account not linked yet,
        an administrator's included, is linked by its verified email (see the module)."""
        email = self._verified_email(claims)
        if not email:
            return None
        people = list(self.UserModel.objects.filter(email__iexact=email)[:2])
        if len(people) > 1:
            raise SignInRefused(
                _(
                    "Several Stretch accounts use the address %(email)s, so Stretch cannot "
                    "tell which one is yours; ask an administrator."
                )
                % {"email": email}
            )
        if not people:
            return None
        person = people[0]
        linked = SignInIdentity.objects.filter(user=person, issuer=issuer()).exists()
        if linked:  # to another subject: sign_in found no identity of this one
            logger.warning(
                "OIDC sign-in refused: subject %r at %s has the verified email %s of %s, "
                "whose account is already linked to another subject there",
                str(claims.get("sub")),
                issuer(),
                email,
                person.username,
            )
            raise SignInRefused(
                _(
                    "The Stretch account with the address %(email)s is already linked to "
                    "another %(provider)s account, so Stretch will not sign you in to it; "
                    "ask an administrator."
                )
                % {"email": email, "provider": provider_name()}
            )
        return person

    def _create_person(self, claims: dict):
        email = self._verified_email(claims)
        wanted = claims.get("preferred_username") or (email.split("@")[0] if email else "")
        base = USERNAME_UNSAFE.sub("", str(wanted))[:140] or "person"
        username, n = base, 1
        while self.UserModel.objects.filter(username__iexact=username).exists():
            n += 1
            username = f"{base}{n}"
        name = str(claims.get("name") or "").strip()[:200]
        return services.create_person(username, email=email, display_name=name or username)

    def _refresh_person(self, user, claims: dict) -> None:
        email = self._verified_email(claims)
        if email and email.lower() != user.email.lower():
            taken = self.UserModel.objects.filter(email__iexact=email).exclude(pk=user.pk)
            if taken.exists():
                logger.warning("OIDC sign-in: %s is another person's address; kept", email)
            else:
                user.email = email
                user.save(update_fields=["email"])
        name = str(claims.get("name") or "").strip()[:200]
        profile, _created = Profile.objects.get_or_create(
            user=user, defaults={"display_name": name or user.username}
        )
        if name and profile.display_name != name:
            profile.display_name = name
            profile.save(update_fields=["display_name"])

    def _join_team(self, user, claims: dict) -> None:
        claim = getattr(settings, "STRETCH_OIDC_TEAM_CLAIM", "")
        value = claims.get(claim) if claim else None
        names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        for name in names:
            if not isinstance(name, str) or not name.strip():
                continue
            teams = list(Team.objects.filter(name__iexact=name.strip())[:2])
            if len(teams) != 1:
                logger.warning(
                    "OIDC sign-in of %s: %s team named %r; no membership added",
                    user.username,
                    "no" if not teams else "more than one",
                    name,
                )
                continue
            # Join as a member; a role the person already has there (lead) is kept.
            if not Membership.objects.filter(person=user, team=teams[0]).exists():
                services.set_membership(teams[0], user)


def login_context(request, next_url: str) -> dict:
    """What the login page shows: the provider's button, the password form, or both.

    The button is a link, not a form: a form's redirect to the provider would break the
    page's Content-Security-Policy (form-action 'self').
    """
    oidc_url = reverse("oidc_authentication_init")
    if next_url:
        oidc_url += "?" + urlencode({"next": next_url})
    return {
        "oidc_enabled": enabled(),
        "oidc_url": oidc_url,
        "oidc_provider_name": provider_name(),
        "password_login": password_login_enabled() or not enabled(),
        "oidc_error": "",
    }


def failure_page(request, message: str, status: int) -> HttpResponse:
    next_url = request.session.get("oidc_login_next") or ""
    context = {
        "form": AuthenticationForm(request),
        "next": next_url,
        **login_context(request, next_url),
        "oidc_error": message,
    }
    return render(request, "registration/login.html", context, status=status)


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """Django's login page, with the provider's button; refuses passwords when they are off."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(login_context(self.request, context.get("next", "")))
        return context

    def post(self, request, *args, **kwargs):
        if enabled() and not password_login_enabled():
            context = self.get_context_data(form=self.get_form())
            context["oidc_error"] = _(
                "Signing in with a password is turned off here; sign in with %(provider)s."
            ) % {"provider": provider_name()}
            return self.render_to_response(context, status=403)
        return super().post(request, *args, **kwargs)


def _provider_unreachable(request) -> HttpResponse:
    return failure_page(
        request,
        _("%(provider)s cannot be reached right now; please try again in a moment.")
        % {"provider": provider_name()},
        status=503,
    )


@method_decorator(login_not_required, name="dispatch")
class AuthenticationRequestView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (with state, nonce and PKCE kept in the session)."""

    def __init__(self, *args, **kwargs):
        View.__init__(self, *args, **kwargs)  # the parent would read endpoints here

    @property
    def OIDC_OP_AUTH_ENDPOINT(self) -> str:
        return endpoint("authorization_endpoint")

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        if not enabled():
            raise Http404(_("Single sign-on is not configured here."))
        try:
            endpoint("authorization_endpoint")
        except ProviderUnavailable:
            return _provider_unreachable(request)
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class CallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back: signs the person in, or says what failed."""

    @property
    def success_url(self) -> str:
        next_url = self.request.session.get("oidc_login_next")
        if next_url and url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return next_url
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def get(self, request):
        if not enabled():
            raise Http404(_("Single sign-on is not configured here."))
        try:
            return super().get(request)
        except SignInRefused as refusal:
            return failure_page(request, str(refusal), status=403)
        except ProviderUnavailable:
            return _provider_unreachable(request)
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError) as error:
            logger.warning("OIDC sign-in failed: %s", error)
            return self._failure(request)

    def login_failure(self):
        if self.request.GET.get("error") == "access_denied":
            message = _("Signing in with %(provider)s was cancelled.") % {
                "provider": provider_name()
            }
            return failure_page(self.request, message, status=403)
        return self._failure(self.request)

    @staticmethod
    def _failure(request) -> HttpResponse:
        message = _(
            "Signing in with %(provider)s did not work: its answer was not valid here, or "
            "has expired. Please try again."
        ) % {"provider": provider_name()}
        return failure_page(request, message, status=400)
