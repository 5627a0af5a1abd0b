"""Settings shared by every environment.

Values that differ between machines come from environment variables:
DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG. The thin modules next to
this one (dev, test, prod) only change what must differ.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("NEWSARCHIVE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
# The site's own address, for the absolute URLs pages and the API give out (never the client's
# Host header, which cached pages would otherwise pass on to everyone).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    # search comes before haystack so that its rebuild_index (a new generation beside the
    # live index, with a progress bar) wins.
    "search",
    "articles",
    "haystack",
    "reversion",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "axes",
]

MIDDLEWARE = [
    "newsarchive.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what the middleware below produce, except pages that carry a secret (BREACH).
    "newsarchive.middleware.PublicGZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Inside MessageMiddleware, so that the message it may add is stored with the response.
    "articles.middleware.WaitForSearchIndex",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns django-ratelimit's refusals into the 429 page (RATELIMIT_VIEW).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it answers a locked-out login itself.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while locked out
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsarchive.urls"
WSGI_APPLICATION = "newsarchive.wsgi.application"

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
            ],
        },
    },
]

# An empty DATABASE_URL means "not set", so `DATABASE_URL= make test` runs on SQLite.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'newsarchive.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers (gunicorn workers) go on while an editor saves, and the
    # busy timeout makes a second writer wait instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# The interface speaks simplified Chinese, or traditional where the reader's browser asks for it
# (zh-TW, zh-HK) and on the pages of articles printed in traditional characters.
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("zh-hant", _("Traditional Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Per worker: whole pages (compressed, ~5-15 KB each), dropped least recently used first.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "newsarchive",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PAGE_CACHE_ENTRIES", "2000"))},
    }
}

LOGIN_URL = "admin:login"

# -- Security and limits (README: Security and operations)

# How many proxies in front of the site append the client's address to X-Forwarded-For (and
# set X-Forwarded-Proto). 0: the header comes from the client and is ignored.
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

# A strict Content-Security-Policy: the site runs no script of its own, and the admin's are
# files on this origin. No inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
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
    }
}
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

# Requests one client address may make per minute, per kind of page (django-ratelimit). They
# are counted in each worker's cache, so a site with N workers allows up to N times as many.
RATE_LIMITS = {
    "search": os.environ.get("RATE_LIMIT_SEARCH", "120/m"),
    "api": os.environ.get("RATE_LIMIT_API", "120/m"),
    "kwic": os.environ.get("RATE_LIMIT_KWIC", "20/m"),
    "export": os.environ.get("RATE_LIMIT_EXPORT", "10/m"),
}
RATE_LIMIT_RETRY_AFTER = 60
RATELIMIT_VIEW = "newsarchive.views.rate_limited"
RATELIMIT_USE_CACHE = "default"

# What one keyword-in-context page or export may cost before it is cut short, and says so.
SEARCH_BUDGETS = {
    "kwic": {"documents": 200, "bytes": 2_000_000, "seconds": 2.0},
    "export": {"documents": 1000, "bytes": 5_000_000, "seconds": 5.0},
    # The full text of a result set, streamed: JSON Lines or CSV.
    "full_text": {"documents": 10_000, "bytes": 500_000_000, "seconds": 120.0},
}

# The admin's login: locked for an hour after 5 failures for one user name, or from one address
# (django-axes). `manage.py axes_reset` (or axes_reset_username NAME) clears a lockout.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "newsarchive.middleware.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# Search: an index is a rebuildable copy of the database. SEARCH_ENGINE picks the engine:
# "tantivy" (the default: an embedded index on each host's disk) or "opensearch" (one shared
# cluster at OPENSEARCH_URL, a comma-separated list of nodes, for archives that outgrow one
# machine; see the README's "When one machine is not enough").
SEARCH_ENGINE = os.environ.get("SEARCH_ENGINE", "tantivy")
SEARCH_INDEX_PATH = Path(os.environ.get("SEARCH_INDEX_PATH", VAR_DIR / "index"))
# Keep each search's facet counts in the page cache, by index state (search.searching); 0 counts
# them for every search (the benchmark measures searches so).
SEARCH_FACET_CACHE = os.environ.get("SEARCH_FACET_CACHE", "1") != "0"
# Above this many matches a search counts its authors only when asked (facets=all), and the page
# says so: several authors to an article make that facet the costliest part of a broad search
# (bench/FINDINGS.md). Every other facet, and every count shown, is always exact.
SEARCH_AUTHOR_FACET_MAX_MATCHES = int(os.environ.get("SEARCH_AUTHOR_FACET_MAX_MATCHES", "20000"))
# run_indexer lowers its own CPU priority by this much (nice(2)), so that re-cutting thousands of
# articles after a dictionary change never slows the readers' searches much on a small machine;
# 0 keeps the priority it started with.
INDEXER_NICENESS = int(os.environ.get("INDEXER_NICENESS", "10"))
# The key figures (数说) have an index of their own: they never weigh on articles' ranking.
FIGURE_INDEX_PATH = Path(os.environ.get("FIGURE_INDEX_PATH", VAR_DIR / "figure-index"))
OPENSEARCH_URL = env_list("OPENSEARCH_URL", ["http://127.0.0.1:9200"])
OPENSEARCH_INDEX_PREFIX = os.environ.get("OPENSEARCH_INDEX_PREFIX", "newsarchive")
JIEBA_CACHE_DIR = VAR_DIR / "cache" / "jieba"
_ARTICLE_INDEX = "search.search_indexes.ArticleIndex"
_FIGURE_INDEX = "search.search_indexes.FigureIndex"


def search_connection(name, path):
    """One index's haystack connection on the chosen engine."""
    if SEARCH_ENGINE == "opensearch":
        engine = {
            "ENGINE": "search.backends.opensearch.OpenSearchEngine",
            "URL": OPENSEARCH_URL,
            "INDEX_NAME": f"{OPENSEARCH_INDEX_PREFIX}-{name}",
            "SHARDS": int(os.environ.get("OPENSEARCH_SHARDS", "1")),
            "REPLICAS": int(os.environ.get("OPENSEARCH_REPLICAS", "0")),
        }
    elif SEARCH_ENGINE == "tantivy":
        engine = {"ENGINE": "search.backends.tantivy.TantivyEngine", "PATH": str(path)}
    else:
        raise ValueError(f"SEARCH_ENGINE must be tantivy or opensearch, not {SEARCH_ENGINE!r}.")
    return {
        **engine,
        "ANALYZER": "search.analysis.ChineseAnalyzer",
        # A failed search is an error page, never an empty result that looks like an answer.
        "SILENTLY_FAIL": False,
    }


HAYSTACK_CONNECTIONS = {
    "default": {
        **search_connection("articles", SEARCH_INDEX_PATH),
        "EXCLUDED_INDEXES": [_FIGURE_INDEX],
    },
    "figures": {
        **search_connection("figures", FIGURE_INDEX_PATH),
        "EXCLUDED_INDEXES": [_ARTICLE_INDEX],
    },
}
# The indexes the change log feeds, each kept by its own `run_indexer --using NAME`.
SEARCH_INDEXES = ["default", "figures"]
# The models filter is applied inside the tantivy query (a term on django_ct),
# never as a second search over every document.
HAYSTACK_LIMIT_TO_REGISTERED_MODELS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "articles": {"level": "INFO"},
        "search": {"level": "INFO"},
        "axes": {"level": "WARNING"},  # lockouts
    },
}
