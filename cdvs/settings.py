"""Settings driven by the environment.

CDVS_ENV=production switches on everything `manage.py check --deploy` expects;
DATABASE_URL selects the database (SQLite under var/ by default).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from cdvs.core.observability import init_sentry, logging_config
from cdvs.core.storage import default_storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CDVS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

ENV = os.environ.get("CDVS_ENV", "development")
PRODUCTION = ENV == "production"
TESTING = ENV == "test"
DEBUG = os.environ.get("CDVS_DEBUG", "0" if PRODUCTION or TESTING else "1") == "1"


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY doit être défini en production.")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "cdvs.core",
    "cdvs.accounts",
    "cdvs.territories",
    "cdvs.directory",
    "cdvs.contract",
    "cdvs.meetings",
    "cdvs.library",
    "cdvs.calls",
    "cdvs.actions",
    "cdvs.evaluation",
    "cdvs.participation",
    "cdvs.search",
    "cdvs.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # inactivity limit, two-factor step (accounts/middleware.py)
    "cdvs.accounts.middleware.SessionGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # French typography of every page (narrow no-break space before « : ; ? ! »)
    "cdvs.core.middleware.FrenchPunctuation",
]

ROOT_URLCONF = "cdvs.urls"
WSGI_APPLICATION = "cdvs.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cdvs" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cdvs.core.context_processors.navigation",
            ],
            "string_if_invalid": "",
            # the French text filters (|date_fr, |hour, |plural, |euros…) in every template
            "builtins": ["cdvs.core.templatetags.cdvs_text"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cdvs.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "cdvs.accounts.proconnect.ProConnectBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "14"))

# Login rate limiting: 5 failures per (email, IP) lock the pair for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("CDVS_LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "cdvs.accounts.lockout.username_for_axes"
# Number of reverse proxies in front of the app (0: REMOTE_ADDR is the client's address)
CDVS_TRUSTED_PROXIES = int(os.environ.get("CDVS_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "cdvs.accounts.lockout.client_ip_for_axes"
# Cap per client address, whatever the accounts tried (failures within AXES_COOLOFF_TIME)
CDVS_LOGIN_FAILURES_PER_IP = int(os.environ.get("CDVS_LOGIN_FAILURES_PER_IP", "30"))
# Emails asked by anyone (password reset, « mes données »): per address and per client
# address, within an hour
CDVS_EMAILS_PER_ADDRESS = int(os.environ.get("CDVS_EMAILS_PER_ADDRESS", "3"))
CDVS_EMAILS_PER_IP = int(os.environ.get("CDVS_EMAILS_PER_IP", "10"))
# Login (README « Connexion »). ProConnect (OpenID Connect), offered when a client id is
# set; PROCONNECT_URL gives the provider's endpoints (…/authorize, /token, /userinfo,
# /jwks), each of which may be set on its own.
_PROCONNECT_URL = os.environ.get("PROCONNECT_URL", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("PROCONNECT_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("PROCONNECT_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("PROCONNECT_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("PROCONNECT_SCOPES", "openid email given_name usual_name")


def _proconnect_endpoint(name: str, path: str) -> str:
    default = f"{_PROCONNECT_URL}/{path}" if _PROCONNECT_URL else ""
    return os.environ.get(f"PROCONNECT_{name}_ENDPOINT", default)


OIDC_OP_AUTHORIZATION_ENDPOINT = _proconnect_endpoint("AUTHORIZATION", "authorize")
OIDC_OP_TOKEN_ENDPOINT = _proconnect_endpoint("TOKEN", "token")
OIDC_OP_USER_ENDPOINT = _proconnect_endpoint("USERINFO", "userinfo")
OIDC_OP_JWKS_ENDPOINT = _proconnect_endpoint("JWKS", "jwks")
# the end of the ProConnect session at logout (accounts.proconnect.LogoutView): the ID
# token is kept in the session for its id_token_hint
OIDC_OP_LOGOUT_ENDPOINT = _proconnect_endpoint("LOGOUT", "session/end")
OIDC_STORE_ID_TOKEN = True
PROCONNECT_ISSUER = os.environ.get("PROCONNECT_ISSUER", _PROCONNECT_URL)
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:proconnect_callback"
OIDC_CREATE_USER = False
OIDC_TIMEOUT = float(os.environ.get("PROCONNECT_TIMEOUT", "10"))
LOGIN_REDIRECT_URL_FAILURE = "accounts:login"
# login links by e-mail: minutes a link stays valid (it serves once)
CDVS_MAGIC_LINK_MINUTES = int(os.environ.get("CDVS_MAGIC_LINK_MINUTES", "15"))
# two-factor authentication (coordinators, administrators): name shown in the app
OTP_TOTP_ISSUER = os.environ.get("CDVS_OTP_ISSUER", "Contrat de ville")
# sessions: longest life (hours) and inactivity limit (minutes, 0: none)
SESSION_COOKIE_AGE = int(os.environ.get("CDVS_SESSION_HOURS", "12")) * 3600
CDVS_SESSION_IDLE_MINUTES = int(os.environ.get("CDVS_SESSION_IDLE_MINUTES", "120"))
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "cdvs" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# documents: largest accepted file (bytes); files are never served from MEDIA_URL
LIBRARY_MAX_UPLOAD_SIZE = int(os.environ.get("CDVS_LIBRARY_MAX_UPLOAD_SIZE", 25 * 1024 * 1024))
# actualités of partners read by the coordination before publication (communes may
# choose otherwise, see library.NewsModeration)
CDVS_NEWS_MODERATION = os.environ.get("CDVS_NEWS_MODERATION", "0") == "1"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cdvs <ne-pas-repondre@localhost>")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

TILE_URL = os.environ.get("CDVS_TILE_URL", "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
TILE_HOSTS = os.environ.get("CDVS_TILE_HOSTS", "https://*.tile.openstreetmap.org").split()

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *TILE_HOSTS],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}


# Where `make run` looks for the official ANCT QPV perimeter file.
QPV_PERIMETER_FILE = VAR_DIR / "QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson"
QPV_PERIMETER_URL = os.environ.get("CDVS_QPV_URL", "")

if TESTING:

    class _InvalidTemplateVariable(str):
        """Makes an unknown template variable fail the test that renders it."""

        def __mod__(self, other):
            raise NameError(f"Variable de gabarit inconnue : {other!r}")

    TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = _InvalidTemplateVariable("%s")
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Geocoding: Base Adresse Nationale. The service moves to the Géoplateforme
# (CDVS_BAN_URL=https://data.geopf.fr/geocodage/ answers the same requests).
BAN_BASE_URL = os.environ.get("CDVS_BAN_URL", "https://api-adresse.data.gouv.fr/")
BAN_TIMEOUT = float(os.environ.get("CDVS_BAN_TIMEOUT", "10"))
BAN_RETRIES = int(os.environ.get("CDVS_BAN_RETRIES", "3"))
# below this score a geocoded address is flagged « à vérifier » for a human
BAN_MIN_SCORE = float(os.environ.get("CDVS_BAN_MIN_SCORE", "0.6"))

# Operations (README « Exploitation »): request ids and JSON logs, Sentry, database
# reconnection, shared cache and sessions, file storage, health page.
MIDDLEWARE.insert(0, "cdvs.core.observability.RequestIdMiddleware")
LOGGING = logging_config(
    json=os.environ.get("CDVS_LOG_FORMAT", "json" if PRODUCTION else "text") == "json",
    level=os.environ.get("LOG_LEVEL", "WARNING"),
)
SENTRY_ENABLED = init_sentry(
    os.environ.get("SENTRY_DSN", ""),
    environment=os.environ.get("SENTRY_ENVIRONMENT", ENV),
    release=os.environ.get("SENTRY_RELEASE", ""),
    traces=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
)
# a connection lost (database restarted) is replaced at the next request, no restart
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if os.environ.get("REDIS_URL"):
    # sessions read from the shared cache, kept in the database (logout everywhere)
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
STORAGES["default"] = default_storage(os.environ)
# the probe of a load balancer may come in plain HTTP, without a redirect
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
# a background process silent for longer than this (seconds) makes /sante/ answer 503
CDVS_HEALTH_MAX_SILENCE = int(os.environ.get("CDVS_HEALTH_MAX_SILENCE", "300"))
# a task left running by a worker silent for this long (run_worker beats every 30 s), or
# started this long ago by a worker without beat, is put back in the queue (seconds)
CDVS_WORKER_LOST_AFTER = int(os.environ.get("CDVS_WORKER_LOST_AFTER", "120"))
CDVS_TASK_LOST_AFTER = int(os.environ.get("CDVS_TASK_LOST_AFTER", "3600"))
# finished task results are deleted after this many days (failed ones after the second
# delay, for the admins to read them); tasks waiting or running are never deleted
CDVS_TASK_RESULT_DAYS = int(os.environ.get("CDVS_TASK_RESULT_DAYS", "14"))
CDVS_FAILED_TASK_RESULT_DAYS = int(os.environ.get("CDVS_FAILED_TASK_RESULT_DAYS", "30"))
# RGPD: accounts unused for this many days are anonymised, after a warning sent
# CDVS_INACTIVE_WARNING_DAYS days before
CDVS_INACTIVE_ACCOUNT_DAYS = int(os.environ.get("CDVS_INACTIVE_ACCOUNT_DAYS", "730"))
CDVS_INACTIVE_WARNING_DAYS = int(os.environ.get("CDVS_INACTIVE_WARNING_DAYS", "30"))
