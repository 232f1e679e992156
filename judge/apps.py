from django.apps import AppConfig


class JudgeConfig(AppConfig):
    """The judge as a Django app: no models, only management commands (lean_info, provision_lean)."""

    name = "judge"
    verbose_name = "Judge"
