from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "stretch.transfer"
    verbose_name = "Import and export"
