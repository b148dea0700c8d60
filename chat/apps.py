from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from schemas_app import datapoints

        from . import checks  # noqa: F401 (registers the system checks)
        from .answering import gateway, retrieval

        # DataPoints embed through the one LLM gateway and are ranked by the one retrieval
        # module, without schemas_app importing chat.
        datapoints.install(embed=gateway.embed, rank=retrieval.retrieve_points)
