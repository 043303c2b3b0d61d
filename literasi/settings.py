"""Literasi settings: one module, read from the environment.

``LITERASI_ENV`` selects the profile: ``production`` (the default, secure), ``development``
(set by ``manage.py`` and ``make run``) or ``test`` (set by the test runner). Production refuses
to start without ``SECRET_KEY``; the others fall back to a local key.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LITERASI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


LITERASI_ENV = os.environ.get("LITERASI_ENV", "production")
if LITERASI_ENV not in {"production", "development", "test"}:
    raise ImproperlyConfigured(f"LITERASI_ENV must be production, development or test, not {LITERASI_ENV!r}")
PRODUCTION = LITERASI_ENV == "production"
TESTING = LITERASI_ENV == "test"

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when LITERASI_ENV=production.")
    SECRET_KEY = "insecure-development-key-" + "x" * 40

DEBUG = env_bool("DEBUG", LITERASI_ENV == "development")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The ministry that issues the training, named in the header, emails and certificates. Kominfo
# became the Kementerian Komunikasi dan Digital (Komdigi) on 21 October 2024.
LITERASI_ISSUER_NAME = os.environ.get("LITERASI_ISSUER_NAME", "Kementerian Komunikasi dan Digital")
LITERASI_ISSUER_SHORT_NAME = os.environ.get("LITERASI_ISSUER_SHORT_NAME", "Komdigi")

# Certificate signing keys (certificates/signing.py). `manage.py certificates_dev_keys` writes
# development keys to var/keys/; production points these at the agency's own (e.g. from BSrE).
CERTIFICATES_KEY_DIR = Path(os.environ.get("CERTIFICATES_KEY_DIR", VAR_DIR / "keys"))
CERTIFICATES_PADES_KEY = os.environ.get("CERTIFICATES_PADES_KEY", str(CERTIFICATES_KEY_DIR / "pades-key.pem"))
CERTIFICATES_PADES_CERT = os.environ.get("CERTIFICATES_PADES_CERT", str(CERTIFICATES_KEY_DIR / "pades-cert.pem"))
CERTIFICATES_VC_KEY = os.environ.get("CERTIFICATES_VC_KEY", str(CERTIFICATES_KEY_DIR / "credential-ed25519.pem"))
# Lookups of the public verification page per client address and minute.
CERTIFICATES_VERIFY_PER_MINUTE = env_int("CERTIFICATES_VERIFY_PER_MINUTE", 30)
# Days an export of training records (NIPs and names) is kept for download before its file is deleted.
EXPORT_KEEP_DAYS = env_int("EXPORT_KEEP_DAYS", 7)

INSTALLED_APPS = [
    "literasi",
    "courses",
    "quizzes",
    "cohorts",
    "certificates",
    "monitoring",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "literasi.middleware.IndonesianFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "literasi.middleware.RequireStaffTwoFactorMiddleware",
]

ROOT_URLCONF = "literasi.urls"
WSGI_APPLICATION = "literasi.wsgi.application"

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
                "django.template.context_processors.i18n",
                "literasi.context_processors.roles",
                "literasi.context_processors.issuer",
            ],
        },
    }
]

# --- Data ---------------------------------------------------------------------------------------
# Embedded default: SQLite in var/. Production: DATABASE_URL=postgres://...
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'literasi.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the web server and the worker read while the other writes; a busy timeout
    # turns brief write contention into a short wait instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests that use a real worker process need a test database the worker can open.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-literasi.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's documented PostgreSQL options: parameters bound on the server, and psycopg
    # prepares a statement once it has run DATABASE_PREPARE_THRESHOLD times on a connection,
    # so PostgreSQL plans the queries of every page view once per connection, not every time.
    # Empty turns preparing off (transaction mode behind PgBouncer older than 1.22, or with its
    # max_prepared_statements at 0).
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": env_int("DATABASE_PREPARE_THRESHOLD", 5)
        if os.environ.get("DATABASE_PREPARE_THRESHOLD", "5")
        else None,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache may live in another Redis database than the broker (clearing one never touches the other).
CACHE_URL = os.environ.get("CACHE_URL", REDIS_URL)

# Allauth's rate limits need a cache that every process shares: Redis when configured,
# otherwise a file-based cache in var/ (never the per-process local-memory cache).
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "literasi"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / ("test" if TESTING else "main")),
        }
    }

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Accounts ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "literasi.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "literasi.backends.NationalAdminPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "literasi.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "literasi.forms.ProfileSignupForm"
ACCOUNT_FORMS = {"reset_password_from_key": "literasi.password_forms.PasswordSetFromEmailForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Literasi] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# The client address that allauth's per-address limits count. Behind our TLS proxy every request
# arrives from the proxy, so without this one person's failures would limit everyone. The
# proxy appends the address it saw to X-Forwarded-For; with N proxies of ours in front, the N-th
# entry from the right is the client's (the entries left of it are whatever the client sent).
# 0 (the default) never reads the header: a client reaching the app directly could pick its own.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Allauth's rate limits, per client address ("ip"), account ("key") or signed-in user ("user").
# - login_failed: 10 a minute per address, and 5 per 5 minutes per account *and address*
#   (literasi.adapters.AccountAdapter): an attacker's wrong passwords lock out the attacker's
#   address, never the owner signing in from theirs.
# - signup: few per address (SIGNUP_RATE_LIMIT). The page says nothing about registered NIPs or
#   emails (literasi.forms.clean_profile_nip), and this caps how fast anyone can try.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": os.environ.get("SIGNUP_RATE_LIMIT", "5/10m/ip,20/d/ip"),
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = f"Literasi {LITERASI_ISSUER_SHORT_NAME}"
# Organisers and national admins must set up TOTP before using the site when this is on.
LITERASI_REQUIRE_STAFF_MFA = env_bool("LITERASI_REQUIRE_STAFF_MFA", PRODUCTION)

# --- Language and time -------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "literasi_lang"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

# --- Email -------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", f"Literasi {LITERASI_ISSUER_SHORT_NAME} <noreply@literasi.local>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ----------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", PRODUCTION) else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, fonts and requests only from this site,
# no inline script or style (templates load static files; the JSON blocks allauth writes into
# some pages are data, never run), no plugins, no framing, forms post only here. Images may also
# be data: URIs (the authenticator QR code). The browser test runs pages under it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Every request body, files included, is refused with 413 above this before Django reads it
# (literasi.middleware.RequestBodyLimit, in literasi/wsgi.py): the largest upload (a 10 MB
# participant file) plus room for the form around it. Set the proxy's limit to the same
# (nginx: client_max_body_size 12m). Django keeps an upload in memory up to
# FILE_UPLOAD_MAX_MEMORY_SIZE and writes larger ones to FILE_UPLOAD_TEMP_DIR (the system's
# temporary directory unless set), so at most this much per request reaches the disk.
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 12 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, named here beside the cap
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None

# --- Celery ------------------------------------------------------------------------------------
# Read by literasi/celery.py (namespace CELERY_). Embedded default: kombu's filesystem transport,
# which needs no server and is read by a real worker process.
BROKER_DIR = VAR_DIR / ("broker-test" if TESTING else "broker")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BATCH_SOFT_TIME_LIMIT = env_int("CELERY_BATCH_SOFT_TIME_LIMIT", 15 * 60)
CELERY_BATCH_TIME_LIMIT = env_int("CELERY_BATCH_TIME_LIMIT", 20 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 90)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # The folder is polled: every second by default, which made a grade (and a worker's
        # answer to /healthz's ping) wait up to a second for nothing.
        "polling_interval": 0.2,
    }
else:
    # An unacknowledged message is handed to another worker after this many seconds: it must
    # outlast the longest task, or a slow task would run twice at once.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_BATCH_TIME_LIMIT + 10 * 60),
        # Prefixes every broker key (queues, bindings, fanout channels), so several deployments
        # or test runs can share one Redis database without taking each other's tasks.
        "global_keyprefix": os.environ.get("CELERY_BROKER_KEY_PREFIX", ""),
    }
# Celery's Django fixup closes the database connection before and after every task unless this
# is set: a new PostgreSQL connection per grade cost more than the grading (bench/grading.py).
# Instead, before each task, literasi.celery drops connections past CONN_MAX_AGE or that saw an
# error (tasks retry database errors), so a restarted database is still noticed.
CELERY_DB_REUSE_MAX = 10_000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Workers turn what tasks print into log lines; the development console email backend prints
# every email, which Celery's default level (WARNING) made look like a problem.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Celery: publishing fails fast when the broker is away ------------------------------------
# A request that hands work to the broker (a quiz submission, an upload, a confirmation, an
# invitation; literasi.queueing) tries once and moves on: the work is already committed as an
# outbox row that the scheduler's sweep enqueues when the broker is back. Without this block, kombu retried the connection for up to 6 s per request (sleeping 2 s
# then 4 s) and a broker host that stopped answering could hold a request for ever.
# - max_retries 0: one connection try when publishing; the worker's own reconnect loop is
#   unaffected (it passes broker_connection_max_retries explicitly).
# - socket_connect_timeout: a broker host that drops packets costs this long, not the OS's minutes.
# - socket_timeout: a command on a connection the broker silently dropped gives up after this;
#   above the worker's 1 s BRPOP wait, so consuming is unaffected.
# - publish retry policy (for callers that do retry, such as beat): none; the sweep is the retry.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
REDIS_BROKER_FAIL_FAST_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": env_float("CELERY_BROKER_SOCKET_CONNECT_TIMEOUT", 0.5),
    "socket_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 3.0),
}
if not CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS |= REDIS_BROKER_FAIL_FAST_OPTIONS
# --- end of the fail-fast publishing block ---------------------------------------------------

# --- Celery: worker limits ------------------------------------------------------------------------
# A pool process whose resident memory passed this (KiB) is replaced once its task ends, so one
# heavy job does not leave a bloated process next to the others. Spreadsheet reading is bounded
# well below it (cohorts.spreadsheets).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 512 * 1024)
# A batch task's message is run at most this many times in all (it is delivered again when its
# worker process dies), then given up (literasi.celery.BoundedDeliveryTask): an upload is marked
# failed with the reason.
CELERY_TASK_MAX_DELIVERIES = env_int("CELERY_TASK_MAX_DELIVERIES", 2)

# --- Logging -----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
