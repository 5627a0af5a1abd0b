# newsarchive (新闻档案): the archive served by gunicorn with WhiteNoise.
# Build: docker build -t newsarchive .   Run: see compose.yaml and README.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=newsarchive.settings.prod \
    NEWSARCHIVE_VAR_DIR=/var/lib/newsarchive \
    GUNICORN_BIND=0.0.0.0:8000

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them, each checked against its
# hash in the locks (make lock writes them from pyproject.toml): the build tools, then the
# runtime lock, whose two source-only packages (jieba, django-haystack) build with those tools,
# without isolation, so that no build step fetches anything unhashed. The project itself is not
# installed: it runs from /app, where its templates, static files and locale are.
COPY requirements/build.lock requirements/prod.lock requirements/
RUN pip install --require-hashes -r requirements/build.lock \
    && pip install --require-hashes --no-build-isolation -r requirements/prod.lock

COPY . .
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin newsarchive \
    && mkdir -p /var/lib/newsarchive \
    && chown newsarchive /var/lib/newsarchive

# collectstatic needs settings but no secret worth keeping: a throwaway one, only for this step.
RUN SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput --verbosity 0

USER newsarchive
EXPOSE 8000
VOLUME ["/var/lib/newsarchive"]

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

ENTRYPOINT ["gunicorn", "--config", "newsarchive/gunicorn.conf.py"]
