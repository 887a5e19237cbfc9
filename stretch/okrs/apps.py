from django.apps import AppConfig


class OkrsConfig(AppConfig):
    name = "stretch.okrs"
    label = "okrs"
    verbose_name = "OKRs"
