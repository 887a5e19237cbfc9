from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from stretch import views
from stretch.api import api

urlpatterns = [
    path("", include("stretch.okrs.urls")),
    path("", include("stretch.org.urls")),
    path("", include("stretch.reviews.urls")),
    path("", include("stretch.reviews.analytics_urls")),
    path("", include("stretch.social.urls")),
    path("", include("stretch.social.comment_urls")),
    path("", include("stretch.okrs.agreement_urls")),
    path("", include("stretch.webhooks.urls")),
    path("", include("stretch.cfr.urls")),
    path("", include("stretch.kpis.urls")),
    path("", include("stretch.okrs.initiative_urls")),
    path("", include("stretch.org.strategy_urls")),
    path("", include("stretch.org.token_urls")),
    path("", include("stretch.org.oidc_urls")),  # login/ and oidc/
    path("", include("stretch.transfer.import_urls")),
    path("", include("stretch.transfer.export_urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
]
