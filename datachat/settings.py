"""Settings come only from the environment (django-environ), with safe local defaults.

Local default: SQLite system database and a generated credentials key under DATA_DIR.
Production (DEBUG=false): SECRET_KEY and DATABASE_CREDENTIALS_KEY must be set; the system
checks in connections/checks.py fail loudly otherwise.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
DATA_DIR = Path(env.str("DATACHAT_DATA_DIR", default=str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite system DB and local key live here

INSECURE_DEFAULT_SECRET_KEY = "django-insecure-datachat-local-default"
DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Comma-separated Fernet keys: the first encrypts, all decrypt (rotation).
# Empty locally -> a key generated once into CREDENTIALS_KEY_FILE (with a warning).
DATABASE_CREDENTIALS_KEY = env.str("DATABASE_CREDENTIALS_KEY", default="")
CREDENTIALS_KEY_FILE = DATA_DIR / "credentials.key"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "connections",
    "schemas_app",
    "chat",
    "federation",  # federated queries over several registered databases (issue 16)
    "ninja",  # serves the docs page's Swagger UI from its own static files (no CDN)
    "api",
    "demo",  # no models: `manage.py seed_demo`
    "comparisons",  # no models: environment comparison (issue 16)
    "reports",  # scheduled reports (issue 16)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files under gunicorn (docker-compose); no CDN, no extra server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "datachat.middleware.HtmxLoginRedirectMiddleware",
]

ROOT_URLCONF = "datachat.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "connections.context_processors.selected_database",
            ],
        },
    },
]

WSGI_APPLICATION = "datachat.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'datachat.sqlite3'}"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "databases"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"

# Celery: without REDIS_URL tasks run eagerly so the local demo needs no broker.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Nothing reads task results (state lives on the rows), and a result store that is down would
# make every publish wait for its reconnect loop (~20 s): results are not stored.
CELERY_TASK_IGNORE_RESULT = True
# One Redis can serve several deployments (or test runs), each on its own queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# A broker that is down must fail a request in seconds, not hang it (datachat/queueing.py
# then marks the job failed): bounded connect and publish retries.
BROKER_RETRY_SECONDS = env.float("BROKER_RETRY_SECONDS", default=2.0)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_RETRY_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": BROKER_RETRY_SECONDS,
    "socket_timeout": BROKER_RETRY_SECONDS * 2,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_RETRY_SECONDS
CELERY_REDIS_SOCKET_TIMEOUT = BROKER_RETRY_SECONDS * 2

# Query execution against registered databases.
QUERY_MAX_ROWS = env.int("QUERY_MAX_ROWS", default=10_000)
QUERY_TIMEOUT_SECONDS = env.float("QUERY_TIMEOUT_SECONDS", default=30.0)
# Federated queries (federation/): each side's rows are capped by count and by estimated
# Python memory before they are loaded; the in-process DuckDB joins them under its own limit.
FEDERATION_MAX_ROWS_PER_SIDE = env.int("FEDERATION_MAX_ROWS_PER_SIDE", default=100_000)
FEDERATION_MAX_BYTES_PER_SIDE = env.int("FEDERATION_MAX_BYTES_PER_SIDE", default=256 * 2**20)
FEDERATION_MEMORY_LIMIT = env.str("FEDERATION_MEMORY_LIMIT", default="1GB")
# Environment comparison: tables with more rows are checksummed on a deterministic sample.
COMPARE_MAX_ROWS = env.int("COMPARE_MAX_ROWS", default=100_000)
CONNECT_TIMEOUT_SECONDS = env.float("CONNECT_TIMEOUT_SECONDS", default=5.0)
POOL_MAX_SIZE = env.int("POOL_MAX_SIZE", default=20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)

# HTTPS, opt-in: only the operator knows whether TLS is in front, and HSTS, once a browser has
# seen it, cannot be taken back for its lifetime. `manage.py check --deploy` names what is off.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a TLS-terminating proxy: "HTTP_X_FORWARDED_PROTO,https" trusts that header to say the
# request came in over HTTPS. Set it only when the proxy always sets (or strips) the header.
SECURE_PROXY_SSL_HEADER = tuple(env.list("SECURE_PROXY_SSL_HEADER", default=[])) or None
if SECURE_PROXY_SSL_HEADER is not None and len(SECURE_PROXY_SSL_HEADER) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER takes a header and a value, e.g. HTTP_X_FORWARDED_PROTO,https"
    )

# Schema extraction (schemas_app).
SCHEMA_EXTRACTION_TIME_LIMIT = env.int("SCHEMA_EXTRACTION_TIME_LIMIT", default=600)
SCHEMA_RETRY_BACKOFF_SECONDS = env.float(
    "SCHEMA_RETRY_BACKOFF_SECONDS", default=5.0
)  # doubles per retry
SCHEMA_SAMPLE_ROWS = env.int("SCHEMA_SAMPLE_ROWS", default=2)
SCHEMA_SAMPLE_BUDGET_SECONDS = env.float("SCHEMA_SAMPLE_BUDGET_SECONDS", default=20.0)
PROFILE_BUDGET_SECONDS = env.float("PROFILE_BUDGET_SECONDS", default=60.0)
PROFILE_MAX_TABLES = env.int("PROFILE_MAX_TABLES", default=200)
PROFILE_MAX_COLUMNS = env.int("PROFILE_MAX_COLUMNS", default=50)
PROFILE_SAMPLE_ROWS = env.int("PROFILE_SAMPLE_ROWS", default=100_000)
PROFILE_TOP_VALUES = env.int("PROFILE_TOP_VALUES", default=50)
PROFILE_LOW_CARDINALITY = env.int("PROFILE_LOW_CARDINALITY", default=50)
CELERY_BEAT_SCHEDULE = {
    "refresh-due-schemas": {"task": "schemas_app.tasks.refresh_due_schemas", "schedule": 300.0},
    # Answers whose runner died end within a minute even when nobody polls (chat/liveness.py).
    "sweep-unfinished-answers": {"task": "chat.tasks.sweep_unfinished_answers", "schedule": 20.0},
    # The model's audit log keeps MODEL_LOG_RETENTION_DAYS (chat.model_log.purge).
    "purge-model-log": {"task": "chat.tasks.purge_model_log", "schedule": 3600.0},
}

# Scheduled reports (reports/): beat looks for due reports every REPORTS_TICK_SECONDS; a run
# whose database fails is retried REPORTS_MAX_RETRIES times, waiting BACKOFF, 2x, 4x ... (at
# most BACKOFF_MAX) seconds, then marked failed. A run keeps REPORTS_MAX_ROWS rows per table.
REPORTS_TICK_SECONDS = env.float("REPORTS_TICK_SECONDS", default=60.0)
REPORTS_MAX_RETRIES = env.int("REPORTS_MAX_RETRIES", default=3)
REPORTS_RETRY_BACKOFF_SECONDS = env.int("REPORTS_RETRY_BACKOFF_SECONDS", default=30)
REPORTS_RETRY_BACKOFF_MAX_SECONDS = env.int("REPORTS_RETRY_BACKOFF_MAX_SECONDS", default=600)
REPORTS_MAX_ROWS = env.int("REPORTS_MAX_ROWS", default=100)
CELERY_BEAT_SCHEDULE["enqueue-due-reports"] = {
    "task": "reports.tasks.enqueue_due_reports",
    "schedule": REPORTS_TICK_SECONDS,
}
# Report emails (Django's email framework). Without EMAIL_HOST they go to the console log.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="DataChat <datachat@localhost>")

# --- Question answering (chat.answering) -------------------------------------------------
# Without LLM_MODEL the built-in offline engine answers; with it, litellm calls that model
# (e.g. openai/gpt-4o-mini, anthropic/..., ollama/qwen2.5-coder:7b).
LLM_MODEL = env.str("LLM_MODEL", default="")
LLM_API_BASE = env.str("LLM_API_BASE", default="")
LLM_API_KEY = env.str("LLM_API_KEY", default="")
# LLM_TIMEOUT x (1 + LLM_MAX_CORRECTIONS) must fit in CHAT_DATABASE_TIMEOUT_SECONDS (a system
# check warns otherwise): 20 s x 3 calls = 60 s, leaving 30 s of the 90 s deadline to queries.
LLM_TIMEOUT = env.float("LLM_TIMEOUT", default=20.0)
LLM_MAX_CORRECTIONS = env.int("LLM_MAX_CORRECTIONS", default=2)
CONTEXT_TOKEN_BUDGET = env.int("CONTEXT_TOKEN_BUDGET", default=3000)
# Self-consistency: with n > 1 the model writes n candidate queries (in parallel, sampled), each
# valid one runs, and the result most of them agree on wins. n times the tokens; off (1) by default.
LLM_CANDIDATES = env.int("LLM_CANDIDATES", default=1)
# What of a database's data may go into prompts (README, Data exposure): schema, profiles or
# values; a database's own setting wins. profiles: no raw value leaves unless a staff member
# sets a database to values.
DATA_EXPOSURE_DEFAULT = env.str("DATA_EXPOSURE_DEFAULT", default="profiles").strip().lower()
if DATA_EXPOSURE_DEFAULT not in ("schema", "profiles", "values"):
    raise ImproperlyConfigured(
        f"DATA_EXPOSURE_DEFAULT={DATA_EXPOSURE_DEFAULT!r}: use schema, profiles or values."
    )
# Every request sent to a model is kept this many days (chat.ModelCall); 0 keeps them forever.
MODEL_LOG_RETENTION_DAYS = env.int("MODEL_LOG_RETENTION_DAYS", default=90)
# --- end question answering ---------------------------------------------------------------

# Chat (chat/): answers, result cache, per-database timeout.
CHAT_DATABASE_TIMEOUT_SECONDS = env.float("CHAT_DATABASE_TIMEOUT_SECONDS", default=90.0)
CHAT_RESULT_CACHE_TTL = env.int("CHAT_RESULT_CACHE_TTL", default=600)
CHAT_PREVIEW_ROWS = env.int("CHAT_PREVIEW_ROWS", default=100)
CHAT_PAGE_SIZE = env.int("CHAT_PAGE_SIZE", default=25)
CHAT_HISTORY_TURNS = env.int("CHAT_HISTORY_TURNS", default=3)
# A message still pending or running after this long is marked failed ("interrupted").
CHAT_ANSWER_STALE_SECONDS = env.float("CHAT_ANSWER_STALE_SECONDS", default=600.0)
# Liveness (chat/liveness.py): the runner of an answer beats every CHAT_HEARTBEAT_SECONDS; one
# silent for CHAT_HEARTBEAT_TIMEOUT_SECONDS died and its answer is marked interrupted. A
# question nobody claimed says "waiting for a worker" after CHAT_WAITING_SECONDS and fails
# after CHAT_QUEUE_TIMEOUT_SECONDS.
CHAT_HEARTBEAT_SECONDS = env.float("CHAT_HEARTBEAT_SECONDS", default=5.0)
CHAT_HEARTBEAT_TIMEOUT_SECONDS = env.float("CHAT_HEARTBEAT_TIMEOUT_SECONDS", default=30.0)
CHAT_WAITING_SECONDS = env.float("CHAT_WAITING_SECONDS", default=5.0)
CHAT_QUEUE_TIMEOUT_SECONDS = env.float("CHAT_QUEUE_TIMEOUT_SECONDS", default=120.0)
# Schema extraction and profiling load the target database: at most one request per database
# within this many seconds (staff only; the scheduler and the command are not limited).
SCHEMA_REQUEST_COOLDOWN_SECONDS = env.float("SCHEMA_REQUEST_COOLDOWN_SECONDS", default=60.0)
CACHES = {
    "default": (
        {
            # A Redis outage degrades to cache misses (logged), never a 500: datachat/cache.py.
            "BACKEND": "datachat.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": BROKER_RETRY_SECONDS,
                "socket_timeout": BROKER_RETRY_SECONDS,
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "datachat"}
    )
}
DATAPOINTS_DIR = env.str("DATAPOINTS_DIR", default=str(BASE_DIR / "datapoints"))
# DataPoints: embeddings via litellm when EMBEDDING_MODEL is set; EMBEDDING_API_BASE when the
# embedding server differs from LLM_API_BASE (empty: LLM_API_BASE is used).
EMBEDDING_MODEL = env.str("EMBEDDING_MODEL", default="")
EMBEDDING_API_BASE = env.str("EMBEDDING_API_BASE", default="")
