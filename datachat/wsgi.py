import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")
application = get_wsgi_application()

# A web process stopped mid-answer (answering in its own request, without a broker) left its
# message running: the next one to start ends it at once.
from chat.liveness import sweep_at_start  # noqa: E402

sweep_at_start()
