"""Django settings for Yingshang. Every value comes from an environment variable (docs/configuration.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url

from yingshang.env import ConfigurationError, env_bool, env_int, env_list, env_str, secret_is_random

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("YINGSHANG_DATA_DIR", str(BASE_DIR.parent / "var")))

ENVIRONMENT = env_str("YINGSHANG_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ConfigurationError("YINGSHANG_ENV 只能是 development 或 production")
PRODUCTION = ENVIRONMENT == "production"

_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env_str("YINGSHANG_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
DEBUG = env_bool("YINGSHANG_DEBUG", default=not PRODUCTION)

if PRODUCTION:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET or not secret_is_random(SECRET_KEY):
        raise ConfigurationError(
            "生产环境必须设置 YINGSHANG_SECRET_KEY：至少 50 个字符、足够随机的字符串（不能是重复的片段）"
            "（可用 python -c 'import secrets; print(secrets.token_urlsafe(64))' 生成）"
        )
    if DEBUG:
        raise ConfigurationError("生产环境不得开启 YINGSHANG_DEBUG，请设为 false 或删除该变量")

ALLOWED_HOSTS = env_list(
    "YINGSHANG_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("YINGSHANG_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves Swagger UI from its bundled static files instead of a CDN (offline rule)
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "axes",
    # In layer order (.importlinter), bottom first: their ready() hooks run in this order.
    "yingshang.core",
    "yingshang.registry",
    "yingshang.workdays",
    "yingshang.notifications",
    "yingshang.policies",
    "yingshang.entitlements",
    "yingshang.appeals",
    "yingshang.portal",
    "yingshang.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads the body (RejectNul reads a form, CSRF every POST): an oversize upload is
    # refused from its Content-Length, never streamed to a temporary file (core.uploads).
    "yingshang.core.uploads.UploadLimitMiddleware",
    "yingshang.core.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "yingshang.core.middleware.PasswordChangeRequired",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "yingshang.core.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "yingshang.urls"
WSGI_APPLICATION = "yingshang.wsgi.application"

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
                "yingshang.core.context_processors.navigation",
                "yingshang.notifications.context_processors.unread_messages",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'yingshang.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("YINGSHANG_DATABASE_URL", _default_db), conn_max_age=env_int("YINGSHANG_DB_CONN_MAX_AGE", 0)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the server read while an import or the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "registry.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "yingshang.core.passwords.LengthValidator",
        "OPTIONS": {"min_length": env_int("YINGSHANG_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # 等保 asks for complexity: at least three of upper case, lower case, digits and symbols.
    {"NAME": "yingshang.core.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]

# Login failures (django-axes): an account or an address is locked for a while after this many failures;
# every login, failed or not, is recorded with its address and time (the 登录记录 page, the admin).
AXES_FAILURE_LIMIT = env_int("YINGSHANG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("YINGSHANG_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each alone: per account and per address
AXES_LOCKOUT_CALLABLE = "yingshang.core.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("YINGSHANG_PROXY_COUNT", 0)
AXES_VERBOSE = False
# Every failed login is kept with its time, address and browser (not only the count per account and
# address that the lockout uses): the auditor's login record (registry:login_log).
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# Sessions end after this many idle minutes (each request starts the count again); a session opened with
# a scanned 企业码 (which can set bank details) ends sooner (portal/access.py).
SESSION_COOKIE_AGE = env_int("YINGSHANG_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
CODE_SESSION_SECONDS = env_int("YINGSHANG_CODE_SESSION_MINUTES", 10) * 60

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("YINGSHANG_STATIC_ROOT", str(DATA_DIR / "static")))
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
MEDIA_ROOT = DATA_DIR / "media"
# Outside production, whitenoise serves static files straight from the apps, so the demo runs with
# DEBUG off (our Chinese error pages) and still has its styles and scripts without collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION

# Request body limits (core.uploads): a larger request is refused with a Chinese 413 page from its
# Content-Length, before its body is read or any of it written to disk. The routes that take a file,
# by URL name, and the setting holding each one's limit; every other route (the public forms too) may
# carry at most REQUEST_MAX_BYTES.
IMPORT_MAX_BYTES = env_int("YINGSHANG_IMPORT_MAX_MB", 20) * 1024 * 1024
# The finance bureau's returned payment file; entitlements.forms refuses a larger one with its own words.
PAYMENT_RETURN_MAX_BYTES = 5 * 1024 * 1024
UPLOAD_LIMITS = {
    "registry:import_upload": "IMPORT_MAX_BYTES",
    "appeals:routing_models": "ROUTING_TRAINING_MAX_BYTES",
    "entitlements:batch_upload": "PAYMENT_RETURN_MAX_BYTES",
    "appeals:hotline_upload": "IMPORT_MAX_BYTES",
}
# 5 MB: a policy pack pasted into its editor (500,000 characters, URL-encoded) still fits.
REQUEST_MAX_BYTES = env_int("YINGSHANG_REQUEST_MAX_MB", 5) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
# Any body the middleware lets through to a route without files (its limit plus the multipart allowance,
# core.uploads.MULTIPART_ALLOWANCE) stays in memory: only the upload routes above use a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = max(PAYMENT_RETURN_MAX_BYTES, REQUEST_MAX_BYTES) + 64 * 1024

# Objections to a 公示 (public form): at most this many an hour from one address or one phone number.
OBJECTIONS_PER_HOUR = env_int("YINGSHANG_OBJECTIONS_PER_HOUR", 5)

# 三权分立 (等保 level 3): the 系统管理员 manages accounts and departments, the 安全管理员 passwords and
# lockouts, the 安全审计员 reads the audit trail; the 营商办管理员 then does none of these (core.roles).
SEPARATION_OF_DUTIES = env_bool("YINGSHANG_SEPARATION_OF_DUTIES", default=False)

# JSON API bearer tokens end this many days after they were issued (等保: no credential lives for ever).
API_TOKEN_DAYS = env_int("YINGSHANG_API_TOKEN_DAYS", 90)

# 企业码: days a signed enterprise code stays valid after it was issued (the office reissues cards).
ENTERPRISE_CODE_DAYS = env_int("YINGSHANG_ENTERPRISE_CODE_DAYS", 365)

# After-hours cut-off: a submission at or after this local time counts from the next working day.
WORKDAY_CUTOFF = env_str("YINGSHANG_WORKDAY_CUTOFF", "17:30")

# Policy packs: the most one reward item may pay one enterprise, in 元 (a fixed amount, a tier, a cap, a
# per-unit amount). A pack naming more is refused at check, upload and edit; the engine's own bound
# (rules.amounts.MAX_ITEM_AMOUNT_FEN, 100亿元) is the most this may be set to.
ITEM_AMOUNT_CEILING_YUAN = env_int("YINGSHANG_ITEM_AMOUNT_CEILING_YUAN", 100_000_000)
if not 1 <= ITEM_AMOUNT_CEILING_YUAN <= 10_000_000_000:
    raise ConfigurationError(
        "YINGSHANG_ITEM_AMOUNT_CEILING_YUAN 应是 1 到 10000000000（100亿）之间的整数（元）"
    )

# 政策兑现 deadlines in working days (docs/entitlements.md): enterprise confirmation after the push,
# department review, 公示 length, payment after 公示 ends.
ENTITLEMENT_CONFIRM_WORKDAYS = env_int("YINGSHANG_CONFIRM_WORKDAYS", 60)
ENTITLEMENT_REVIEW_WORKDAYS = env_int("YINGSHANG_REVIEW_WORKDAYS", 15)
ENTITLEMENT_PUBLICITY_WORKDAYS = env_int("YINGSHANG_PUBLICITY_WORKDAYS", 5)
ENTITLEMENT_PAYMENT_WORKDAYS = env_int("YINGSHANG_PAYMENT_WORKDAYS", 30)

# 接诉即办 (docs/appeals.md): how often a department may send an appeal back, how often 不满意 reopens it,
# when working days left earn a warning, how many appeals one address or phone may submit an hour, and
# the routing confidence at and above which an appeal goes straight to the department (工单直派).
APPEAL_MAX_RETURNS = env_int("YINGSHANG_APPEAL_MAX_RETURNS", 2)
APPEAL_MAX_REOPENS = env_int("YINGSHANG_APPEAL_MAX_REOPENS", 1)
APPEAL_WARNING_PERCENT = env_int("YINGSHANG_APPEAL_WARNING_PERCENT", 20)
APPEALS_PER_HOUR = env_int("YINGSHANG_APPEALS_PER_HOUR", 5)
APPEAL_DIRECT_DISPATCH_PERCENT = env_int("YINGSHANG_APPEAL_DIRECT_DISPATCH_PERCENT", 80)
ROUTING_TRAINING_MAX_BYTES = env_int("YINGSHANG_ROUTING_TRAINING_MAX_MB", 50) * 1024 * 1024

# 精准推送 (docs/notifications.md): which gateway sends SMS and e-mail ("logging" only writes the log).
NOTIFY_SMS_GATEWAY = env_str("YINGSHANG_SMS_GATEWAY", "logging")
NOTIFY_EMAIL_GATEWAY = env_str("YINGSHANG_EMAIL_GATEWAY", "logging")
NOTIFY_SMS_URL = env_str("YINGSHANG_SMS_URL")
NOTIFY_SMS_TOKEN = env_str("YINGSHANG_SMS_TOKEN")
NOTIFY_SMS_TIMEOUT = env_int("YINGSHANG_SMS_TIMEOUT", 10)
NOTIFY_SITE_URL = env_str("YINGSHANG_SITE_URL").rstrip("/")
if NOTIFY_SMS_GATEWAY not in {"logging", "http"}:
    raise ConfigurationError("YINGSHANG_SMS_GATEWAY 只能是 logging 或 http")
if NOTIFY_EMAIL_GATEWAY not in {"logging", "django"}:
    raise ConfigurationError("YINGSHANG_EMAIL_GATEWAY 只能是 logging 或 django")
if NOTIFY_SMS_GATEWAY == "http" and not NOTIFY_SMS_URL:
    raise ConfigurationError("YINGSHANG_SMS_GATEWAY=http 时必须设置 YINGSHANG_SMS_URL（短信平台的接口地址）")
EMAIL_HOST = env_str("YINGSHANG_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("YINGSHANG_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("YINGSHANG_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("YINGSHANG_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("YINGSHANG_EMAIL_TLS", default=False)
EMAIL_USE_SSL = env_bool("YINGSHANG_EMAIL_SSL", default=False)
EMAIL_TIMEOUT = env_int("YINGSHANG_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("YINGSHANG_EMAIL_FROM", "yingshang@localhost")

TASKS = {
    "default": {
        "BACKEND": env_str("YINGSHANG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION and env_bool("YINGSHANG_HTTPS", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HSTS only where the site is served over HTTPS (production behind TLS).
SECURE_HSTS_SECONDS = env_int("YINGSHANG_HSTS_SECONDS", 31_536_000) if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False

# Content-Security-Policy: everything from this site, no inline script (the pages' behaviour is in
# static files, see yingshang/static/yingshang/site.js). Inline style attributes stay allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("YINGSHANG_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request when it is missing
