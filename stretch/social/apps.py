from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "stretch.social"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Registers the listener that turns activities into notifications.
        from stretch.social import fanout  # noqa: F401
