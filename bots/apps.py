from django.apps import AppConfig


class BotsConfig(AppConfig):
    name = "bots"
    verbose_name = "Bots: API tokens, runs, batches, webhooks"

    def ready(self) -> None:
        from bots import receivers  # noqa: F401  (connects to submission_finished)
