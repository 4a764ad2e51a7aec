"""Settings for the Yuncheng specialty-town portal.

One module, configured by environment variables. With nothing set it runs in
development mode (SQLite file, Celery tasks in-process). With ``DEBUG=0`` it is
production mode and refuses to start without ``SECRET_KEY``, ``DATABASE_URL``,
``ALLOWED_HOSTS`` and a broker URL.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


# Development mode needs nothing set; the image sets DEBUG=0 (Dockerfile), so a container is in production mode
# unless it is told otherwise.
DEBUG = env_bool("DEBUG", True)
PRODUCTION = not DEBUG
# Public (it is in the repository): development and tests only; production mode refuses it.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production-0123456789"

if PRODUCTION:
    missing = [name for name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS") if not os.environ.get(name)]
    if not (os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")):
        missing.append("CELERY_BROKER_URL or REDIS_URL")
    if missing:
        raise ImproperlyConfigured("Production mode (DEBUG=0) needs these environment variables: " + ", ".join(missing))
    if os.environ["SECRET_KEY"].startswith("django-insecure"):
        raise ImproperlyConfigured(
            "Production mode (DEBUG=0) refuses this SECRET_KEY: it is the public development key (or another "
            "'django-insecure' key). Generate one: python3 -c \"import secrets; print(secrets.token_urlsafe(50))\""
        )

SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "core",
    "towns",
    "certification",
    "tasks_registry",
    "evaluation",
    "targets",
    "chains",
    "funds",
    "portal",
]

MIDDLEWARE = [
    # First: a body larger than any upload is refused (413) before anything reads it.
    "yuncheng_towns.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yuncheng_towns.middleware.NoStoreForAuthenticatedMiddleware",
    "yuncheng_towns.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.ApiAccountPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yuncheng_towns.urls"
WSGI_APPLICATION = "yuncheng_towns.wsgi.application"
ASGI_APPLICATION = "yuncheng_towns.asgi.application"

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
                "portal.context_processors.role",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so that a Celery worker process in the tests can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(tempfile.gettempdir(), f"yuncheng-test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed logins for one account from one client address lock that pair for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "yuncheng_towns.login_protection.lockout_response"  # registration/locked.html, time left
AXES_RESET_ON_SUCCESS = True
# Reverse proxies in front of gunicorn, each appending to X-Forwarded-For: the client's address is the N-th entry
# from the right (0 = no proxy, use REMOTE_ADDR). Exactly the number deployed: one more trusts a spoofed entry.
# (Formerly AXES_PROXY_COUNT, which had no effect: axes read it only through django-ipware, not installed.)
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1" if PRODUCTION else "0"))
AXES_CLIENT_IP_CALLABLE = "yuncheng_towns.login_protection.client_ip"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # the pages read the token from the form, never from the cookie

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# Chinese statistics group digits by thousands (12,345.60); Django's zh_Hans defaults differ by filter.
FORMAT_MODULE_PATH = ["yuncheng_towns.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Development and tests serve static/ straight from the source tree; production from STATIC_ROOT.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
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

# API tokens expire this many days after they are issued.
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "365"))

# The cache holds API throttling counters: Redis where there is one, so all processes share them.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Spreadsheet import limits -------------------------------------------------
# Upload size, and the total uncompressed size an .xlsx may unpack to (zip bombs).
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("IMPORT_MAX_UNPACKED_BYTES", str(400 * 1024 * 1024)))
# An import runs inside the request: about 1.6 ms of CPU per row (bench/spreadsheets.py), so 20,000 rows stay well
# inside gunicorn's 120 s timeout; a larger file is refused at once with "split it" rather than timing out.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "20000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- REST API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["towns.api.permissions.HasPortalRole"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Every caller has a budget (429 beyond it): each token, each user logged in by session, each anonymous client
    # address (behind TRUSTED_PROXY_COUNT proxies). Generous: a person at a browser never meets them.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.TokenRateThrottle",
        "core.api.throttling.SessionRateThrottle",
        "core.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("API_TOKEN_RATE", "600/minute"),
        "session": os.environ.get("API_SESSION_RATE", "600/minute"),
        "anonymous": os.environ.get("API_ANONYMOUS_RATE", "300/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",  # documents the error responses
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "运城市专业镇服务平台 API",
    "DESCRIPTION": (
        "专业镇、企业、认定等数据接口。令牌认证：请求头 `Authorization: Token 令牌值`（令牌由领导小组办公室签发）。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Celery ----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL
# Development default: no broker configured -> run tasks in-process (logged at startup).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    CELERY_BROKER_URL = "memory://localhost/"  # a hostname, or kombu warns "No hostname" on every eager run
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or (REDIS_URL or None)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A page that enqueues a job waits at most ~2 s for an unreachable broker before telling the user.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
# The schedule lives in the database (django-celery-beat), where the office sees and edits it; the
# entries are created by a data migration (certification 0004) and beat reads them from there.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Email (notifications) ---------------------------------------------------------
EMAIL_NOTIFICATIONS = env_bool("EMAIL_NOTIFICATIONS", bool(os.environ.get("EMAIL_HOST")))
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zyz-portal@yuncheng.gov.cn")
PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000")

# --- Task board ------------------------------------------------------------------------
# A measure counts as behind when its progress trails the even timetable by more than this (percentage points).
TASK_PROGRESS_TOLERANCE = int(os.environ.get("TASK_PROGRESS_TOLERANCE", "10"))
# The daily reminder warns units this many days before a report falls due.
REMINDER_DAYS_AHEAD = int(os.environ.get("REMINDER_DAYS_AHEAD", "5"))
# Re-examination (复核): the daily job opens one this many days before a certificate's validity ends.
REEXAMINATION_DAYS_BEFORE = int(os.environ.get("REEXAMINATION_DAYS_BEFORE", "90"))
# Towns per evaluation task: each reads its towns' inputs in a fixed number of queries; 100 keeps a task under a
# second and a redelivery cheap (bench/README.md).
EVALUATION_TOWNS_PER_TASK = int(os.environ.get("EVALUATION_TOWNS_PER_TASK", "100"))
# Tasks per database connection in a Celery worker (yuncheng_towns/celery.py says why).
CELERY_DB_REUSE_MAX = int(os.environ.get("CELERY_DB_REUSE_MAX", "1000"))

# --- Certification attachments ------------------------------------------------------
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
# Any request body: the largest legitimate upload (an import or an attachment) plus 1 MiB for the form's other fields
# and the multipart framing. Larger bodies get 413 before they are read (yuncheng_towns.middleware); the reverse
# proxy's client_max_body_size must match (README, Security).
MAX_REQUEST_BODY_BYTES = int(
    os.environ.get("MAX_REQUEST_BODY_BYTES", str(max(IMPORT_MAX_UPLOAD_BYTES, ATTACHMENT_MAX_BYTES) + 2**20))
)

# --- Content Security Policy: no inline script or style, nothing from another origin ------------
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],  # Django's admin uses inline styles; it is for system administrators
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Security (production mode) ------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Health probes come over plain HTTP from inside the deployment network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # A refused request (403, 400) is one line, without the traceback Django attaches to it.
    "filters": {"client_errors_on_one_line": {"()": "yuncheng_towns.logfilters.ClientErrorsOnOneLine"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["client_errors_on_one_line"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
