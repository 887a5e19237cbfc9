from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CfrConfig(AppConfig):
    name = "stretch.cfr"
    verbose_name = _("Conversations, feedback and recognition")
