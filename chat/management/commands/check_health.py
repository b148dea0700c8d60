"""`manage.py check_health`: what /healthz says, for scripts and operators. Exit status 0 when
everything required is up, 1 otherwise; --json prints the same body as /healthz."""

import json

from django.core.management.base import BaseCommand

from datachat.health import report


class Command(BaseCommand):
    help = "Check the system database, the broker, the Celery workers and the cache."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print /healthz's JSON body.")

    def handle(self, *args, **options):
        body = report()
        if options["json"]:
            self.stdout.write(json.dumps(body, indent=2))
        else:
            for name, check in body["checks"].items():
                state = "ok" if check["ok"] else ("DOWN" if check["required"] else "degraded")
                latency = "" if check["latency_ms"] is None else f" ({check['latency_ms']} ms)"
                self.stdout.write(f"{name:16} {state:8} {check['detail']}{latency}")
            self.stdout.write(f"status: {body['status']}")
        if body["down"]:
            raise SystemExit(1)
