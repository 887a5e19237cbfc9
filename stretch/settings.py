"""One settings module, configured by environment variables.

Every variable is optional; the defaults run the embedded SQLite database in `./data`.

STRETCH_DATA_DIR      folder for the SQLite database, the secret key file and collected static
DATABASE_URL          sqlite:///path/to/db.sqlite3 or postgres://user:pass@host:5432/name
STRETCH_SECRET_KEY    signing key; generated once into the data folder when unset
STRETCH_DEBUG         "1" for Django's debug pages (never in production)
STRETCH_ALLOWED_HOSTS comma-separated host names (default: 127.0.0.1,localhost)
STRETCH_TIME_ZONE     the company's time zone, used for "today" in pace math (default UTC)
REDIS_URL             redis://host:6379/0: cache and sessions shared by several servers
STRETCH_CACHE_PREFIX  the cache keys' prefix, to share one Redis between installations
(sign-in with OpenID Connect and the import limits are described where they are set, below)
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("STRETCH_DATA_DIR", Path.cwd() / "data")).resolve()


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if key := os.environ.get("STRETCH_SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = _env_flag("STRETCH_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("STRETCH_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "ninja",  # serves the API docs page from its own static files, not a CDN
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "stretch.org",
    "stretch.okrs",
    "stretch.social",
    "stretch.reviews",
    "stretch.webhooks",
    "stretch.cfr",
    "stretch.kpis",
    "stretch.transfer",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "stretch.middleware.ApiErrorsAsJsonMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stretch.middleware.FirstRunMiddleware",
    "stretch.middleware.LoginRequiredExceptApiMiddleware",
    "stretch.middleware.UserLanguageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Scripts and styles come from our own static files only: no inline script can run, so
# text a user typed can never become code (the API docs page complies too).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "stretch.urls"
WSGI_APPLICATION = "stretch.wsgi.application"

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
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'stretch.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError:
    raise ImproperlyConfigured(
        f"DATABASE_URL={DATABASE_URL!r} is not a database URL; use "
        "sqlite:///path/to/stretch.sqlite3 or postgres://user:password@host:5432/name"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the
    # start of a transaction so two writers queue instead of failing half-way.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A relative sqlite path in DATABASE_URL is read relative to the working directory.
    name = str(DATABASES["default"]["NAME"])
    if name != ":memory:":
        Path(name).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("STRETCH_TIME_ZONE", "UTC")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Content-hashed names, so browsers may cache them for ever; `stretch serve` collects them.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

NINJA_PAGINATION_MAX_LIMIT = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("STRETCH_LOG_LEVEL", "WARNING")},
}

# Background jobs (reminders, digests, emails) wait in the database until `stretch worker`
# runs them; `stretch remind` runs one pass of the rhythm by hand, for cron.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# How often the worker runs the rhythm (phases by date, reminders, digests), in seconds.
STRETCH_RHYTHM_INTERVAL = int(os.environ.get("STRETCH_RHYTHM_INTERVAL", "900"))

# Email: printed to the console unless an SMTP server is configured.
EMAIL_HOST = os.environ.get("STRETCH_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("STRETCH_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("STRETCH_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("STRETCH_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_flag("STRETCH_EMAIL_TLS", default=True)
DEFAULT_FROM_EMAIL = os.environ.get("STRETCH_EMAIL_FROM", "Stretch <stretch@localhost>")
# The address people reach Stretch at, for links in emails.
STRETCH_BASE_URL = os.environ.get("STRETCH_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Imports (org chart, OKRs): an uploaded file larger than this, or with more rows, is refused
# before it is parsed, so a spreadsheet "bomb" cannot exhaust the server.
STRETCH_IMPORT_MAX_BYTES = int(os.environ.get("STRETCH_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
STRETCH_IMPORT_MAX_ROWS = int(os.environ.get("STRETCH_IMPORT_MAX_ROWS", "20000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, STRETCH_IMPORT_MAX_BYTES + 1_048_576)

# Cache and sessions. Without REDIS_URL: a cache in each process's memory and sessions in the
# database (one box). With REDIS_URL (redis://[:password@]host:6379/0, rediss:// for TLS):
# one cache shared by every `stretch serve`, so a tree cached by one server is invalidated on
# all of them, and sessions read through it from the database ("cached_db": a Redis flush
# or restart signs nobody out).
# STRETCH_CACHE_PREFIX  the prefix of every cache key (default "stretch"), so two Stretch
#                       installations, or a test run, can share one Redis.
# Rate limits (issue 10) will count in this cache too; without Redis they count per process.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
STRETCH_CACHE_PREFIX = os.environ.get("STRETCH_CACHE_PREFIX", "").strip() or "stretch"


def _is_redis_url(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError when it is not a number)
    except ValueError:
        return False
    if parts.scheme == "unix":
        return bool(parts.path)
    database = parts.path.strip("/")
    return (
        parts.scheme in {"redis", "rediss"}
        and bool(parts.hostname)
        and (database == "" or database.isdigit())
    )


if REDIS_URL:
    if not _is_redis_url(REDIS_URL):
        raise ImproperlyConfigured(
            f"REDIS_URL={REDIS_URL!r} is not a Redis URL; use redis://127.0.0.1:6379/0 "
            "(redis://:password@host:6379/0, rediss:// for TLS)"
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": STRETCH_CACHE_PREFIX,
            "TIMEOUT": 600,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": STRETCH_CACHE_PREFIX,
            "TIMEOUT": 600,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Sign-in. Local passwords and, when configured, the company's OpenID Connect provider.
#
# STRETCH_OIDC_ISSUER         the provider's issuer URL, e.g. https://login.example.com/realms/acme
# STRETCH_OIDC_CLIENT_ID      Stretch's client at the provider (redirect URI: <base>/oidc/callback/)
# STRETCH_OIDC_CLIENT_SECRET  its secret. Sign-in with the provider is on when all three are set.
# STRETCH_OIDC_PROVIDER_NAME  the button's label: "Sign in with <name>" (default: the issuer's host)
# STRETCH_OIDC_SCOPES         scopes asked for (default "openid email profile")
# STRETCH_OIDC_TEAM_CLAIM     a claim naming the person's team (e.g. "department"): they join the
#                             existing team of that name; an unknown name adds no team
# STRETCH_OIDC_AUTHORIZATION_ENDPOINT, _TOKEN_ENDPOINT, _USERINFO_ENDPOINT, _JWKS_URI
#                             override what the discovery document says (rarely needed)
# STRETCH_PASSWORD_LOGIN      "false": only the provider signs people in; passwords are refused
#                             everywhere, Django admin's login too (needs the provider configured)
#
# The endpoints come from <issuer>/.well-known/openid-configuration, fetched at the first
# sign-in and cached (never here, so Stretch starts while the provider is down). ID tokens are
# RS256, checked against the provider's JWKS. stretch/org/oidc.py reads these at call time.
STRETCH_OIDC_ISSUER = os.environ.get("STRETCH_OIDC_ISSUER", "").strip().rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("STRETCH_OIDC_CLIENT_ID", "").strip()
OIDC_RP_CLIENT_SECRET = os.environ.get("STRETCH_OIDC_CLIENT_SECRET", "").strip()
STRETCH_OIDC_ENABLED = bool(STRETCH_OIDC_ISSUER and OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET)
STRETCH_OIDC_PROVIDER_NAME = os.environ.get("STRETCH_OIDC_PROVIDER_NAME", "").strip()
OIDC_RP_SCOPES = os.environ.get("STRETCH_OIDC_SCOPES", "").strip() or "openid email profile"
STRETCH_OIDC_TEAM_CLAIM = os.environ.get("STRETCH_OIDC_TEAM_CLAIM", "").strip()
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("STRETCH_OIDC_AUTHORIZATION_ENDPOINT") or None
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("STRETCH_OIDC_TOKEN_ENDPOINT") or None
OIDC_OP_USER_ENDPOINT = os.environ.get("STRETCH_OIDC_USERINFO_ENDPOINT") or None
OIDC_OP_JWKS_ENDPOINT = os.environ.get("STRETCH_OIDC_JWKS_URI") or None
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
OIDC_CREATE_USER = True
OIDC_AUTHENTICATE_CLASS = "stretch.org.oidc.AuthenticationRequestView"
OIDC_CALLBACK_CLASS = "stretch.org.oidc.CallbackView"
STRETCH_PASSWORD_LOGIN = os.environ.get("STRETCH_PASSWORD_LOGIN", "").strip().lower() not in {
    "0",
    "false",
    "no",
    "off",
}
if not STRETCH_PASSWORD_LOGIN and not STRETCH_OIDC_ENABLED:
    raise ImproperlyConfigured(
        "STRETCH_PASSWORD_LOGIN=false leaves no way to sign in: also set STRETCH_OIDC_ISSUER, "
        "STRETCH_OIDC_CLIENT_ID and STRETCH_OIDC_CLIENT_SECRET"
    )
AUTHENTICATION_BACKENDS = [
    *(["stretch.org.oidc.OIDCBackend"] if STRETCH_OIDC_ENABLED else []),
    *(["django.contrib.auth.backends.ModelBackend"] if STRETCH_PASSWORD_LOGIN else []),
]
