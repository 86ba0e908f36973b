"""Revenue Desk settings: one file, every knob an environment variable with a safe dev default.

Development (the default): DEBUG on, SQLite in ./var/, Celery on a brokerless filesystem
transport so `make run` needs no server.

Production is what you get with:
    DEBUG=false SECRET_KEY=<50+ random chars> ALLOWED_HOSTS=crm.example.com
    DATABASE_URL=postgres://user:pass@host/db REDIS_URL=redis://host:6379/0
With DEBUG off, HTTPS-only cookies, HSTS and the SSL redirect switch on
(SECURE_SSL_REDIRECT=false when a proxy terminates TLS and you trust it to redirect).
Behind a proxy, TRUSTED_PROXIES names it, so X-Forwarded-For is believed only from there.

`make run` self-hosts with DEBUG off on one machine: SECRET_KEY_FILE keeps a key generated
once in the var directory, and PLAIN_HTTP=true serves http://127.0.0.1 without the
HTTPS-only parts. `make dev` is the DEBUG-on development server.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("REVENUE_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# --- Core ---------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET = "django-insecure-dev-only-revenue-desk-not-for-production"  # noqa: S105


def _secret_key_from(path: Path) -> str:
    """The key kept in `path`, generated there (readable by its owner only) on first start."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and env.str("SECRET_KEY_FILE", default=""):
    SECRET_KEY = _secret_key_from(Path(env.str("SECRET_KEY_FILE")))
if not SECRET_KEY and DEBUG:
    SECRET_KEY = _DEV_SECRET
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Reps' ICS busy feeds on loopback or private addresses are refused (the worker must not be a
# way into the internal network) unless this is on, e.g. for a calendar server on the LAN.
BUSY_FEED_ALLOW_PRIVATE = env.bool("BUSY_FEED_ALLOW_PRIVATE", default=False)
# Proxies (addresses or CIDRs) whose X-Forwarded-For is believed; nobody else's is.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    "apps.users.admin_config.RevenueAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "apps.core",
    "apps.users",
    "apps.accounts",
    "apps.campaigns",
    "apps.scoring",
    "apps.routing",
    "apps.meetings",
    "apps.plays",
    "apps.leads",
    "apps.feedback",
    "apps.opportunities",
    "apps.service",
    "apps.goals",
    "apps.notifications",
    "apps.intake",
    "apps.imports",
    # Workspaces: screens that compose the apps above (they own no records)
    "apps.sales",
    "apps.marketing",
    "apps.abm",
    # Tooling: management commands nothing imports
    "apps.demo",
    "apps.bench",
]

MIDDLEWARE = [
    "apps.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "apps.users.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.core.middleware.PrivateCacheMiddleware",
    # Last: it turns django-axes' lockout into the sign-in page's 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "revenue.urls"
WSGI_APPLICATION = "revenue.wsgi.application"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

# Django's form renderer with every <select> written in Python (apps/core/renderers.py)
FORM_RENDERER = "apps.core.renderers.FormRenderer"
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
                "apps.users.context_processors.navigation",
                "apps.sales.context_processors.live",
                "apps.notifications.context_processors.unread_notifications",
                "apps.sales.context_processors.today",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
# Default: a SQLite file in ./var/. Writers queue (IMMEDIATE) instead of failing, WAL lets
# readers run beside one writer.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not :memory:) so threads and worker processes in tests share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    # The covering indexes' INCLUDE columns are PostgreSQL's (index-only report reads); SQLite
    # builds the same indexes on their key columns, which is all the embedded database needs,
    # so `make run` does not print eight warnings saying so on every start.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: report aggregates over tens of thousands of rows cross its cost threshold and
    # spend 10-20 ms compiling a plan that runs in less (measured in `bench`, issue 14).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, throttles) -----------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # fails open: a Redis outage must not turn throttles and rate limits into 500s
            "BACKEND": "apps.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # A file cache is shared by every process on the machine, so rate limits hold across
    # the dev server and the worker without a server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth and passwords ------------------------------------------------------------
# django-axes locks a (username, client address) pair out after AXES_FAILURE_LIMIT wrong
# passwords for AXES_COOLOFF_TIME, on every sign-in route (the page, the admin, the API
# token), counted in the database so a Redis outage cannot switch it off. A stranger cannot
# lock the real user out from their own address; apps.users.signin also slows down guessing
# at one username from many addresses, except on a device the user signed in from before.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "apps.core.middleware.client_ip"
AXES_USERNAME_CALLABLE = "apps.users.signin.axes_username"
AXES_LOCKOUT_CALLABLE = "apps.users.signin.locked_out_response"
AXES_VERBOSE = False
API_TOKEN_TTL = timedelta(days=env.int("API_TOKEN_DAYS", default=30))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Time and language: stored in UTC, shown in the user's zone ----------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# One language: without the translation machinery every date, plural and form label renders
# ~10 % faster (measured on the queue page), and nothing is lost.
USE_I18N = False
USE_TZ = True

# --- Static files -------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# --- Security (strict whenever DEBUG is off) -----------------------------------------
# sessions in the database, read through the cache (a copy lives a minute at most)
SESSION_ENGINE = "apps.users.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Messages live in the session (server side), never in a cookie a browser could show.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# PLAIN_HTTP=true: one machine serving http://127.0.0.1 (`make run`): DEBUG off, but no HSTS,
# no SSL redirect and cookies without the Secure flag, which plain HTTP could not send back.
PLAIN_HTTP = env.bool("PLAIN_HTTP", default=False)
if not DEBUG and not PLAIN_HTTP:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp): scripts and styles from our own origin only, no inline
# script anywhere; `style` attributes allowed (bar widths), which cannot run code. The public
# form may be framed by customers' sites (apps.intake.views widens frame-ancestors there).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Email and notifications ------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Revenue Desk <desk@localhost>")
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)

