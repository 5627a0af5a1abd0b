"""gunicorn configuration, overridable from the environment.

`preload_app` imports Django (and warms jieba's and rjieba's dictionaries, see
newsarchive/warming.py) once in the master, so workers share those pages copy-on-write.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "sync" if threads == 1 else "gthread"
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = 100
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
wsgi_app = "newsarchive.wsgi:application"
# No control socket: nothing here uses gunicornc, and it would write under $HOME.
control_socket_disable = True


def post_fork(server, worker):
    # Connections and index readers opened in the master must not be shared.
    from django.db import connections

    connections.close_all()
