from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "stretch.webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # Every recorded activity queues its deliveries, in the activity's transaction.
        from stretch.social import events
        from stretch.webhooks import outbox

        events.listen(outbox.queue_deliveries)
