"""Settings, read from the environment (django-environ); every name has a safe default.

With no DATABASE_URL and no CELERY_BROKER_URL the site runs on embedded defaults (a SQLite
file and kombu's filesystem transport under var/); with them, on PostgreSQL and Redis.
"""

from pathlib import Path

import environ

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state of the embedded defaults: SQLite file, broker folders, beat schedule, logs.
VAR_DIR = Path(env.str("ARENA_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
# A development key only while DEBUG: a deployment without SECRET_KEY must not start.
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key" if DEBUG else "")
# Old keys still accepted for signatures (sessions, password resets) while rotating.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Behind a proxy that terminates TLS: trust its X-Forwarded-Proto, send cookies over HTTPS
# only, redirect plain HTTP (but not the health probe, which comes from inside) and send HSTS.
BEHIND_HTTPS_PROXY = env.bool("BEHIND_HTTPS_PROXY", default=False)
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Joining the browsers' preload list is hard to undo: an operator's deliberate choice.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Proxies in front that append to X-Forwarded-For (0: the client connects to gunicorn itself).
# Sign-in limits and DRF's throttles take the client's address from there.
ARENA_PROXY_HOPS = env.int("ARENA_PROXY_HOPS", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "judge",
    "accounts",
    "problems",
    "submissions",
    "dumps",
    "bots",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # First: JSON errors (and the body limit) for everything under /api/.
    "api.errors.ApiErrorsMiddleware",
    "lib.database_unavailable.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lib.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "arena.urls"
WSGI_APPLICATION = "arena.wsgi.application"

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
                "accounts.context_processors.site_licence",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'arena.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share the file: wait for locks instead of failing, and
    # take the write lock at BEGIN so two writers never deadlock on an upgrade.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    # A file, not memory, so a worker subprocess in the tests sees the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-arena.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every web process (rate limits): the database cache by default (Django's test
# setup and scripts/up.sh run createcachetable), or Redis with CACHE_URL=redis://host:6379/3.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://arena_cache")}

# Failed sign-ins per (account, address) and per address, and sign-ups per address: "N/period"
# with period in s, m, h or d (accounts.sign_in_limits). Nothing counts per account alone.
ARENA_SIGN_IN_FAILURES_PER_ACCOUNT_IP = env.str("ARENA_SIGN_IN_FAILURES_PER_ACCOUNT_IP", default="5/15m")
ARENA_SIGN_IN_FAILURES_PER_IP = env.str("ARENA_SIGN_IN_FAILURES_PER_IP", default="30/1h")
ARENA_SIGN_UPS_PER_IP = env.str("ARENA_SIGN_UPS_PER_IP", default="10/1h")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Password reset mails: printed on the console unless EMAIL_URL names a server
# (smtp+tls://user:password@host:587); the sender is DEFAULT_FROM_EMAIL.
globals().update(
    {name: value for name, value in env.email_url("EMAIL_URL", default="consolemail://").items() if value is not None}
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="The Arena <noreply@localhost>")
LOGIN_REDIRECT_URL = "problem-list"
LOGOUT_REDIRECT_URL = "problem-list"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing one
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    # "Authorization: Token arena_…" (self-serve tokens, api.authentication); keys of the
    # older kind (python manage.py drf_create_token USERNAME) still work.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerIpThrottle", "api.throttling.PerUserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "submissions": env.str("ARENA_SUBMISSION_RATE", default="30/min"),
        "proposals": env.str("ARENA_PROPOSAL_RATE", default="10/hour"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    # Behind one reverse proxy, set to 1 so the per-IP limit sees the client, not the proxy.
    # Behind N proxies (ARENA_PROXY_HOPS) the per-IP limit sees the client, not the proxy.
    "NUM_PROXIES": ARENA_PROXY_HOPS or None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "The Arena API",
    "DESCRIPTION": "Problems (Lean 4 statements), submissions judged by the Arena, runs with pass@k.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["api.schema.only_v1"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.complete_schema"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SubmissionStatusEnum": "submissions.models.SubmissionStatus",
        "DeliveryStatusEnum": "bots.models.DeliveryStatus",
    },
}

# --- The bot API (/api/v1/) ------------------------------------------------------------------

# Rate limits, counted in the shared cache: every request by address, every request by account,
# and submissions by account (a batch counts one per item).
ARENA_API_IP_RATE = env.str("ARENA_API_IP_RATE", default="1200/min")
ARENA_API_USER_RATE = env.str("ARENA_API_USER_RATE", default="1200/min")
ARENA_API_SUBMISSION_RATE = env.str("ARENA_API_SUBMISSION_RATE", default="600/hour")
# Request bodies under /api/ (checked on Content-Length, answered 413): a batch of 100
# submissions of 64 KiB is 6.4 MiB of code before JSON escaping, more than Django's 2.5 MB.
ARENA_API_MAX_BODY_BYTES = env.int("ARENA_API_MAX_BODY_BYTES", default=1024 * 1024)
ARENA_API_BATCH_MAX_BYTES = env.int("ARENA_API_BATCH_MAX_BYTES", default=8 * 1024 * 1024)
ARENA_API_BATCH_MAX_ITEMS = 100
# DRF reads JSON through request.body, which refuses bodies over this: raised to the batch limit
# (ApiErrorsMiddleware holds every other /api/ route to ARENA_API_MAX_BODY_BYTES).
DATA_UPLOAD_MAX_MEMORY_SIZE = max(ARENA_API_BATCH_MAX_BYTES, 2621440)
ARENA_API_RUN_MAX_K = 100
ARENA_API_MAX_TOKENS_PER_USER = env.int("ARENA_API_MAX_TOKENS_PER_USER", default=20)
# ?wait=N holds the request (one thread) at most this long, and at most this many per process.
ARENA_API_MAX_WAIT_SECONDS = env.int("ARENA_API_MAX_WAIT_SECONDS", default=20)
ARENA_API_MAX_WAITERS_PER_PROCESS = env.int("ARENA_API_MAX_WAITERS_PER_PROCESS", default=4)
# Checks (issue 27: Lean's proof state, not a verdict; submissions/checks.py): per account,
# whatever sends them (the API, the editor, the form); a request waits this long for the answer
# before it gets an id to poll; an identical check (checks.check_key) within the cache time is
# answered from the last one; a check unanswered after the expiry is given up (its owner may check again).
ARENA_CHECK_RATE = env.str("ARENA_CHECK_RATE", default="30/min")
ARENA_CHECK_WAIT_SECONDS = env.float("ARENA_CHECK_WAIT_SECONDS", default=8.0)
ARENA_CHECK_CACHE_SECONDS = env.int("ARENA_CHECK_CACHE_SECONDS", default=600)
ARENA_CHECK_EXPIRE_SECONDS = env.int("ARENA_CHECK_EXPIRE_SECONDS", default=180)
ARENA_CHECK_KEEP_DAYS = env.int("ARENA_CHECK_KEEP_DAYS", default=7)
# Webhooks: attempts, back-off (base x 3^(attempt-1) seconds), time out per attempt.
ARENA_WEBHOOK_MAX_ATTEMPTS = env.int("ARENA_WEBHOOK_MAX_ATTEMPTS", default=5)
ARENA_WEBHOOK_RETRY_BASE_SECONDS = env.int("ARENA_WEBHOOK_RETRY_BASE_SECONDS", default=10)
ARENA_WEBHOOK_TIMEOUT_SECONDS = env.float("ARENA_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Only for tests and local development: let callbacks reach loopback and private addresses.
ARENA_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("ARENA_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)

# LOG_FORMAT=json: one JSON object per line; every line names the submission being judged.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"submission": {"()": "lib.logging.SubmissionIdFilter"}},
    "formatters": {"arena": {"()": "lib.logging.formatter_for", "log_format": LOG_FORMAT}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["submission"], "formatter": "arena"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Queues whose depth /metrics reports (judge-mathlib: the Mathlib workers' queue).
ARENA_METRICS_QUEUES = env.list("ARENA_METRICS_QUEUES", default=["judge", "judge-mathlib", "celery"])

# --- The judge and the judging pipeline -------------------------------------------------

# The judge: a dotted path to a judge.seam.SiteJudge object (the real one, or a test double),
# imported by judge.seam.site_judge() only.
ARENA_JUDGE = env.str("ARENA_JUDGE", default="judge.pipeline.judge_submission")
# Submissions larger than this (UTF-8 bytes) are refused before anything is stored.
ARENA_MAX_CODE_BYTES = 64 * 1024
# Judgings of one submission before it is given up as JUDGE_ERROR.
ARENA_JUDGE_MAX_ATTEMPTS = env.int("ARENA_JUDGE_MAX_ATTEMPTS", default=3)
# Celery processes that judge on a worker. "auto": as many as the memory the worker may use
# allows (judge/sizing.py: one offline Lean needs ~3.6 GB, and each judging process keeps a pool,
# a kept exporter and a replay), chosen and logged when the worker starts; or a number.
ARENA_JUDGE_CONCURRENCY = env.str("ARENA_JUDGE_CONCURRENCY", default="auto")
# The longest one judging may take (the judge waits for a Lean slot, then runs up to two Lean
# processes under their own wall limits); past it the judging is a JUDGE_ERROR, retried.
ARENA_JUDGE_TIME_LIMIT_SECONDS = env.int("ARENA_JUDGE_TIME_LIMIT_SECONDS", default=3600)
# A claimed submission's lease, renewed by its worker every third of it while judging: a
# worker that dies stops renewing, and the sweep takes the submission back after this long.
ARENA_JUDGE_LEASE_SECONDS = env.int("ARENA_JUDGE_LEASE_SECONDS", default=300)
# A submission still queued after this long is enqueued again (its message was lost).
ARENA_QUEUED_STALE_SECONDS = env.int("ARENA_QUEUED_STALE_SECONDS", default=600)
ARENA_SWEEP_INTERVAL_SECONDS = env.int("ARENA_SWEEP_INTERVAL_SECONDS", default=60)
# Wait before judging again after a JUDGE_ERROR.
ARENA_JUDGE_RETRY_DELAY_SECONDS = env.int("ARENA_JUDGE_RETRY_DELAY_SECONDS", default=5)
# Fairness: one owner's submissions in flight (queued or running), form and API alike; a batch
# counts each item, so the default lets a 50-submission batch through with room to spare.
ARENA_MAX_IN_FLIGHT_PER_OWNER = env.int("ARENA_MAX_IN_FLIGHT_PER_OWNER", default=100)
# Of those, how many form submissions are judged ahead of bulk ones (API, batches); an owner's
# further form submissions wait with the bulk ones, so a scripted form cannot jump the queue.
ARENA_INTERACTIVE_IN_FLIGHT = env.int("ARENA_INTERACTIVE_IN_FLIGHT", default=3)
ARENA_SAMPLE_PROBLEMS = env.str(
    "ARENA_SAMPLE_PROBLEMS", default=str(BASE_DIR / "problems" / "samples" / "problems.jsonl")
)

# --- The site licence and the dataset dumps -----------------------------------------------

# What every contribution is licensed under (shown at sign-up, in the footer, on /datasets/).
# CC BY-SA plus an open-weights condition is no longer plain CC BY-SA: the dataset card says
# `license: other` with ARENA_LICENCE_ID as its license_name. Raise ARENA_LICENCE_VERSION when
# the text changes: every user accepts the new version before their next submission.
ARENA_LICENCE_ID = env.str("ARENA_LICENCE_ID", default="cc-by-sa-4.0-open-weights")
ARENA_LICENCE_VERSION = env.str("ARENA_LICENCE_VERSION", default="1")
ARENA_LICENCE_NAME = env.str("ARENA_LICENCE_NAME", default="CC BY-SA 4.0 with the Arena open-weights condition")
# Where the full text lives for the card's license_link; empty: the dump's own LICENSE file.
ARENA_LICENCE_URL = env.str("ARENA_LICENCE_URL", default="")
# The host's own clause, appended to CC BY-SA 4.0 (empty: accounts.licence's default text);
# ARENA_LICENCE_TEXT_FILE replaces the whole licence text with a file's.
ARENA_LICENCE_CLAUSE = env.str("ARENA_LICENCE_CLAUSE", default="")
ARENA_LICENCE_TEXT_FILE = env.str("ARENA_LICENCE_TEXT_FILE", default="")
# Licences of imported problems that a dump may redistribute under the site licence; a problem
# with another licence, or none (e.g. CodeProofBenchmark's), is left out with its submissions.
ARENA_DATASET_PROBLEM_LICENCES = env.list(
    "ARENA_DATASET_PROBLEM_LICENCES",
    default=[ARENA_LICENCE_ID, "CC-BY-SA-4.0", "CC-BY-4.0", "CC0-1.0", "MIT", "Apache-2.0"],
)
# Solutions are dumped only for problems published at least this many days ago.
ARENA_DATASET_EMBARGO_DAYS = env.int("ARENA_DATASET_EMBARGO_DAYS", default=30)
# Where dumps are written and served from (one folder and one archive per dump).
ARENA_DATASET_DIR = env.str("ARENA_DATASET_DIR", default=str(VAR_DIR / "datasets"))
# How often beat makes a dump (skipped when nothing changed since the last one).
ARENA_DATASET_INTERVAL_SECONDS = env.int("ARENA_DATASET_INTERVAL_SECONDS", default=7 * 24 * 3600)
# Authors who opted out appear as "anon-<hmac>": the key keeps the id stable and unguessable.
ARENA_DATASET_PSEUDONYM_KEY = env.str("ARENA_DATASET_PSEUDONYM_KEY", default=SECRET_KEY)
# --- Problems: import profiles and validation ----------------------------------------------

# The import profiles maintainers allow: a problem's imports must lie within one profile's
# modules (a module covers its submodules), and it is judged only on that profile's queue.
# JSON in the environment, e.g. {"core": {"modules": [], "queue": "judge"}, ...}.
ARENA_IMPORT_PROFILES = env.json(
    "ARENA_IMPORT_PROFILES",
    default={
        "core": {"label": "Core (Init only)", "modules": [], "queue": "judge"},
        "std": {"label": "Std", "modules": ["Std"], "queue": "judge"},
        "mathlib": {"label": "Mathlib", "modules": ["Mathlib", "Std"], "queue": "judge-mathlib"},
    },
)
# The profiles this site's judge workers serve (the offline Lean has Init, Std and Lean, no
# Mathlib): submissions to a problem of any other profile are refused with a clear message.
ARENA_SERVED_PROFILES = env.list("ARENA_SERVED_PROFILES", default=["core", "std"])
# A description longer than this (UTF-8 bytes) is refused.
ARENA_MAX_DESCRIPTION_BYTES = env.int("ARENA_MAX_DESCRIPTION_BYTES", default=64 * 1024)

# --- Celery -------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
# Redis redelivers an unacknowledged message after the visibility timeout: it must exceed the
# longest judging time, or a judging still in progress is delivered to a second worker.
ARENA_BROKER_VISIBILITY_TIMEOUT = env.int(
    "ARENA_BROKER_VISIBILITY_TIMEOUT", default=ARENA_JUDGE_TIME_LIMIT_SECONDS + 600
)
if CELERY_BROKER_URL.startswith("filesystem"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # without it kombu writes its exchange files to ./control, wherever the worker starts
        "control_folder": str(_broker_dir / "control"),
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": ARENA_BROKER_VISIBILITY_TIMEOUT}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# "auto": unset here, so that a worker can tell `-c` from nothing; it sizes itself at start
# (arena/celery.py; a worker with a judge double takes 1)
CELERY_WORKER_CONCURRENCY = None if ARENA_JUDGE_CONCURRENCY == "auto" else int(ARENA_JUDGE_CONCURRENCY)
# Past the soft limit the judge is interrupted (a JUDGE_ERROR, retried); a judge that does not
# let go is killed a minute later, and the sweep re-queues its submission.
CELERY_TASK_SOFT_TIME_LIMIT = ARENA_JUDGE_TIME_LIMIT_SECONDS
CELERY_TASK_TIME_LIMIT = ARENA_JUDGE_TIME_LIMIT_SECONDS + 60
CELERY_TASK_ROUTES = {
    "submissions.tasks.judge_submission_task": {"queue": "judge"},
    "submissions.tasks.run_check_task": {"queue": "judge"},
}
# Problem validations run the judge too; the sender names the profile's queue explicitly.
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Checks before queued judging (issue 27): on Redis a message with a lower priority number is
# taken first (kombu's priority steps 0, 3, 6, 9; no priority is the first step). Every message
# goes at 5, a check's at 0 (submissions.checks.CHECK_PRIORITY): a check waits for the jobs
# already on a worker, never for a batch's queued turns. kombu's file-system queue ignores it.
CELERY_TASK_DEFAULT_PRIORITY = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "sweep-submissions": {
        "task": "submissions.tasks.sweep_submissions_task",
        "schedule": float(ARENA_SWEEP_INTERVAL_SECONDS),
        # A sweep that waited behind a judging longer than one period is dropped, not run late.
        "options": {"expires": float(ARENA_SWEEP_INTERVAL_SECONDS)},
    },
    "prune-checks": {
        "task": "submissions.tasks.prune_checks_task",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
    "export-dataset": {
        "task": "dumps.tasks.export_dataset_task",
        "schedule": float(ARENA_DATASET_INTERVAL_SECONDS),
        "options": {"expires": float(ARENA_DATASET_INTERVAL_SECONDS)},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
