from django.apps import AppConfig


class OkrsConfig(AppConfig):
    name = "stretch.okrs"
    label = "okrs"
    verbose_name = "OKRs"

    def ready(self) -> None:
        # The OKR cache's invalidation hooks (activities and saves of tree models), in every
        # process: web servers, workers and commands alike.
        from stretch import caching  # noqa: F401
