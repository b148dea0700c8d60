"""Thin Celery tasks: the conversation service claims the message and does the work."""

from celery import shared_task

from . import conversation, liveness


@shared_task(soft_time_limit=300, time_limit=330)
def answer_message_task(message_id: int, bypass_cache: bool = False) -> None:
    conversation.run_answer(message_id, bypass_cache=bypass_cache)


@shared_task(ignore_result=True)
def sweep_unfinished_answers() -> int:
    """Celery beat entry: end answers nobody will finish even when no page or client polls."""
    return liveness.sweep()


@shared_task(ignore_result=True)
def purge_model_log() -> int:
    """Celery beat entry: drop model calls older than MODEL_LOG_RETENTION_DAYS."""
    from . import model_log

    return model_log.purge()
