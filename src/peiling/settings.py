"""Django settings, read from the environment — the one module that reads it.

| variable | default | meaning |
|---|---|---|
| DATABASE_URL | sqlite:///<var>/peiling.sqlite3 | database (PostgreSQL in production) |
| DATABASE_PREPARED_STATEMENTS | on | PostgreSQL binds parameters on the server and prepares |
|  |  | repeated statements once per connection (psycopg); off behind a pooler that cannot keep |
|  |  | them (PgBouncer < 1.21, transaction mode) |
| SECRET_KEY | generated into <var>/secret_key on first run | keep it secret; set it in production |
|  |  | (personal and unsubscribe links are signed with it) |
| DEBUG | off | never on in production |
| ALLOWED_HOSTS | localhost,127.0.0.1,[::1] | comma-separated host names |
| PEILING_SECURE | on | HTTPS-only cookies, HSTS, SSL redirect; off only for local HTTP |
| PEILING_PROXY_COUNT | 0 | reverse proxies in front of peiling (log-in throttling per client) |
| PEILING_VAR_DIR | <checkout>/var | files peiling writes: SQLite database, secret key, static |
|  |  | files; an installed package uses <python prefix>/var/peiling |
| PEILING_BASE_URL | http://127.0.0.1:8000 | the address respondents and researchers use |
| PEILING_NODE_MODULES | <project>/node_modules | npm packages: NL Design System CSS |
| EMAIL_HOST, EMAIL_PORT | localhost, 25 | outgoing mail server |
| EMAIL_HOST_USER, EMAIL_HOST_PASSWORD | empty | mail server login |
| EMAIL_USE_TLS, EMAIL_USE_SSL | off | encryption to the mail server |
| DEFAULT_FROM_EMAIL | peiling@localhost | sender of e-mail |
| PEILING_SMTP_CONNECTIONS | 3 | connections one worker sends invitations over at once (1 for |
|  |  | a mail server that takes one connection per client at a time) |
| PEILING_TASKS | database | background work: `database` (worker: `peiling manage worker`), |
|  |  | `rq` (Redis, several hosts: `peiling manage rqworker --worker-class |
|  |  | peiling.jobs.rq.Worker --job-class django_tasks_rq.Job default`) or |
|  |  | `immediate` (in the request; demo only) |
| PEILING_REDIS_URL | empty | Redis for the task queue (`rq`) and the cache every app host shares |
|  |  | (log-in limits, the public site's pages), e.g. redis://10.0.0.5:6379/0 |
| PEILING_RETENTION_DAYS | 365 | days after unsubscribe or bounce until a member is erased |
| PEILING_SIGNUP_PER_ADDRESS | 3 | sign-ups (and log-in links) per e-mail address per hour |
| PEILING_SIGNUP_PER_NETWORK | 200 | the same per network (IPv4 /24, IPv6 /48): an office or |
|  |  | a ministry signs up from behind one address |
| PEILING_SIGNUP_ANSWER_MS | 100 | a sign-up or log-in request is answered no sooner than this, |
|  |  | so a member's address and a new one take the same time |
| PEILING_TASK_TIMEOUT | 600 | seconds a task may run before its worker counts as dead |
| PEILING_SESSION_HOURS | 8 | hours a researcher stays logged in |
| PEILING_MFA_REQUIRED_FOR_BEHEERDER | on | a beheerder sets up two-factor log-in first |
| PEILING_OIDC_SERVER_URL | empty | OpenID Connect issuer for single sign-on (off when empty) |
| PEILING_OIDC_CLIENT_ID, PEILING_OIDC_CLIENT_SECRET | empty | the client registered there |
| PEILING_OIDC_ID, PEILING_OIDC_NAME | sso, single sign-on | its id in URLs, its name on the page |
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

PACKAGE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def _secret_key(var_dir: Path) -> str:
    """Return SECRET_KEY from the environment, else from <var>/secret_key (made once, 0600)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _default_var_dir() -> Path:
    """Return where peiling keeps its files when PEILING_VAR_DIR is not set: ``var/`` in the
    project's checkout, else ``var/peiling`` under the Python environment (an installed
    package). Never the working directory: a server started elsewhere would make a new
    secret key, and every link already mailed would stop working."""
    checkout = PACKAGE_DIR.parents[1]
    if (checkout / "pyproject.toml").is_file():
        return checkout / "var"
    return Path(sys.prefix) / "var" / "peiling"


