"""Celery tasks: beat's tick that queues due reports, and one run of a report (retried with
exponential backoff on a database error, then marked failed)."""

from celery import shared_task
from celery.exceptions import Retry
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from . import runner, service


@shared_task(ignore_result=True)
def enqueue_due_reports() -> int:
    return service.enqueue_due()


@shared_task(bind=True, ignore_result=True, soft_time_limit=300, time_limit=330)
def run_report_task(self, run_id: int) -> None:
    # Settings are read per call (not in the decorator) so a deployment's values apply.
    retries = self.request.retries
    if self.request.is_eager:
        # No broker (no REDIS_URL) to bring the task back later: the retries run at once.
        for attempt in range(settings.REPORTS_MAX_RETRIES + 1):
            try:
                return runner.run(run_id, final=attempt >= settings.REPORTS_MAX_RETRIES)
            except runner.RunFailed:
                continue
        return None
    try:
        runner.run(run_id, final=retries >= settings.REPORTS_MAX_RETRIES)
    except runner.RunFailed as failure:
        countdown = get_exponential_backoff_interval(
            factor=settings.REPORTS_RETRY_BACKOFF_SECONDS,
            retries=retries,
            maximum=settings.REPORTS_RETRY_BACKOFF_MAX_SECONDS,
            full_jitter=False,
        )
        try:
            raise self.retry(
                exc=failure, countdown=countdown, max_retries=settings.REPORTS_MAX_RETRIES
            )
        except Retry:
            raise
        except runner.RunFailed:
            raise
        except Exception as error:  # the broker refused the retry: end the run, say why
            runner.fail(run_id, f"{failure} (and it could not be retried: {type(error).__name__})")
