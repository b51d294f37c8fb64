"""PTS settings: one module, read from the environment.

Defaults give a local single-office install on SQLite. Production sets PTS_ENV=production,
PTS_SECRET_KEY, PTS_ALLOWED_HOSTS and DATABASE_URL (PostgreSQL).
"""

from __future__ import annotations

import os
import secrets
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from pts.core import money


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PTS_DATA_DIR", BASE_DIR / "var"))
PRODUCTION = os.environ.get("PTS_ENV", "development") == "production"
DEBUG = env_bool("PTS_DEBUG") and not PRODUCTION


def _secret_key() -> str:
    key = os.environ.get("PTS_SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("PTS_SECRET_KEY must be set when PTS_ENV=production")
    # Development: a random key kept beside the local database, never in the repository.
    path = DATA_DIR / "secret-key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("PTS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("PTS_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "pts.web",
    "pts.organisations",
    "pts.audit",
    "pts.budget",
    "pts.schemes",
    "pts.reporting",
    "pts.scoring",
    "pts.procurement",
    "pts.imports",
    "pts.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "pts.web.middleware.ThaiFirstMiddleware",  # Thai unless the language switch says otherwise
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pts.urls"
WSGI_APPLICATION = "pts.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pts.web.context_processors.navigation",
            ],
            "builtins": ["pts.ui.templatetags.pts"],
        },
    }
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("PTS_SQLITE_PATH", str(DATA_DIR / "pts.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organisations.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Brute-force throttling: lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("PTS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PTS_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env_int("PTS_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("PTS_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("PTS_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LANGUAGE_CODE = "th"
LANGUAGES = [("th", "ไทย"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "pts" / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("PTS_MEDIA_ROOT", DATA_DIR / "media"))

# Uploads are bounded: evidence files and imports have their own caps below this.
PTS_EVIDENCE_MAX_BYTES = env_int("PTS_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024)
PTS_IMPORT_MAX_BYTES = env_int("PTS_IMPORT_MAX_BYTES", 200 * 1024 * 1024)  # an uploaded import file
PTS_IMPORT_MAX_ROWS = env_int("PTS_IMPORT_MAX_ROWS", 1_200_000)  # data rows of one import file
PTS_IMPORT_ERROR_KEEP = env_int("PTS_IMPORT_ERROR_KEEP", 10_000)  # errors stored per import (all counted)
PTS_IMPORT_PREVIEW_HOURS = env_int("PTS_IMPORT_PREVIEW_HOURS", 24)  # an unconfirmed preview expires
PTS_IMPORT_STALE_SECONDS = env_int("PTS_IMPORT_STALE_SECONDS", 120)  # a job silent this long is taken over
PTS_IMPORT_BACKGROUND = env_bool("PTS_IMPORT_BACKGROUND", True)  # web imports run as background jobs
# Reconciliation lists a difference between a report and the imports only above this many baht.
PTS_RECON_TOLERANCE_BAHT = os.environ.get("PTS_RECON_TOLERANCE_BAHT", "1.00").strip() or "1.00"
# Days an officer has to correct a returned report when the coordinator gives no date (at least the period's deadline).
PTS_CORRECTION_DAYS = env_int("PTS_CORRECTION_DAYS", 5)

# "Today" for pages and deadlines (pts.core.clock): an ISO date, empty = the real date. The demo runs
# with the day its data stops (`make run` sets it); a production system always uses the real date.
PTS_TODAY = os.environ.get("PTS_TODAY", "").strip()
if PTS_TODAY and PRODUCTION:
    raise ImproperlyConfigured("PTS_TODAY must not be set when PTS_ENV=production: the real date is used")
try:
    date.fromisoformat(PTS_TODAY or "2000-01-01")
except ValueError:
    raise ImproperlyConfigured(f"PTS_TODAY={PTS_TODAY!r} is not an ISO date (YYYY-MM-DD, Christian era)") from None

PTS_RULESET_MAX_BYTES = env_int("PTS_RULESET_MAX_BYTES", 256 * 1024)  # an imported rule-set TOML file
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The largest amount (whole baht) any form, import, command or action accepts, either sign. Default
# and most: 40,000,000,000 baht, so that a total of 2,000,000 amounts (a million imported lines and
# 10,000 units x 100 movements) stays below 2**63 satang (see pts.core.money.AMOUNT_LIMIT_SATANG).
# pts.core.money reads the same variable (`pts score` runs without Django); a bad value stops here.
try:
    PTS_MAX_AMOUNT_BAHT = money.max_amount_satang() // money.SATANG_PER_BAHT
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from exc
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PTS_LOG_LEVEL", "WARNING")},
}
