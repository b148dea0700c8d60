from django.apps import AppConfig


class SchemasAppConfig(AppConfig):
    name = "schemas_app"
    verbose_name = "Schemas"
