# The project's table of contents. `make run` and `make test` are all a newcomer needs.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install lock run test lint format check-deploy bench bench-smoke bench-1m bench-faults messages \
	screenshot clean opensearch opensearch-stop

help:
	@echo "make run     install, migrate, load the seed articles, index them, serve http://127.0.0.1:8000"
	@echo "             (gunicorn and the indexers, under supervisord)"
	@echo "make test    install and run the whole suite (SQLite, and PostgreSQL when DATABASE_URL is set)"
	@echo "make lint    ruff and djhtml"
	@echo "make bench   the archive-scale benchmark (writes bench/REPORT.md); needs wrk"
	@echo "             (apt-get install -y wrk), or run it without HTTP: make bench NO_HTTP=1"
	@echo "make bench-1m  the same at 1,000,000 articles (hours), then the report for all sizes"
	@echo "make bench-faults  32 clients for 60 s while a worker, the indexer and PostgreSQL fail"
	@echo "             (writes bench/FAULTS.md)"
	@echo "make lock    regenerate requirements/*.lock (hashed) after editing pyproject.toml"
	@echo "make opensearch       start a local OpenSearch 2.19 node (Java 17, Maven) at"
	@echo "             http://127.0.0.1:9200, 512 MB heap, data in var/opensearch/ (opensearch/README.md)"
	@echo "make opensearch-stop  stop every local OpenSearch node"

# The venv's own pip (Python 3.11's) installs the locks: nothing unhashed is fetched, not even pip.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Every package comes from a hashed lock. The build tools first, so that the sdists in the lock
# (jieba, django-haystack) and the project itself build with them, without isolation: no build
# step fetches anything unhashed. Then the project, editable, with no dependencies of its own.
$(STAMP): pyproject.toml requirements/build.lock requirements/dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/build.lock
	$(BIN)/pip install --quiet --require-hashes --no-build-isolation -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# The locks, from the pins in pyproject.toml, for Python 3.11 on Linux x86_64: build (the build
# tools), prod (runtime only: the Dockerfile) and dev (runtime, dev and bench: make install), the
# last two held to the build lock's versions, since they install beside it. uv keeps the versions
# already locked; make lock LOCK_FLAGS=--upgrade moves the unpinned transitive ones.
LOCK = $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --custom-compile-command "make lock" $(LOCK_FLAGS)

lock: install
	$(LOCK) --group build --output-file requirements/build.lock
	$(LOCK) pyproject.toml --constraint requirements/build.lock \
		--output-file requirements/prod.lock
	$(LOCK) pyproject.toml --extra dev --extra bench --constraint requirements/build.lock \
		--output-file requirements/dev.lock

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed
	$(BIN)/python manage.py rebuild_index --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "== serving http://127.0.0.1:8000 (gunicorn) with the indexers beside it; Ctrl-C stops all"
	DEBUG=0 DJANGO_SETTINGS_MODULE=newsarchive.settings.dev \
		$(BIN)/supervisord --configuration deploy/supervisord.conf

test: install lint check-deploy
	DATABASE_URL= $(BIN)/python manage.py makemigrations --check --dry-run
	@echo "== pytest on SQLite"
	DATABASE_URL= $(BIN)/pytest
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== pytest on PostgreSQL"; \
		$(BIN)/pytest -m "not browser"; \
	elif [ "$$CI" = "true" ]; then \
		echo "== CI=true and DATABASE_URL is not set: the PostgreSQL run cannot be skipped in CI"; \
		exit 1; \
	else \
		echo "== DATABASE_URL is not set: PostgreSQL run skipped (export DATABASE_URL=\$$(scripts/postgres))"; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check templates

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml templates

check-deploy: install
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DJANGO_SETTINGS_MODULE=newsarchive.settings.prod \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hans --ignore ".venv/*" --ignore "bench/*"
	$(BIN)/python scripts/traditional_catalog.py
	$(BIN)/python manage.py compilemessages --locale zh_Hans --locale zh_Hant --ignore ".venv/*"

# The HTTP phase needs Debian's wrk; make bench installs nothing, it says what is missing.
bench: install
	@if [ "$(NO_HTTP)" != 1 ] && ! command -v wrk >/dev/null; then \
		echo "== wrk is not installed: install it (apt-get install -y wrk), or run the" >&2; \
		echo "   benchmark without its HTTP phase: make bench NO_HTTP=1" >&2; \
		exit 1; \
	fi
	$(BIN)/python -m bench.run --sizes 10000 100000 --report bench/REPORT.md \
		$(if $(filter 1,$(NO_HTTP)),--no-http)

# A million articles (hours; not in CI): generated, imported, indexed and measured on both
# databases, then the report is written again from every size measured (10k, 100k, 1M).
# Without rebuild_reach, which rebuilds both indexes beside the load: hours at this size.
bench-1m: install
	$(BIN)/python -m bench.run --sizes 1000000 --no-whoosh --http-extras save_http retokenise \
		--report bench/out/REPORT-1m.md \
		$(if $(filter 1,$(NO_HTTP)),--no-http)
	$(BIN)/python -m bench.run --sizes 10000 100000 1000000 --report-only --report bench/REPORT.md

bench-faults: install
	$(BIN)/python -m bench.faults --own-cluster --report bench/FAULTS.md

bench-smoke: install
	$(BIN)/python -m bench.run --sizes 200 --report /tmp/newsarchive-bench-smoke.md --quick

screenshot: install
	$(BIN)/python -m tests.screenshot docs/screenshot.png

opensearch:
	scripts/opensearch start

opensearch-stop:
	scripts/opensearch stop --all

clean:
	rm -rf $(VENV) staticfiles var .pytest_cache .ruff_cache
