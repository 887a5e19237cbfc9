"""Sign-in: the login page (password form and the provider's button) and the OpenID Connect
views of mozilla-django-oidc under /oidc/ (authenticate/, callback/, logout/).

The login page is served from here so that it knows about the provider; it comes before
the plain `login/` route in stretch/urls.py and so replaces it.
"""

from django.urls import include, path

from stretch.org.oidc import LoginView

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("oidc/", include("mozilla_django_oidc.urls")),
]
