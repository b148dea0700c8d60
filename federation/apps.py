from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "federation"
    verbose_name = "Federated queries"
    default_auto_field = "django.db.models.BigAutoField"
