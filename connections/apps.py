from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = "Database connections"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the production system checks)
