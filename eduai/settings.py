"""EduAI settings, read from environment variables (documented in the README)."""
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("EDUAI_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
MODELS_DIR = Path(os.environ.get("EDUAI_MODELS_DIR", DATA_DIR / "models")).resolve()
SHARED_DATASETS_DIR = Path(os.environ.get("EDUAI_SHARED_DATASETS", BASE_DIR.parent / "shared" / "datasets"))


def _secret_key() -> str:
    if os.environ.get("EDUAI_SECRET_KEY"):
        return os.environ["EDUAI_SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_flag("EDUAI_DEBUG")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"] + [
    host for host in os.environ.get("EDUAI_ALLOWED_HOSTS", "").split(",") if host
]

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
    "eduai",
    "ml_models",
    "classifier",
    "labeling",
    "lessons",
    "inside",
    "training",
    "edge",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "eduai.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "eduai.middleware.ErrorMiddleware",
]

ROOT_URLCONF = "eduai.urls"
WSGI_APPLICATION = "eduai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "eduai.context_processors.current_class",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # like SQLite's timeout below: a lock still held after 20 s gives a 503, not a request waiting forever
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c lock_timeout=20000"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
            # IMMEDIATE: a transaction takes the write lock when it starts, so two that read then
            # write wait for each other instead of failing with "database is locked"
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # tests use a file too: an in-memory database fails concurrent access instead of waiting
            "TEST": {"NAME": DATA_DIR / "test-db.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "classifier:analyze"
LOGOUT_REDIRECT_URL = "classifier:analyze"

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("EDUAI_MEDIA_DIR", DATA_DIR / "media")).resolve()
MEDIA_URL = "/media/"  # media is served by permission-checked views, never as public files
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True  # serve from the source folders too, so a missing collectstatic is not fatal

# Uploads: the API rejects larger files with 413; Django itself accepts a little more so the
# check happens in our code, in the user's language, with a JSON error.
EDUAI_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
EDUAI_MAX_IMAGE_PIXELS = 50_000_000
EDUAI_MAX_ZIP_BYTES = 200 * 1024 * 1024  # a .zip of photos, and the most its contents may add up to
EDUAI_MAX_ZIP_FILES = 2000

# Serving: the ONNX Runtime sessions of this many recently used model versions stay loaded per process.
EDUAI_MODEL_CACHE_SIZE = int(os.environ.get("EDUAI_MODEL_CACHE_SIZE", "4"))
# Jobs: a worker beats every EDUAI_JOB_HEARTBEAT_SECONDS; a running job silent for EDUAI_JOB_STALE_SECONDS
# has lost its worker and is failed (so within about a minute, well under two).
EDUAI_JOB_HEARTBEAT_SECONDS = float(os.environ.get("EDUAI_JOB_HEARTBEAT_SECONDS", "10"))
EDUAI_JOB_STALE_SECONDS = float(os.environ.get("EDUAI_JOB_STALE_SECONDS", "60"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Any request, refused from its Content-Length before the body is read: one .zip at its limit (the
# gallery sends a file that big on its own) plus the multipart form around it.
EDUAI_MAX_REQUEST_BYTES = EDUAI_MAX_ZIP_BYTES + 1024 * 1024
CSRF_FAILURE_VIEW = "eduai.error_views.csrf_failure"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "eduai.errors.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": [  # DRF's defaults, with a JSON parser that refuses too deep nesting
        "eduai.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "EduAI API",
    "DESCRIPTION": "Analyze photos (cat, dog or unusual), with tags, an unusual score and a heatmap; "
                   "label them as a class (queue, agreement, export); train and serve models.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {  # one name per choice set, shared by every field that uses it
        "LabelValueEnum": "labeling.models.Value",
        "LabelStrategyEnum": "labeling.models.Strategy",
        "QueueStrategyEnum": "labeling.serializers.QUEUE_CHOICES",
        "MembershipRoleEnum": "eduai.models.Membership.Role",  # a role in a class; /me/ also has "admin"
    },
}

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport (no server needed).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    BROKER_DIR = DATA_DIR / "broker"
    for sub in ("queue", "processed", "results", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),  # default is ./control, inside the checkout
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = "file://" + str(BROKER_DIR / "results")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