# --- Celery: the database is the truth, the broker only a nudge ---------------------
# Without REDIS_URL the broker is kombu's filesystem transport in ./var/broker, so the
# worker and beat run with no server. With Redis, every connect and publish is bounded so
# a dead broker cannot hang an intake request; the SLA sweep re-drives anything missed.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "visibility_timeout": 3600,
        "max_retries": 1,
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu writes its broadcast exchanges here (default: ./control in the working dir)
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = env.int("CELERY_BROKER_CONNECTION_MAX_RETRIES", 100)
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {"task": "routing.sweep_sla", "schedule": 30.0},
    # the running counts' cells merged: the cohort's, the leads created's (apps.leads.cells)
    "fold-cells": {"task": "leads.fold_cells", "schedule": 15.0},
    # the account roll-ups intake owes (apps.scoring.services.scores.ROLL_UP_EVERY)
    "roll-ups-owed": {"task": "scoring.roll_up_owed", "schedule": 5.0},
    "nightly-rescore": {"task": "scoring.rescore_all", "schedule": crontab(hour=2, minute=15)},
    # Replay records are kept 24 h (apps.intake.services.idempotency.RETENTION).
    "prune-idempotency-records": {
        "task": "intake.prune_idempotency_records",
        "schedule": crontab(minute=7),
    },
    # A win's renewal is opened by the task the win enqueues; this catches a lost one.
    "open-missing-renewals": {
        "task": "service.open_missing_renewals",
        "schedule": crontab(minute=37),
    },
    "wake-recycled-leads": {
        "task": "feedback.wake_recycled_leads",
        "schedule": crontab(hour=6, minute=5),
    },
    "disqualification-digest": {
        "task": "feedback.send_disqualification_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    # reps' external calendars (ICS busy feeds) for the booking page's free slots
    "refresh-busy-feeds": {"task": "meetings.refresh_feeds", "schedule": 900.0},
    "nightly-goal-snapshot": {
        "task": "goals.snapshot_goals",
        "schedule": crontab(hour=23, minute=50),
    },
}

# --- Django REST framework and OpenAPI ---------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.users.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # The client address is REMOTE_ADDR as TrustedProxyMiddleware settled it.
    "NUM_PROXIES": 0,
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="2000/hour"),
        "intake": env.str("API_THROTTLE_INTAKE", default="20000/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Revenue Desk API",
    "DESCRIPTION": "Intake, leads, routing, feedback and goals for Revenue Desk.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from the drf-spectacular-sidecar package (PyPI), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One clear name per choice set in generated clients (several models have a "status").
    "ENUM_NAME_OVERRIDES": {
        "AccountTierEnum": "apps.accounts.models.Account.Tier",
        "CampaignChannelEnum": "apps.campaigns.models.Campaign.Channel",
        "ContactChannelEnum": "apps.leads.models.Channel",
        "TouchpointKindEnum": "apps.leads.models.Touchpoint.Kind",
        "AssetKindEnum": "apps.campaigns.models.Asset.Kind",
        "ActivityOutcomeEnum": "apps.leads.models.Activity.Outcome",
        "RenewalOutcomeEnum": "apps.service.models.Renewal.Outcome",
        "LeadStatusEnum": "apps.leads.models.Lead.Status",
        "LeadSourceEnum": "apps.leads.models.Lead.Source",
        "SlaStateEnum": "apps.leads.models.Lead.SlaState",
        "OpportunityStageEnum": "apps.opportunities.models.Opportunity.Stage",
        "ReviewStatusEnum": "apps.feedback.models.Disqualification.Review",
    },
}

# --- Product defaults ---------------------------------------------------------------
INTAKE_MAX_BODY_BYTES = 64 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
PUBLIC_FORM_RATE = env.str("PUBLIC_FORM_RATE", default="20/m")
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
LOGIN_RATE_PER_IP = env.str("LOGIN_RATE_PER_IP", default="30/m")
# Sign-in attempts at one username from devices it never signed in from, across addresses.
LOGIN_RATE_PER_USER = env.str("LOGIN_RATE_PER_USER", default="10/15m")
TOKEN_RATE_PER_IP = env.str("TOKEN_RATE_PER_IP", default="20/m")
RATELIMIT_USE_CACHE = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
