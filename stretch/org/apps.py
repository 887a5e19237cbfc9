from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "stretch.org"
    label = "org"
    verbose_name = "Organisation"
