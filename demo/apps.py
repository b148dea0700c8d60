from django.apps import AppConfig


class DemoConfig(AppConfig):
    """No models: installed only so that `manage.py seed_demo` is found."""

    name = "demo"
    verbose_name = "Demo data"