VAR_DIR = Path(os.environ.get("PEILING_VAR_DIR") or _default_var_dir()).resolve()
#: A ``var/`` with a secret key in the working directory that peiling no longer uses: before
#: 2026-12 the default was ``./var``. System check peiling.W003 names it.
PEILING_FORMER_VAR_DIR = (
    None if os.environ.get("PEILING_VAR_DIR") or Path("var").resolve() == VAR_DIR
    or not (Path("var") / "secret_key").is_file() else Path("var").resolve())
#: Whether SECRET_KEY came from the environment (a deploy check warns when it did not).
SECRET_KEY_FROM_ENVIRONMENT = bool(os.environ.get("SECRET_KEY"))
SECRET_KEY = _secret_key(VAR_DIR)
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
PEILING_BASE_URL = os.environ.get("PEILING_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'peiling.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,  # a connection dropped while idle is not reused
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif _env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # Parameters bound on the server, so that psycopg prepares a statement once it has run
    # it ``prepare_threshold`` times on a connection: PostgreSQL then plans the respondent
    # pages' statements once per connection instead of on every request.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "peiling.questionnaires",
    "peiling.fieldwork",
    "peiling.reports",
    "peiling.panel",
    "peiling.web",
    "peiling.accounts",
    "peiling.jobs",
    "peiling.openanswers",
    "peiling.publications",
    "django_tasks",
    "django_tasks_db",
    "django_htmx",
    "ninja",  # the data API; listed so that its docs page's scripts come from our own files
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "axes",
]
MIDDLEWARE = [
    "peiling.web.middleware.HealthCheck",  # first: no host check or HTTPS redirect for it
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "peiling.web.middleware.HeadWithoutBody",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "axes.middleware.AxesMiddleware",
    "peiling.web.middleware.DatabaseOutage",
]
ROOT_URLCONF = "peiling.urls"
WSGI_APPLICATION = "peiling.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "peiling.web.context.researcher",
            ],
        },
    },
]
# Argon2 first (argon2-cffi): new and changed passwords are stored with it; older hashes still
# verify and are upgraded at the next log-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Log-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords from one address,
# that address may not log in for AXES_COOLOFF_TIME; every failure is logged and stored
# (admin: Axes). A user at another address is not locked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = dt.timedelta(minutes=5)
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
#: Reverse proxies in front of the app servers: the client's address is then the one the
#: outermost proxy added to X-Forwarded-For (peiling.accounts.network).
PEILING_PROXY_COUNT = int(os.environ.get("PEILING_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "peiling.accounts.network.client_ip"
AXES_USERNAME_CALLABLE = "peiling.accounts.network.attempted_username"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# Researcher accounts (django-allauth): log-in by e-mail address and password, reset by
# e-mail, TOTP two-factor authentication (required for a beheerder, offered to everyone).
# Nobody signs up: a beheerder adds the users of an organisation (peiling.accounts.adapters).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "peiling.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "peiling.accounts.adapters.SocialAccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[peiling] "
# A reset for an unknown address sends nothing (the page answers alike, revealing nothing):
# there is no sign-up to invite anyone to, and peiling mails no address on a stranger's word.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
# allauth's own limits stack on django-axes, per address only: a limit per account would let
# anyone who knows a researcher's e-mail address lock that researcher out from everywhere.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "peiling"
PEILING_MFA_REQUIRED_FOR_BEHEERDER = _env_bool("PEILING_MFA_REQUIRED_FOR_BEHEERDER", True)
# A researcher session ends after a working day, and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("PEILING_SESSION_HOURS", "8")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Single sign-on through OpenID Connect, for organisations that have it: set the three
# variables; the log-in page then offers "Inloggen met <name>". Only users a beheerder added
# (matched by verified e-mail address) get in.
SOCIALACCOUNT_PROVIDERS: dict = {}
if os.environ.get("PEILING_OIDC_SERVER_URL"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [{
            "provider_id": os.environ.get("PEILING_OIDC_ID", "sso"),
            "name": os.environ.get("PEILING_OIDC_NAME", "single sign-on"),
            "client_id": os.environ.get("PEILING_OIDC_CLIENT_ID", ""),
            "secret": os.environ.get("PEILING_OIDC_CLIENT_SECRET", ""),
            "settings": {"server_url": os.environ["PEILING_OIDC_SERVER_URL"]},
        }],
    }
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_ONLY = False

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS: list = [PACKAGE_DIR / "static"]
# NL Design System CSS comes from npm (package.json, `npm ci`); collectstatic copies it, no CDN.
PEILING_NODE_MODULES = Path(os.environ.get("PEILING_NODE_MODULES",
                                           PACKAGE_DIR.parents[1] / "node_modules")).resolve()
for _prefix, _package in (
    ("nl-design-system/utrecht", "@utrecht/component-library-css/dist"),
    ("nl-design-system/voorbeeld-design-tokens",
     "@nl-design-system-unstable/voorbeeld-design-tokens/dist"),
):
    if (PEILING_NODE_MODULES / _package).is_dir():
        STATICFILES_DIRS.append((_prefix, PEILING_NODE_MODULES / _package))
# "datasets": the answers of a fieldwork read into columns (reports.datasets), kept in files
# that the processes of one host share; the oldest go when there are more than MAX_ENTRIES.
PEILING_REDIS_URL = os.environ.get("PEILING_REDIS_URL", "").strip()
# The default cache holds what every process must agree on (log-in limits, the public site's
# page versions): one Redis for all hosts when there is one, else each process its own memory.
CACHES = {
    "default": ({"BACKEND": "django.core.cache.backends.redis.RedisCache",
                 "LOCATION": PEILING_REDIS_URL, "KEY_PREFIX": "peiling"}
                if PEILING_REDIS_URL else
                {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}),
    "datasets": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                 "LOCATION": str(VAR_DIR / "cache" / "datasets"), "TIMEOUT": 7 * 24 * 3600,
                 "OPTIONS": {"MAX_ENTRIES": 40}},
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "peiling@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work (panel e-mail, retention): django-tasks with its database backend; a worker
# (`peiling manage worker`) runs the queue. `immediate` runs tasks in the caller (demo).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "rq": "django_tasks_rq.RQBackend",
}
PEILING_TASKS = os.environ.get("PEILING_TASKS", "database").strip().lower()
# An unknown name keeps the database backend; system check peiling.E201 names the mistake
# (and peiling.E203 an `rq` queue without PEILING_REDIS_URL).
TASKS = {"default": {"BACKEND": _TASK_BACKENDS.get(PEILING_TASKS, _TASK_BACKENDS["database"])}}
if PEILING_TASKS == "rq":
    # django-tasks-rq keeps the queue in Redis; django-rq's workers run it, any number of them
    # on any host. A task runs at most PEILING_TASK_TIMEOUT seconds.
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS["default"]["QUEUES"] = ["default"]
    RQ_QUEUES = {"default": {"URL": PEILING_REDIS_URL or "redis://127.0.0.1:6379/0",
                             "DEFAULT_TIMEOUT": int(os.environ.get("PEILING_TASK_TIMEOUT",
                                                                   "600"))}}
PEILING_RETENTION_DAYS = int(os.environ.get("PEILING_RETENTION_DAYS", "365"))
PEILING_SIGNUP_PER_ADDRESS = int(os.environ.get("PEILING_SIGNUP_PER_ADDRESS", "3"))
PEILING_SIGNUP_PER_NETWORK = int(os.environ.get("PEILING_SIGNUP_PER_NETWORK", "200"))
PEILING_SIGNUP_ANSWER_MS = int(os.environ.get("PEILING_SIGNUP_ANSWER_MS", "100"))
PEILING_SMTP_CONNECTIONS = int(os.environ.get("PEILING_SMTP_CONNECTIONS", "3"))
#: Seconds a task may run before its worker counts as dead (peiling.jobs): the task is marked
#: failed, and sending e-mail resumes with what was never claimed.
PEILING_TASK_TIMEOUT = int(os.environ.get("PEILING_TASK_TIMEOUT", "600"))

# Security: safe by default; PEILING_SECURE=0 only for plain-HTTP local use (demo, tests).
SECURE = _env_bool("PEILING_SECURE", True)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31_536_000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "peiling.fieldwork.views.csrf_failure"
# Content-Security-Policy (django-csp) on every response: scripts, styles and everything
# else from this site only; no inline script or style (charts on pages are data: images).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
